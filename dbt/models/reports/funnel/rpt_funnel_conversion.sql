-- Lead -> MQL -> SQL -> Opportunity -> Closed Won: how many reach each stage and how many of them go
-- on to the next, read two ways. 'cohort': the leads created in a month and how far they got by the
-- as-of time. 'period': what the funnel did in a month (stages reached that month), each stage's
-- conversion measured on the entities that reached it in the month.
with

events as (

    select * from {{ ref('fct_funnel_events') }}

),

-- One row per entity with the stages it reached by the as-of time (the mart holds no later ones).
entities as (

    select
        entity_type,
        entity_id,
        max(cohort_month) as cohort_month,
        max(segment) as segment,
        max(region) as region,
        max(first_touch_channel) as first_touch_channel,
        max(case when stage = 'mql' then 1 else 0 end) as has_mql,
        max(case when stage = 'sql' then 1 else 0 end) as has_sql,
        max(case when stage = 'opportunity' then 1 else 0 end) as has_opportunity,
        max(case when stage = 'won' then 1 else 0 end) as has_won

    from events
    group by entity_type, entity_id

),

-- Cohort view: every lead once, in the month it was created; each count is "leads of the cohort
-- that reached the stage", each conversion numerator "reached both stages".
cohort_rows as (

    select
        'cohort' as report_view,
        cohort_month as month_start,
        segment,
        region,
        first_touch_channel,
        1 as is_lead,
        has_mql as is_mql,
        has_sql as is_sql,
        has_opportunity as is_opportunity,
        has_won as is_won,
        has_mql as lead_to_mql,
        has_mql * has_sql as mql_to_sql,
        has_sql * has_opportunity as sql_to_opportunity,
        has_opportunity * has_won as opportunity_to_won,
        has_won as lead_to_won

    from entities
    where entity_type = 'lead'

),

-- Period view: every stage reached, in the month it was reached. Leads, MQLs and SQLs come from lead
-- entities, opportunities and wins from opportunity entities (all CRM opportunities); a row's
-- conversion flag says whether that entity reached the next stage by the as-of time.
period_rows as (

    select
        'period' as report_view,
        events.reached_month as month_start,
        events.segment,
        events.region,
        events.first_touch_channel,
        case when events.stage = 'lead' then 1 else 0 end as is_lead,
        case when events.stage = 'mql' then 1 else 0 end as is_mql,
        case when events.stage = 'sql' then 1 else 0 end as is_sql,
        case when events.stage = 'opportunity' then 1 else 0 end as is_opportunity,
        case when events.stage = 'won' then 1 else 0 end as is_won,
        case when events.stage = 'lead' then entities.has_mql else 0 end as lead_to_mql,
        case when events.stage = 'mql' then entities.has_sql else 0 end as mql_to_sql,
        case when events.stage = 'sql' then entities.has_opportunity else 0 end as sql_to_opportunity,
        case when events.stage = 'opportunity' then entities.has_won else 0 end as opportunity_to_won,
        case when events.stage = 'lead' then entities.has_won else 0 end as lead_to_won

    from events
    inner join entities
        on
            events.entity_type = entities.entity_type
            and events.entity_id = entities.entity_id
    where
        (events.entity_type = 'lead' and events.stage in ('lead', 'mql', 'sql'))
        or (events.entity_type = 'opportunity' and events.stage in ('opportunity', 'won'))

),

counted_rows as (

    select * from cohort_rows
    union all
    select * from period_rows

),

counts as (

    select
        report_view,
        month_start,
        segment,
        region,
        first_touch_channel,
        cast(sum(is_lead) as bigint) as lead_count,
        cast(sum(is_mql) as bigint) as mql_count,
        cast(sum(is_sql) as bigint) as sql_count,
        cast(sum(is_opportunity) as bigint) as opportunity_count,
        cast(sum(is_won) as bigint) as won_count,
        cast(sum(lead_to_mql) as bigint) as lead_to_mql_count,
        cast(sum(mql_to_sql) as bigint) as mql_to_sql_count,
        cast(sum(sql_to_opportunity) as bigint) as sql_to_opportunity_count,
        cast(sum(opportunity_to_won) as bigint) as opportunity_to_won_count,
        cast(sum(lead_to_won) as bigint) as lead_to_won_count

    from counted_rows
    group by report_view, month_start, segment, region, first_touch_channel

),

final as (

    select
        {{ dbt.concat([
            'report_view', "'|'", dbt.cast('month_start', dbt.type_string()), "'|'", 'segment', "'|'", 'region',
            "'|'", 'first_touch_channel',
        ]) }} as report_row_id,
        report_view as view,
        month_start,
        segment,
        region,
        first_touch_channel,
        lead_count,
        mql_count,
        sql_count,
        opportunity_count,
        won_count,
        lead_to_mql_count,
        mql_to_sql_count,
        sql_to_opportunity_count,
        opportunity_to_won_count,
        lead_to_won_count,
        cast(lead_to_mql_count as double) / nullif(lead_count, 0) as lead_to_mql_rate,
        cast(mql_to_sql_count as double) / nullif(mql_count, 0) as mql_to_sql_rate,
        cast(sql_to_opportunity_count as double) / nullif(sql_count, 0) as sql_to_opportunity_rate,
        cast(opportunity_to_won_count as double) / nullif(opportunity_count, 0) as opportunity_to_won_rate,
        cast(lead_to_won_count as double) / nullif(lead_count, 0) as lead_to_won_rate

    from counts

)

select * from final
