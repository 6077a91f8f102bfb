-- Per channel set and channel, over the won fitting journeys with that set: the channel's
-- share of each journey's touches, summed, and weighted by the journey's amount. A set whose
-- channels get no positive Shapley share falls back to linear, and these sums are what linear
-- credits its channels: the fit needs them for the shapley weight (the channel's share of the
-- won revenue the model credits) without reading every journey's touches.

with

journeys as (

    select * from {{ ref('int_opportunity_journeys_sequenced') }}
    where is_fitting and is_won and channel_set is not null

),

runs as (

    select * from {{ ref('int_journey_runs_collapsed') }}

),

channel_touches as (

    select
        runs.opportunity_id,
        runs.channel,
        sum(runs.run_touches) as touches

    from runs
    inner join journeys
        on runs.opportunity_id = journeys.opportunity_id
    group by
        runs.opportunity_id,
        runs.channel

),

touch_shares as (

    select
        channel_touches.opportunity_id,
        channel_touches.channel,
        cast(channel_touches.touches as double) / sum(channel_touches.touches) over (
            partition by channel_touches.opportunity_id
        ) as touch_share

    from channel_touches

),

final as (

    select
        journeys.channel_set,
        touch_shares.channel,
        sum(touch_shares.touch_share) as won_touch_share,
        sum(touch_shares.touch_share * cast(coalesce(journeys.amount_usd, 0) as double))
            as won_revenue_touch_share

    from touch_shares
    inner join journeys
        on touch_shares.opportunity_id = journeys.opportunity_id
    group by
        journeys.channel_set,
        touch_shares.channel

)

select * from final
