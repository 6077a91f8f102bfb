-- One row per (opportunity, model, credited touch), plus one "(unattributed)" row per
-- opportunity and model with no touch in the model's window, so that every model's
-- attributed pipeline and revenue reconcile to the CRM.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

credits as (

    select * from {{ ref('int_attribution_credits_positioned') }}
    union all
    select * from {{ ref('int_attribution_credits_decayed') }}
    union all
    select * from {{ ref('int_attribution_credits_last_non_direct') }}

),

models as (

    select model from {{ ref('dim_attribution_models') }}

),

{{ with_unattributed('credits', 'opportunities', 'models', 'opportunity_id', [
    'is_first_touch', 'is_lead_creation_touch', 'is_opportunity_creation_touch', 'is_closed_won_touch',
]) }},

final as (

    select
        {{ dbt.concat([
            'all_credits.opportunity_id', "'|'", 'all_credits.model', "'|'",
            "coalesce(all_credits.touchpoint_id, '(unattributed)')"
        ]) }} as attribution_id,
        all_credits.opportunity_id,
        all_credits.model,
        all_credits.touchpoint_id,
        touchpoints.contact_id,
        touchpoints.account_id,
        touchpoints.touched_at,
        touchpoints.touch_type,
        coalesce(touchpoints.channel, '(unattributed)') as channel,
        touchpoints.campaign_id,
        coalesce(touchpoints.is_marketing, false) as is_marketing,
        all_credits.is_first_touch,
        all_credits.is_lead_creation_touch,
        all_credits.is_opportunity_creation_touch,
        all_credits.is_closed_won_touch,
        all_credits.credit,
        opportunities.created_at as opportunity_created_at,
        opportunities.close_date,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount_usd,
        all_credits.credit * opportunities.amount_usd as attributed_pipeline_usd,
        case
            when opportunities.is_won then all_credits.credit * opportunities.amount_usd else 0
        end as attributed_revenue_usd

    from all_credits
    inner join opportunities
        on all_credits.opportunity_id = opportunities.opportunity_id
    left join touchpoints
        on all_credits.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
