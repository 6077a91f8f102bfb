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

touch_shares as (

    select
        journeys.channel_set,
        journey_channels.channel,
        cast(coalesce(journeys.amount_usd, 0) as double) as amount_usd,
        cast(journey_channels.channel_touches as double) / sum(journey_channels.channel_touches) over (
            partition by journey_channels.opportunity_id
        ) as touch_share

    from journey_channels
    inner join journeys
        on journey_channels.opportunity_id = journeys.opportunity_id

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
