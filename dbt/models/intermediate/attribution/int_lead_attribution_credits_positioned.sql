-- Credits of every lead model in the lead_attribution_models seed over each lead's own
-- touches up to lead creation, through the same normalisation as opportunity models (DECIMAL
-- credits summing to exactly 1 per lead and model).
with

models as (

    select * from {{ ref('int_lead_attribution_models_validated') }}

),

credited as (

    -- The touches are named directly, not through an import CTE: the macro reads them twice,
    -- and DuckDB would first copy a CTE read twice aside (at 50M touchpoints, 120M rows).
    select * from {{ position_credits(ref('int_lead_touches_windowed'), 'models', 'contact_id', [
        ('is_first_touch', 'first_touch_weight'),
        ('is_lead_creation_touch', 'lead_creation_weight'),
    ]) }} as position_credited

),

final as (

    select
        contact_id,
        model,
        touchpoint_id,
        touched_at,
        is_first_touch,
        is_lead_creation_touch,
        credit,
        is_residue_anchor

    from credited
    where credit > 0

)

select * from final
