-- The attribution models of this build and the parameters they ran with, so that every
-- number in fct_attribution can be traced to the weights and window that produced it.
with

models as (

    select * from {{ ref('int_attribution_models_unioned') }}

),

as_of as (

    select * from {{ ref('int_as_of_resolved') }}

),

final as (

    select
        models.*,
        {{ var('attribution_lookback_days') | int }} as lookback_days,
        '{{ var("attribution_scope") }}' as attribution_scope,
        cast({{ var('attribution_half_life_days') | float }} as double) as half_life_days,
        as_of.as_of_at,
        as_of.as_of_source,
        as_of.data_ends_at,
        as_of.built_at

    from models
    cross join as_of

)

select * from final
