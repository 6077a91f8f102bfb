-- Credits of every lead model in the lead_attribution_models seed over each lead's own
-- touches up to lead creation, through the same normalisation as opportunity models (DECIMAL
-- credits summing to exactly 1 per lead and model).
with

windowed_touches as (

    select * from {{ ref('int_lead_touches_windowed') }}

),

models as (

    select * from {{ ref('int_lead_attribution_models_validated') }}

),

weighted_touches as (

    select
        windowed_touches.contact_id,
        models.model,
        windowed_touches.touchpoint_id,
        windowed_touches.touched_at,
        windowed_touches.window_touch_count,
        windowed_touches.is_first_touch,
        windowed_touches.is_lead_creation_touch,
        models.first_touch_weight,
        models.lead_creation_weight,
        models.middle_weight

    from windowed_touches
    cross join models

),

credited as (

    select * from {{ position_credits('weighted_touches', 'contact_id', [
        ('is_first_touch', 'first_touch_weight'),
        ('is_lead_creation_touch', 'lead_creation_weight'),
    ]) }} as position_credited

),

final as (

    select
        contact_id,
        model,
        touchpoint_id,
        is_first_touch,
        is_lead_creation_touch,
        credit,
        is_residue_anchor

    from credited
    where credit > 0

)

select * from final
