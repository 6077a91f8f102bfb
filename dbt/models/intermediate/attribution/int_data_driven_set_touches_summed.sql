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

journey_channels as (

    select * from {{ ref('int_journey_channels_counted') }}

),

channel_touches as (

    select
        journey_channels.opportunity_id,
        journeys.channel_set,
        cast(coalesce(journeys.amount_usd, 0) as double) as amount_usd,
        journey_channels.channel,
        journey_channels.channel_touches as touches

    from journey_channels
    inner join journeys
        on journey_channels.opportunity_id = journeys.opportunity_id

),

touch_shares as (

    select
        channel_set,
        channel,
        amount_usd,
        cast(touches as double) / sum(touches) over (
            partition by opportunity_id
        ) as touch_share

    from channel_touches

),

final as (

    select
        channel_set,
        channel,
        sum(touch_share) as won_touch_share,
        sum(touch_share * amount_usd) as won_revenue_touch_share

    from touch_shares
    group by
        channel_set,
        channel

)

select * from final
