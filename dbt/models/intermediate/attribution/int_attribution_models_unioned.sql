-- Every opportunity attribution model of this build, one row each: the position models of the
-- attribution_models seed (validated) with their weights, plus time_decay and last_non_direct,
-- which have no weights, and the data-driven markov and shapley, fitted on every build.
-- dim_attribution_models publishes them with the run's parameters; the efficiency models map
-- each to a lead model.
{%- set weightless_models = [
    ('time_decay', 'time_decay', 'P',
        'Each touch weighs 2^(-days before opportunity creation / half-life)'),
    ('last_non_direct', 'rule', 'P',
        'All credit to the last touch before the opportunity that is not Direct (else the last touch)'),
    ('markov', 'data_driven', 'J',
        'Each channel of the journey weighs its Markov removal effect, fitted on the closed deals'),
    ('shapley', 'data_driven', 'J',
        'Each channel of the journey gets its Shapley value in a logistic conversion model of the closed deals'),
] %}

with

position_models as (

    select * from {{ ref('int_attribution_models_validated') }}

),

-- time_decay, last_non_direct and the data-driven models: no weights.
weightless_models as (

    {% for model, kind, window, description in weightless_models -%}
        select
            '{{ model }}' as model,
            '{{ kind }}' as model_kind,
            '{{ window }}' as attribution_window,
            cast(null as double) as first_touch_weight,
            cast(null as double) as lead_creation_weight,
            cast(null as double) as opportunity_creation_weight,
            cast(null as double) as closed_won_weight,
            cast(null as double) as middle_weight,
            '{{ description }}' as description
        {%- if not loop.last %}
            union all
        {% endif -%}
    {%- endfor %}

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

    select * from weightless_models

)

select * from all_models
