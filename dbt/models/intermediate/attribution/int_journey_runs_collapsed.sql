-- Every opportunity's full-journey (J) window as runs of one channel: the touches in order
-- (touched_at, touchpoint_id), consecutive touches of the same channel collapsed into one
-- run with its touch count, and the next run's channel (NULL after the last run). The runs
-- are the collapsed path the Markov chain walks; the data-driven models' journeys, paths and
-- step counts are all read from here, so the window is ordered once.

with

journey_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}
    where attribution_window = 'J'

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

channeled as (

    select
        journey_touches.opportunity_id,
        journey_touches.touched_at,
        journey_touches.touchpoint_id,
        touchpoints.channel,
        lag(touchpoints.channel) over (
            partition by journey_touches.opportunity_id
            order by journey_touches.touched_at asc, journey_touches.touchpoint_id asc
        ) as previous_channel

    from journey_touches
    inner join touchpoints
        on journey_touches.touchpoint_id = touchpoints.touchpoint_id

),

run_numbered as (

    select
        opportunity_id,
        channel,
        sum(case when previous_channel = channel then 0 else 1 end) over (
            partition by opportunity_id
            order by touched_at asc, touchpoint_id asc
            rows between unbounded preceding and current row
        ) as run_number

    from channeled

),

runs as (

    select
        opportunity_id,
        run_number,
        channel,
        count(*) as run_touches

    from run_numbered
    group by
        opportunity_id,
        run_number,
        channel

),

final as (

    select
        opportunity_id,
        run_number,
        channel,
        run_touches,
        lead(channel) over (
            partition by opportunity_id
            order by run_number asc
        ) as next_channel

    from runs

)

select * from final
