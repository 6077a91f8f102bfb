-- last_non_direct: all credit to the last touch before opportunity creation that is not
-- Direct; when the pre-opportunity window holds nothing but Direct touches, to the last one.
-- depends_on: {{ ref('int_attribution_models_validated') }}  (no credit before the seed guard)
with

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_recomputed') }}
    where attribution_window = 'P'

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

ranked as (

    select
        windowed_touches.opportunity_id,
        windowed_touches.touchpoint_id,
        windowed_touches.touched_at,
        windowed_touches.is_first_touch,
        windowed_touches.is_lead_creation_touch,
        windowed_touches.is_opportunity_creation_touch,
        windowed_touches.is_closed_won_touch,
        row_number() over (
            partition by windowed_touches.opportunity_id
            order by
                case when touchpoints.channel = 'Direct' then 1 else 0 end asc,
                windowed_touches.touched_at desc,
                windowed_touches.touchpoint_id desc
        ) as preference_rank

    from windowed_touches
    inner join touchpoints
        on windowed_touches.touchpoint_id = touchpoints.touchpoint_id

),

credited as (

    select
        opportunity_id,
        'last_non_direct' as model,
        touchpoint_id,
        touched_at,
        is_first_touch,
        is_lead_creation_touch,
        is_opportunity_creation_touch,
        is_closed_won_touch,
        cast(1 as {{ credit_type() }}) as credit,
        true as is_residue_anchor,
        -- The whole credit takes the whole amount: fct_attribution_credits fills it in.
        cast(null as {{ cents_type() }}) as pipeline_cents

    from ranked
    where preference_rank = 1

)

select * from credited
