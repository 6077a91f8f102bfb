-- One row per opportunity of the CRM: USD amount (NULL, with the reason, when its currency has
-- no fx rate), status, dates, the account's segment, region and industry as of creation, and
-- whether marketing sourced or influenced it, and whether an open deal is overdue.
--   sourced:    the first touch of the pre-opportunity window (P) exists and is a marketing channel;
--   influenced: at least one marketing touch in P (pipeline), or in the full journey J (revenue);
-- both only for the opportunity types of the var marketing_contribution_opportunity_types
-- (default New Business): other types are never marketing-sourced or -influenced.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

windowed_touches as (

    select * from {{ ref('int_opportunity_touches_windowed') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

contribution_types as (

    {{ values_relation(var('marketing_contribution_opportunity_types'), 'opportunity_type') }}

),

marketing_flags as (

    select
        windowed_touches.opportunity_id,
        max(
            case
                when
                    windowed_touches.attribution_window = 'P'
                    and windowed_touches.is_first_touch
                    and touchpoints.is_marketing
                    then 1
                else 0
            end
        ) as has_marketing_first_touch,
        max(
            case when windowed_touches.attribution_window = 'P' and touchpoints.is_marketing then 1 else 0 end
        ) as has_marketing_touch,
        max(
            case when windowed_touches.attribution_window = 'J' and touchpoints.is_marketing then 1 else 0 end
        ) as has_marketing_journey_touch,
        sum(case when windowed_touches.attribution_window = 'P' then 1 else 0 end) as pre_opportunity_touch_count

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
        cast(opportunities.amount_usd as {{ money_type() }}) as amount_usd,
        opportunities.usd_unconverted_reason,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.created_at,
        opportunities.close_date,
        opportunities.primary_campaign_id,
        opportunities.segment,
        opportunities.region,
        opportunities.industry,
        cast(coalesce(marketing_flags.pre_opportunity_touch_count, 0) as bigint) as pre_opportunity_touch_count,
        contribution_types.opportunity_type is not null as is_contribution_type,
        contribution_types.opportunity_type is not null
        and coalesce(marketing_flags.has_marketing_first_touch, 0) = 1 as is_marketing_sourced,
        contribution_types.opportunity_type is not null
        and coalesce(marketing_flags.has_marketing_touch, 0) = 1 as is_marketing_influenced,
        contribution_types.opportunity_type is not null
        and coalesce(marketing_flags.has_marketing_journey_touch, 0) = 1 as is_marketing_influenced_by_close,
        not opportunities.is_closed
        and cast(opportunities.close_date as {{ dbt.type_timestamp() }}) < {{ as_of_timestamp() }} as is_overdue

    from opportunities
    left join marketing_flags
        on opportunities.opportunity_id = marketing_flags.opportunity_id
    left join contribution_types
        on opportunities.opportunity_type = contribution_types.opportunity_type

)

select * from final
