-- One row per entity reaching a funnel stage, so that conversion can be read both by cohort (when the
-- lead or opportunity was created) and by period (when each stage was reached). Lead entities are
-- contacts (lead, mql, sql, and opportunity / won through the first opportunity they converted to);
-- opportunity entities are every CRM opportunity (opportunity at creation, won at the close).
with

leads as (

    select * from {{ ref('int_leads_progressed') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

attribution as (

    select * from {{ ref('fct_attribution_credits') }}

),

opportunity_first_touch_channels as (

    select
        opportunity_id,
        max(channel) as channel

    from attribution
    where model = 'first_touch'
    group by opportunity_id

),

lead_stages as (

    select
        'lead' as stage,
        1 as stage_order,
        leads.contact_id,
        leads.lead_created_at as reached_at
    from leads
    union all
    select
        'mql' as stage,
        2 as stage_order,
        leads.contact_id,
        leads.mql_at as reached_at
    from leads
    union all
    select
        'sql' as stage,
        3 as stage_order,
        leads.contact_id,
        leads.sql_at as reached_at
    from leads
    union all
    select
        'opportunity' as stage,
        4 as stage_order,
        leads.contact_id,
        leads.opportunity_created_at as reached_at
    from leads
    union all
    select
        'won' as stage,
        5 as stage_order,
        leads.contact_id,
        leads.won_at as reached_at
    from leads

),

lead_events as (

    select
        'lead' as entity_type,
        leads.contact_id as entity_id,
        leads.contact_id,
        leads.opportunity_id,
        leads.account_id,
        lead_stages.stage,
        lead_stages.stage_order,
        lead_stages.reached_at,
        leads.lead_created_at as cohort_at,
        leads.segment,
        leads.region,
        leads.first_touch_channel

    from lead_stages
    inner join leads
        on lead_stages.contact_id = leads.contact_id
    where lead_stages.reached_at is not null

),

opportunities_as_of as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.created_at,
        case
            when
                opportunities.is_won
                and cast(opportunities.close_date as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }}
                then cast(opportunities.close_date as {{ dbt.type_timestamp() }})
        end as won_at,
        coalesce(opportunities.segment, '(none)') as segment,
        coalesce(opportunities.region, '(none)') as region,
        coalesce(opportunity_first_touch_channels.channel, '(unattributed)') as first_touch_channel

    from opportunities
    left join opportunity_first_touch_channels
        on opportunities.opportunity_id = opportunity_first_touch_channels.opportunity_id
    where opportunities.created_at <= {{ as_of_timestamp() }}

),

opportunity_stages as (

    select
        'opportunity' as stage,
        4 as stage_order,
        opportunity_id,
        created_at as reached_at
    from opportunities_as_of
    union all
    select
        'won' as stage,
        5 as stage_order,
        opportunity_id,
        won_at as reached_at
    from opportunities_as_of

),

opportunity_events as (

    select
        'opportunity' as entity_type,
        opportunities_as_of.opportunity_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        opportunities_as_of.opportunity_id,
        opportunities_as_of.account_id,
        opportunity_stages.stage,
        opportunity_stages.stage_order,
        opportunity_stages.reached_at,
        opportunities_as_of.created_at as cohort_at,
        opportunities_as_of.segment,
        opportunities_as_of.region,
        opportunities_as_of.first_touch_channel

    from opportunity_stages
    inner join opportunities_as_of
        on opportunity_stages.opportunity_id = opportunities_as_of.opportunity_id
    where opportunity_stages.reached_at is not null

),

events as (

    select * from lead_events
    union all
    select * from opportunity_events

),

final as (

    select
        {{ dbt.concat(['entity_type', "'|'", 'entity_id', "'|'", 'stage']) }} as funnel_event_id,
        entity_type,
        entity_id,
        contact_id,
        opportunity_id,
        account_id,
        stage,
        cast(stage_order as bigint) as stage_order,
        reached_at,
        cast({{ dbt.date_trunc('month', 'reached_at') }} as date) as reached_month,
        cast({{ dbt.date_trunc('month', 'cohort_at') }} as date) as cohort_month,
        segment,
        region,
        first_touch_channel

    from events

)

select * from final
