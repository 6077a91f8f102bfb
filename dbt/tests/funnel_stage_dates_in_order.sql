-- Funnel stages are reached in order: a lead's mql >= lead, sql >= mql, opportunity >= lead and
-- won >= opportunity; an opportunity's won (close date) >= its creation. Comparing won on dates
-- (close_date is a date). Not checked: sql vs opportunity, since a lead may convert before it
-- becomes an SQL. Returns the offending entities.
with

events as (

    select * from {{ ref('fct_funnel_events') }}

),

entities as (

    select
        entity_type,
        entity_id,
        max(case when stage = 'lead' then reached_at end) as lead_at,
        max(case when stage = 'mql' then reached_at end) as mql_at,
        max(case when stage = 'sql' then reached_at end) as sql_at,
        max(case when stage = 'opportunity' then reached_at end) as opportunity_at,
        max(case when stage = 'won' then reached_at end) as won_at

    from events
    group by entity_type, entity_id

)

select * from entities
where
    mql_at < lead_at
    or sql_at < mql_at
    or (sql_at is not null and mql_at is null)
    or opportunity_at < lead_at
    or cast(won_at as date) < cast(opportunity_at as date)
    or (won_at is not null and opportunity_at is null)
    or (entity_type = 'lead' and lead_at is null)
