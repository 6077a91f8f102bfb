-- Credits of every position-based model in the attribution_models seed (first_touch,
-- last_touch, linear, u/w-shaped, j-shaped, full_path and any row a user adds), through the
-- one generic normalisation of macros/position_credits.sql: DECIMAL credits summing to
-- exactly 1 per opportunity and model (the rounding residue on one anchor touch).
with

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}

),

models as (

    select * from {{ ref('int_attribution_models_validated') }}

),

weighted_touches as (

    select
        windowed_touches.opportunity_id,
        models.model,
        windowed_touches.touchpoint_id,
        windowed_touches.touched_at,
        windowed_touches.window_touch_count,
        windowed_touches.is_first_touch,
        windowed_touches.is_lead_creation_touch,
        windowed_touches.is_opportunity_creation_touch,
        windowed_touches.is_closed_won_touch,
        models.first_touch_weight,
        models.lead_creation_weight,
        models.opportunity_creation_weight,
        models.closed_won_weight,
        models.middle_weight

    from windowed_touches
    inner join models
        on windowed_touches.attribution_window = models.attribution_window

),

credited as (

    select * from {{ position_credits('weighted_touches', 'opportunity_id', [
        ('is_first_touch', 'first_touch_weight'),
        ('is_lead_creation_touch', 'lead_creation_weight'),
        ('is_opportunity_creation_touch', 'opportunity_creation_weight'),
        ('is_closed_won_touch', 'closed_won_weight'),
    ]) }} as position_credited

),

final as (

    select
        opportunity_id,
        model,
        touchpoint_id,
        is_first_touch,
        is_lead_creation_touch,
        is_opportunity_creation_touch,
        is_closed_won_touch,
        credit,
        is_residue_anchor

    from credited
    where credit > 0

)

select * from final
