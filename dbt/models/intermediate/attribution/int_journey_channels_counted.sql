-- Every opportunity's full-journey (J) window per distinct channel: how many of its touches
-- the channel has, and the earliest of them (the first touch of the channel's first run).
-- Both readers split a channel's part of a deal equally among its touches: the data-driven
-- credits (int_attribution_credits_data_driven, which also round per channel and so need the
-- earliest touch, the one that may hold the residue) and the linear fallback the fit sums per
-- channel set (int_data_driven_set_touches_summed). Read from the runs, which are fewer rows
-- than the touches and already carry each run's count and first touch.

with

runs as (

    select * from {{ ref('int_journey_runs_collapsed') }}

),

final as (

    select
        opportunity_id,
        channel,
        sum(run_touches) as channel_touches,
        {{ first_by('first_touched_at', ['run_number']) }} as first_touched_at,
        {{ first_by('first_touchpoint_id', ['run_number']) }} as first_touchpoint_id

    from runs
    group by
        opportunity_id,
        channel

)

select * from final
