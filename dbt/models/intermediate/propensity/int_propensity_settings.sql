-- The buyer-propensity models' settings as one row, from the dbt vars and the as-of time: the
-- Dagster asset that trains and scores (defs/propensity) reads them here. The evaluation cutoff
-- is a month start, so it is one of the snapshot instants: the models train on what was known
-- before it and are judged on the snapshots from it to the as-of time.

with

as_of as (

    select as_of_at from {{ ref('int_as_of_resolved') }}

),

final as (

    select
        as_of.as_of_at,
        cast({{ add_months_to_date(
            dbt.date_trunc('month', 'as_of.as_of_at'), -var('propensity_evaluation_months')
        ) }} as {{ dbt.type_timestamp() }}) as cutoff_at,
        cast({{ var('propensity_horizon_days') }} as integer) as horizon_days,
        cast({{ var('propensity_seed') }} as bigint) as seed,
        cast({{ var('propensity_max_rows') }} as bigint) as max_rows

    from as_of

)

select * from final
