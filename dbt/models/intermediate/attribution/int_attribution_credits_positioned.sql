-- Credits of every position-based model in the attribution_models seed, through one
-- generic path. A model's roles are the milestones it weights (> 0). For a touch t:
--   raw(t) = sum of the weights of the model's roles t holds, plus middle / k when t holds
--            none of them (k = number of such role-less touches in the window);
--   credit(t) = raw(t) / sum of raw over the window.
-- Missing roles and an empty middle are thus redistributed pro rata, and credits sum to 1.
-- If a custom model leaves every raw weight at 0, the touches share the credit equally.
with

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}

),

models as (

    select * from {{ ref('attribution_models') }}

),

role_weighted as (

    select
        windowed_touches.opportunity_id,
        models.model,
        windowed_touches.touchpoint_id,
        windowed_touches.window_touch_count,
        windowed_touches.is_first_touch,
        windowed_touches.is_lead_creation_touch,
        windowed_touches.is_opportunity_creation_touch,
        windowed_touches.is_closed_won_touch,
        models.middle_weight,
        case when windowed_touches.is_first_touch then models.first_touch_weight else 0 end
        + case when windowed_touches.is_lead_creation_touch then models.lead_creation_weight else 0 end
        + case
            when windowed_touches.is_opportunity_creation_touch then models.opportunity_creation_weight else 0
        end
        + case when windowed_touches.is_closed_won_touch then models.closed_won_weight else 0 end
            as role_weight,
        (windowed_touches.is_first_touch and models.first_touch_weight > 0)
        or (windowed_touches.is_lead_creation_touch and models.lead_creation_weight > 0)
        or (windowed_touches.is_opportunity_creation_touch and models.opportunity_creation_weight > 0)
        or (windowed_touches.is_closed_won_touch and models.closed_won_weight > 0)
            as holds_role

    from windowed_touches
    inner join models
        on windowed_touches.attribution_window = models.attribution_window

),

middle_counted as (

    select
        role_weighted.*,
        sum(case when role_weighted.holds_role then 0 else 1 end) over (
            partition by role_weighted.opportunity_id, role_weighted.model
        ) as middle_touch_count

    from role_weighted

),

raw_weighted as (

    select
        middle_counted.*,
        middle_counted.role_weight
        + case
            when middle_counted.holds_role then 0 else middle_counted.middle_weight / middle_counted.middle_touch_count
        end
            as raw_weight

    from middle_counted

),

normalised as (

    select
        raw_weighted.*,
        sum(raw_weighted.raw_weight)
            over (partition by raw_weighted.opportunity_id, raw_weighted.model)
            as window_raw_weight

    from raw_weighted

),

credited as (

    select
        opportunity_id,
        model,
        touchpoint_id,
        is_first_touch,
        is_lead_creation_touch,
        is_opportunity_creation_touch,
        is_closed_won_touch,
        round(
            case
                when window_raw_weight > 0 then raw_weight / window_raw_weight
                else 1.0 / window_touch_count
            end,
            {{ var('attribution_credit_decimals') }}
        ) as credit

    from normalised

)

select * from credited
where credit > 0
