-- time_decay: every touch of P weighs 2^(-d/h), d = fractional days from the touch to
-- opportunity creation, h = the half-life var (days); weights are normalised to shares of 1,
-- then rounded to DECIMAL credits summing to exactly 1 (macros/exact_decimals.sql).
-- depends_on: {{ ref('int_attribution_models_validated') }}  (no credit before the seed guard)
-- A view: fct_attribution_credits is its only reader, and storing it wrote 65M rows at 10M
-- touchpoints that were read once (1M: the two steps 9.3 s as a table, 8.0 s as a view).
{{ config(materialized='view') }}
{%- set half_life_days = var('attribution_half_life_days') | float %}
{%- if half_life_days <= 0 %}
    {{ exceptions.raise_compiler_error("attribution_half_life_days must be > 0") }}
{%- endif %}

with

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_recomputed') }}
    where attribution_window = 'P'

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

decayed as (

    select
        windowed_touches.opportunity_id,
        windowed_touches.touchpoint_id,
        windowed_touches.touched_at,
        windowed_touches.is_first_touch,
        windowed_touches.is_lead_creation_touch,
        windowed_touches.is_opportunity_creation_touch,
        windowed_touches.is_closed_won_touch,
        {{ usd_to_cents('opportunities.amount_usd') }} as amount_cents,
        power(
            2.0,
            -1.0 * {{ seconds_between('windowed_touches.touched_at', 'opportunities.created_at') }}
            / (86400.0 * {{ half_life_days }})
        ) as decay_weight

    from windowed_touches
    inner join opportunities
        on windowed_touches.opportunity_id = opportunities.opportunity_id

),

-- Each weight relative to the window's largest (1 for the latest touch), so that the exact
-- sum below keeps the smallest weights' digits; the share is the same ratio.
relative as (

    select
        decayed.*,
        decayed.decay_weight
        / max(decayed.decay_weight) over (partition by decayed.opportunity_id) as relative_weight

    from decayed

),

shared as (

    select
        opportunity_id,
        'time_decay' as model,
        touchpoint_id,
        touched_at,
        is_first_touch,
        is_lead_creation_touch,
        is_opportunity_creation_touch,
        is_closed_won_touch,
        amount_cents,
        relative_weight / {{ exact_window_sum('relative_weight', 'opportunity_id') }} as share

    from relative

),

credited as (

    select * from {{ credits_summing_to_one('shared', 'opportunity_id') }} as decay_credited

),

-- The cents (macros/exact_decimals.sql): every touch is a class of its own here.
final as (

    select * from {{ touch_credits_in_cents('credited', 'opportunity_id') }} as priced

)

select * from final
