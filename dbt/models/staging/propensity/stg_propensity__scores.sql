-- The propensity scores at the as-of time, one row per (model, entity).
with

source as (

    select * from {{ source('propensity', 'scores') }}

),

renamed as (

    select
        {{ dbt.concat(['model', "'|'", 'entity_id']) }} as score_id,
        model,
        entity_id,
        scored_at,
        score,
        decile,
        driver_1,
        driver_2,
        driver_3

    from source

)

select * from renamed
