-- The fitting journeys counted by collapsed path: what the Markov chain and the logistic
-- conversion model are fitted on. Journeys with the same path walk the same steps and hold the
-- same channel set, so the fit reads one row per path (with how many journeys took it, won
-- and lost) instead of one per journey; resampling the journeys for the bootstrap is then a
-- multinomial draw over (path, outcome). path_id is the first opportunity (by id) with the
-- path: it names the path's steps in int_data_driven_path_steps_counted.

with

journeys as (

    select * from {{ ref('int_opportunity_journeys_sequenced') }}
    where is_fitting and channel_path is not null

),

final as (

    select
        min(opportunity_id) as path_id,
        channel_path,
        channel_set,
        sum(case when is_won then 1 else 0 end) as won_journeys,
        sum(case when is_won then 0 else 1 end) as lost_journeys,
        cast(
            sum(case when is_won then coalesce(amount_usd, 0) else 0 end) as double
        ) as won_revenue_usd

    from journeys
    group by
        channel_path,
        channel_set

)

select * from final
