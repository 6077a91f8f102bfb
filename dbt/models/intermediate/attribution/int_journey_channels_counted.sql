-- Every opportunity's full-journey (J) window per distinct channel: how many of its touches
-- the channel has. Both readers split a channel's part of a deal equally among its touches:
-- the data-driven credits (int_attribution_credits_data_driven) and the linear fallback the
-- fit sums per channel set (int_data_driven_set_touches_summed). Read from the runs, which
-- are fewer rows than the touches and already carry each run's count.

with

runs as (

    select * from {{ ref('int_journey_runs_collapsed') }}

),

final as (

    select
        opportunity_id,
        channel,
        sum(run_touches) as channel_touches

    from runs
    group by
        opportunity_id,
        channel

)

select * from final
