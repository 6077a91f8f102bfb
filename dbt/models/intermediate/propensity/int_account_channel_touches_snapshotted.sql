-- Touches by channel: per account, snapshot instant (month starts and the as-of time) and
-- channel, the touches of the account's contacts in the 90 days before the snapshot's day.
-- Long, one row per channel touched, so a project's own channels (the channels lookup) need no
-- column of their own: the propensity asset turns them into features.
-- Same window as int_account_engagement_snapshotted: only days before the snapshot's day count.

with

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

snapshot_times as (

    select * from {{ ref('int_forecast_snapshot_times_listed') }}

),

touch_days as (

    select
        account_id,
        channel,
        cast(touched_at as date) as touch_date,
        count(*) as touches

    from touchpoints
    where account_id is not null
    group by
        account_id,
        channel,
        cast(touched_at as date)

),

windowed as (

    select
        touch_days.account_id,
        touch_days.channel,
        snapshot_times.snapshot_at,
        touch_days.touches

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
        channel,
        sum(touches) as touches_90d

    from windowed
    group by
        account_id,
        snapshot_at,
        channel

)

select * from final
