-- One row per step an entity took between two consecutive funnel stages, with its duration in days:
-- the raw material of the velocity report (medians and percentiles cannot be summed, so the report
-- needs every single transition).
with

leads as (

    select * from {{ ref('int_leads_progressed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

-- Contacts: lead -> mql -> sql -> opportunity, each only when both ends exist and are in order (an
-- opportunity created before the contact became an SQL is not an sql -> opportunity step).
lead_steps as (

    select
        contact_id as entity_id,
        'lead' as from_stage,
        'mql' as to_stage,
        1 as transition_order,
        lead_created_at as started_at,
        mql_at as ended_at,
        segment

    from leads
    where mql_at >= lead_created_at

    union all

    select
        contact_id as entity_id,
        'mql' as from_stage,
        'sql' as to_stage,
        2 as transition_order,
        mql_at as started_at,
        sql_at as ended_at,
        segment

    from leads
    where sql_at >= mql_at

    union all

    select
        contact_id as entity_id,
        'sql' as from_stage,
        'opportunity' as to_stage,
        3 as transition_order,
        sql_at as started_at,
        opportunity_created_at as ended_at,
        segment

    from leads
    where opportunity_created_at >= sql_at

),

stage_entries as (

    select
        stage_history.opportunity_id,
        stage_history.stage_name,
        stage_history.entered_at,
        coalesce(opportunities.segment, '(none)') as segment,
        lead(stage_history.stage_name) over (
            partition by stage_history.opportunity_id
            order by stage_history.entered_at asc, stage_history.stage_name asc
        ) as next_stage_name,
        lead(stage_history.entered_at) over (
            partition by stage_history.opportunity_id
            order by stage_history.entered_at asc, stage_history.stage_name asc
        ) as next_entered_at

    from stage_history
    inner join opportunities
        on stage_history.opportunity_id = opportunities.opportunity_id
    where stage_history.entered_at <= {{ as_of_timestamp() }}

),

timed_steps as (

    select
        'lead' as entity_type,
        entity_id,
        from_stage,
        to_stage,
        transition_order,
        started_at,
        ended_at,
        {{ seconds_between('started_at', 'ended_at') }} / 86400.0 as duration_days,
        segment

    from lead_steps

    union all

    -- Opportunities: days spent between one stage entry and the next (the CRM's stage history).
    select
        'opportunity' as entity_type,
        opportunity_id as entity_id,
        stage_name as from_stage,
        next_stage_name as to_stage,
        10 as transition_order,
        entered_at as started_at,
        next_entered_at as ended_at,
        {{ seconds_between('entered_at', 'next_entered_at') }} / 86400.0 as duration_days,
        segment

    from stage_entries
    where next_entered_at is not null

),

closed_opportunities as (

    select
        opportunity_id,
        created_at,
        cast(created_at as date) as created_date,
        close_date,
        coalesce(segment, '(none)') as segment

    from opportunities
    where
        is_closed
        and cast(close_date as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }}

),

-- Opportunities: created -> closed in calendar days (close_date is a date), for deals closed by the
-- as-of time, won or lost.
cycle_steps as (

    select
        'opportunity' as entity_type,
        opportunity_id as entity_id,
        'created' as from_stage,
        'closed' as to_stage,
        20 as transition_order,
        created_at as started_at,
        cast(close_date as {{ dbt.type_timestamp() }}) as ended_at,
        cast(
            {{ dbt.datediff('created_date', 'close_date', 'day') }}
            as double
        ) as duration_days,
        segment

    from closed_opportunities

),

steps as (

    select * from timed_steps
    union all
    select * from cycle_steps

),

final as (

    select
        {{ dbt.concat([
            'entity_type', "'|'", 'entity_id', "'|'", 'from_stage', "'|'", 'to_stage', "'|'",
            dbt.cast('started_at', dbt.type_string()),
        ]) }} as transition_id,
        entity_type,
        entity_id,
        {{ dbt.concat(['from_stage', "' -> '", 'to_stage']) }} as transition,
        from_stage,
        to_stage,
        cast(transition_order as bigint) as transition_order,
        started_at,
        ended_at,
        cast(duration_days as double) as duration_days,
        cast({{ dbt.date_trunc('quarter', 'ended_at') }} as date) as quarter_start,
        segment

    from steps

)

select * from final
