-- Every account's engagement in the 90 days before every snapshot instant (month starts and the
-- as-of time): touches in the last 14, 30 and 90 days, the trend (the last 30 days against
-- the mean 30 days of the 60 before), form fills, webinar and event responses,
-- paid touches, contacts engaged and the days since the last touch. Only touches on days before
-- the snapshot's day count, so nothing at or after a snapshot shapes it. Touches are summed per
-- account, contact and day first: the join to the snapshots then moves days, not touches.
-- Accounts without a touch in the 90 days have no row (the propensity features read them as 0).

with

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

campaigns as (

    select * from {{ ref('stg_campaign__campaigns') }}

),

snapshot_times as (

    select * from {{ ref('int_forecast_snapshot_times_listed') }}

),

touch_days as (

    select
        touchpoints.account_id,
        touchpoints.contact_id,
        cast(touchpoints.touched_at as date) as touch_date,
        count(*) as touches,
        sum(case when touchpoints.touch_type = 'form_fill' then 1 else 0 end) as form_fills,
        sum(
            case
                when touchpoints.touch_type = 'campaign_response' and campaigns.campaign_type in ('Webinar', 'Event')
                    then 1
                else 0
            end
        ) as event_responses,
        sum(case when touchpoints.is_paid then 1 else 0 end) as paid_touches

    from touchpoints
    left join campaigns
        on touchpoints.campaign_id = campaigns.campaign_id
    where touchpoints.account_id is not null
    group by
        touchpoints.account_id,
        touchpoints.contact_id,
        cast(touchpoints.touched_at as date)

),

windowed as (

    select
        touch_days.account_id,
        touch_days.contact_id,
        snapshot_times.snapshot_at,
        {{ days_between('touch_days.touch_date', 'cast(snapshot_times.snapshot_at as date)') }} as days_before,
        touch_days.touches,
        touch_days.form_fills,
        touch_days.event_responses,
        touch_days.paid_touches

    from touch_days
    inner join snapshot_times
        on
            touch_days.touch_date < cast(snapshot_times.snapshot_at as date)
            and touch_days.touch_date >= {{ add_days_to_date('cast(snapshot_times.snapshot_at as date)', -90) }}

),

final as (

    select
        account_id,
        snapshot_at,
        sum(case when days_before <= 14 then touches else 0 end) as touches_14d,
        sum(case when days_before <= 30 then touches else 0 end) as touches_30d,
        sum(touches) as touches_90d,
        -- The trend: the last 30 days against the mean 30 days of the 60 before them.
        sum(case when days_before <= 30 then touches else 0 end)
        - cast(sum(case when days_before > 30 then touches else 0 end) as double) / 2 as engagement_trend,
        sum(form_fills) as form_fills_90d,
        sum(event_responses) as event_responses_90d,
        sum(paid_touches) as paid_touches_90d,
        count(distinct case when days_before <= 30 then contact_id end) as contacts_engaged_30d,
        count(distinct contact_id) as contacts_engaged_90d,
        min(days_before) as days_since_last_touch

    from windowed
    group by
        account_id,
        snapshot_at

)

select * from final
