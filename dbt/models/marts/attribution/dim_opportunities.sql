-- One row per opportunity: USD amount, status, dates, the account's segment, region and
-- industry as of creation, and whether marketing sourced or influenced it.
--   sourced:    the first touch of the pre-opportunity window exists and is a marketing channel;
--   influenced: at least one marketing touch in the pre-opportunity window.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}
    where attribution_window = 'P'

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

marketing_flags as (

    select
        windowed_touches.opportunity_id,
        max(
            case when windowed_touches.is_first_touch and touchpoints.is_marketing then 1 else 0 end
        ) as has_marketing_first_touch,
        max(case when touchpoints.is_marketing then 1 else 0 end) as has_marketing_touch,
        count(*) as pre_opportunity_touch_count

    from windowed_touches
    inner join touchpoints
        on windowed_touches.touchpoint_id = touchpoints.touchpoint_id
    group by windowed_touches.opportunity_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.opportunity_name,
        opportunities.opportunity_type,
        opportunities.stage_name,
        opportunities.amount,
        opportunities.currency,
        opportunities.usd_per_unit,
        opportunities.amount_usd,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.created_at,
        opportunities.close_date,
        opportunities.primary_campaign_id,
        opportunities.segment,
        opportunities.region,
        opportunities.industry,
        coalesce(marketing_flags.pre_opportunity_touch_count, 0) as pre_opportunity_touch_count,
        coalesce(marketing_flags.has_marketing_first_touch, 0) = 1 as is_marketing_sourced,
        coalesce(marketing_flags.has_marketing_touch, 0) = 1 as is_marketing_influenced

    from opportunities
    left join marketing_flags
        on opportunities.opportunity_id = marketing_flags.opportunity_id

)

select * from final
