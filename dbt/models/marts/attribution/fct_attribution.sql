-- One row per (opportunity, model, credited touch), plus one "(unattributed)" row per
-- opportunity and model with no touch in the model's window, so that every model's
-- attributed pipeline and revenue reconcile to the CRM, to the cent: credits sum to exactly
-- 1 and money to exactly amount_usd per opportunity and model (DECIMAL, residue on one row).
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

-- Money per row: round(credit x amount_usd) to the cent, and the anchor row (the one that took
-- the credit residue) takes what is left of amount_usd, so every deal's money under every
-- model sums to its amount_usd exactly. NULL for a deal with no USD amount.
priced as (

    select
        all_credits.*,
        opportunities.created_at as opportunity_created_at,
        opportunities.close_date,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.amount_usd,
        cast(
            round({{ credit_times_money('all_credits.credit', 'opportunities.amount_usd') }}, 2) as {{ money_type() }}
        ) as rounded_pipeline_usd

    from all_credits
    inner join opportunities
        on all_credits.opportunity_id = opportunities.opportunity_id

),

apportioned as (

    select
        priced.*,
        case
            when priced.is_residue_anchor
                then
                    priced.amount_usd
                    - (
                        sum(priced.rounded_pipeline_usd) over (partition by priced.opportunity_id, priced.model)
                        - priced.rounded_pipeline_usd
                    )
            else priced.rounded_pipeline_usd
        end as pipeline_usd

    from priced

),

final as (

    select
        {{ dbt.concat([
            'apportioned.opportunity_id', "'|'", 'apportioned.model', "'|'",
            "coalesce(apportioned.touchpoint_id, '(unattributed)')"
        ]) }} as attribution_id,
        apportioned.opportunity_id,
        apportioned.model,
        apportioned.touchpoint_id,
        touchpoints.contact_id,
        touchpoints.account_id,
        touchpoints.touched_at,
        touchpoints.touch_type,
        coalesce(touchpoints.channel, '(unattributed)') as channel,
        touchpoints.campaign_id,
        coalesce(touchpoints.is_marketing, false) as is_marketing,
        apportioned.is_first_touch,
        apportioned.is_lead_creation_touch,
        apportioned.is_opportunity_creation_touch,
        apportioned.is_closed_won_touch,
        cast(apportioned.credit as {{ credit_type() }}) as credit,
        apportioned.opportunity_created_at,
        apportioned.close_date,
        apportioned.is_closed,
        apportioned.is_won,
        cast(apportioned.amount_usd as {{ money_type() }}) as amount_usd,
        cast(apportioned.pipeline_usd as {{ money_type() }}) as attributed_pipeline_usd,
        cast(
            case
                when apportioned.amount_usd is null then null
                when apportioned.is_won then apportioned.pipeline_usd
                else 0
            end as {{ money_type() }}
        ) as attributed_revenue_usd

    from apportioned
    left join touchpoints
        on apportioned.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
