-- The attribution models of this build and the parameters they ran with, so that every
-- number in fct_attribution can be traced to the weights and window that produced it.
with

position_models as (

    select * from {{ ref('int_attribution_models_validated') }}

),

as_of as (

    select * from {{ ref('int_as_of_resolved') }}

),

all_models as (

    select
        model,
        'position' as model_kind,
        attribution_window,
        first_touch_weight,
        lead_creation_weight,
        opportunity_creation_weight,
        closed_won_weight,
        middle_weight,
        description

    from position_models

    union all

    select
        'time_decay' as model,
        'time_decay' as model_kind,
        'P' as attribution_window,
        cast(null as double) as first_touch_weight,
        cast(null as double) as lead_creation_weight,
        cast(null as double) as opportunity_creation_weight,
        cast(null as double) as closed_won_weight,
        cast(null as double) as middle_weight,
        'Each touch weighs 2^(-days before opportunity creation / half-life)' as description

    union all

    select
        'last_non_direct' as model,
        'rule' as model_kind,
        'P' as attribution_window,
        cast(null as double) as first_touch_weight,
        cast(null as double) as lead_creation_weight,
        cast(null as double) as opportunity_creation_weight,
        cast(null as double) as closed_won_weight,
        cast(null as double) as middle_weight,
        'All credit to the last touch before the opportunity that is not Direct (else the last touch)'
            as description

),

final as (

    select
        all_models.*,
        {{ var('attribution_lookback_days') | int }} as lookback_days,
        '{{ var("attribution_scope") }}' as attribution_scope,
        cast({{ var('attribution_half_life_days') | float }} as double) as half_life_days,
        as_of.as_of_at,
        as_of.as_of_source,
        as_of.data_ends_at,
        as_of.built_at

    from all_models
    cross join as_of

)

select * from final
