-- Credits of every position-based model in the attribution_models seed (first_touch,
-- last_touch, linear, u/w-shaped, j-shaped, full_path and any row a user adds), through the
-- one generic normalisation of macros/position_credits.sql: DECIMAL credits summing to
-- exactly 1 per opportunity and model (the rounding residue on one anchor touch).
-- A view: fct_attribution_credits is its only reader, and storing it wrote 65M rows at 10M
-- touchpoints that were read once (1M: the two steps 9.3 s as a table, 8.0 s as a view).
{{ config(materialized='view') }}
with

models as (

    select * from {{ ref('int_attribution_models_validated') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

credited as (

    -- The touches are named directly, not through an import CTE: the macro reads them twice,
    -- and DuckDB would first copy a CTE read twice aside (at 50M touchpoints, 120M rows).
    select * from {{ position_credits(ref('int_opportunity_touches_recomputed'), 'models', 'opportunity_id', [
        ('is_first_touch', 'first_touch_weight'),
        ('is_lead_creation_touch', 'lead_creation_weight'),
        ('is_opportunity_creation_touch', 'opportunity_creation_weight'),
        ('is_closed_won_touch', 'closed_won_weight'),
    ], match_on=['attribution_window'], amounts='opportunities') }} as position_credited

),

final as (

    select
        opportunity_id,
        model,
        touchpoint_id,
        touched_at,
        is_first_touch,
        is_lead_creation_touch,
        is_opportunity_creation_touch,
        is_closed_won_touch,
        credit,
        is_residue_anchor,
        pipeline_cents

    from credited
    where credit > 0

)

select * from final
