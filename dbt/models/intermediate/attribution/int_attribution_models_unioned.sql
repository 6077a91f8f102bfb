-- Every opportunity attribution model of this build, one row each: the position models of the
-- attribution_models seed (validated) with their weights, plus time_decay and last_non_direct,
-- which have no weights, and the data-driven markov and shapley, fitted on every build.
-- dim_attribution_models publishes them with the run's parameters; the efficiency models map
-- each to a lead model.
with

position_models as (

    select * from {{ ref('int_attribution_models_validated') }}

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

    union all

    select
        'markov' as model,
        'data_driven' as model_kind,
        'J' as attribution_window,
        cast(null as double) as first_touch_weight,
        cast(null as double) as lead_creation_weight,
        cast(null as double) as opportunity_creation_weight,
        cast(null as double) as closed_won_weight,
        cast(null as double) as middle_weight,
        'Each channel of the journey weighs its Markov removal effect, fitted on the closed deals'
            as description

    union all

    select
        'shapley' as model,
        'data_driven' as model_kind,
        'J' as attribution_window,
        cast(null as double) as first_touch_weight,
        cast(null as double) as lead_creation_weight,
        cast(null as double) as opportunity_creation_weight,
        cast(null as double) as closed_won_weight,
        cast(null as double) as middle_weight,
        'Each channel of the journey gets its Shapley value in a logistic conversion model of the closed deals'
            as description

)

select * from all_models
