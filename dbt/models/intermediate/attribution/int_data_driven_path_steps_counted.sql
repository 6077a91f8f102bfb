-- The steps of every path of int_data_driven_paths_counted: from_channel -> to_channel and how
-- often the path takes it. A NULL from_channel is the start, a NULL to_channel the end (the
-- chain's conversion or null state, by the journeys' outcome). These are the Markov chain's
-- transition counts per path; the fit weights them by the journeys of each path.

with

paths as (

    select * from {{ ref('int_data_driven_paths_counted') }}

),

runs as (

    select * from {{ ref('int_journey_runs_collapsed') }}

),

path_runs as (

    select
        paths.path_id,
        runs.run_number,
        runs.channel,
        runs.next_channel

    from paths
    inner join runs
        on paths.path_id = runs.opportunity_id

),

steps as (

    select
        path_id,
        cast(null as {{ dbt.type_string() }}) as from_channel,
        channel as to_channel

    from path_runs
    where run_number = 1

    union all

    select
        path_id,
        channel as from_channel,
        next_channel as to_channel

    from path_runs

),

final as (

    select
        path_id,
        from_channel,
        to_channel,
        count(*) as steps

    from steps
    group by
        path_id,
        from_channel,
        to_channel

)

select * from final
