-- The stored attribution rows: one per (opportunity, model, credited touch), plus one
-- "(unattributed)" row per opportunity and model with no touch in the model's window, so that
-- every model's attributed pipeline and revenue reconcile to the CRM, to the cent: credits sum
-- to exactly 1 and money to exactly amount_usd per opportunity and model (DECIMAL cents, the
-- rounding's leftover cents spread by largest remainder).
--
-- It keeps what the reports group and sum by (model, channel, campaign, the deal's dates and
-- money) and leaves the touch's own details (when, which contact and account) to
-- fct_attribution, the view BI tools read, which looks them up in fct_touchpoints. At 10M
-- touchpoints this is 75M rows: the attribution key string alone took 1 GB and 17 s to
-- write, the touch details another 0.8 GB.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

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

-- Every credit, plus the "(unattributed)" row of an opportunity a model credited no touch of.
all_credits as (

    select * from {{ with_unattributed('credits', 'opportunities', 'models', 'opportunity_id', [
        'is_first_touch', 'is_lead_creation_touch', 'is_opportunity_creation_touch', 'is_closed_won_touch',
    ]) }} as completed

),

-- Money per row, in cents, by largest remainder: every row gets credit x amount_usd rounded
-- down to the cent, and the cents the rounding left over go one each to the rows with the
-- largest remainders (ties: the earliest touch). So every deal's money under every model sums
-- to its amount_usd exactly, and every row is within a cent of credit x amount_usd. All in
-- DECIMAL (credit x cents is a DECIMAL(33,12): exact on both engines). NULL for a deal with
-- no USD amount.
--
-- The window sorts only what the ranking needs (the credit rows carry their touch's time);
-- the touch's channel and the deal's dates join after it. At 50M touchpoints the sort of
-- 375M rows spilled to disk, and with every column carried through it filled 45 GB.
priced as (

    select
        all_credits.opportunity_id,
        all_credits.model,
        all_credits.touchpoint_id,
        all_credits.touched_at,
        all_credits.is_first_touch,
        all_credits.is_lead_creation_touch,
        all_credits.is_opportunity_creation_touch,
        all_credits.is_closed_won_touch,
        all_credits.credit,
        cast(opportunities.amount_usd * 100 as decimal(19, 0)) as amount_cents

    from all_credits
    inner join opportunities
        on all_credits.opportunity_id = opportunities.opportunity_id

),

floored as (

    select
        priced.*,
        priced.credit * priced.amount_cents as exact_cents,
        floor(priced.credit * priced.amount_cents) as floor_cents

    from priced

),

ranked as (

    select
        floored.*,
        floored.amount_cents
        - sum(floored.floor_cents) over (partition by floored.opportunity_id, floored.model)
            as leftover_cents,
        row_number() over (
            partition by floored.opportunity_id, floored.model
            order by
                floored.exact_cents - floored.floor_cents desc,
                floored.touched_at asc,
                floored.touchpoint_id asc
        ) as remainder_rank

    from floored

),

apportioned as (

    select
        opportunity_id,
        model,
        touchpoint_id,
        is_first_touch,
        is_lead_creation_touch,
        is_opportunity_creation_touch,
        is_closed_won_touch,
        credit,
        (
            floor_cents + case when remainder_rank <= leftover_cents then 1 else 0 end
        ) * cast(0.01 as decimal(3, 2)) as pipeline_usd

    from ranked

),

final as (

    select
        apportioned.opportunity_id,
        apportioned.model,
        apportioned.touchpoint_id,
        touchpoints.touch_type,
        coalesce(touchpoints.channel, '(unattributed)') as channel,
        touchpoints.campaign_id,
        coalesce(touchpoints.is_marketing, false) as is_marketing,
        apportioned.is_first_touch,
        apportioned.is_lead_creation_touch,
        apportioned.is_opportunity_creation_touch,
        apportioned.is_closed_won_touch,
        cast(apportioned.credit as {{ credit_type() }}) as credit,
        opportunities.created_at as opportunity_created_at,
        opportunities.close_date,
        opportunities.is_closed,
        opportunities.is_won,
        cast(opportunities.amount_usd as {{ money_type() }}) as amount_usd,
        cast(apportioned.pipeline_usd as {{ money_type() }}) as attributed_pipeline_usd,
        cast(
            case
                when opportunities.amount_usd is null then null
                when opportunities.is_won then apportioned.pipeline_usd
                else 0
            end as {{ money_type() }}
        ) as attributed_revenue_usd

    from apportioned
    inner join opportunities
        on apportioned.opportunity_id = opportunities.opportunity_id
    left join touchpoints
        on apportioned.touchpoint_id = touchpoints.touchpoint_id

)

select * from final
