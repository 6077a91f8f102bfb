-- Plan vs actual's money actuals are the CRM's: for every month with a monthly row, the
-- bookings_usd and pipeline_usd actuals summed over the month's targets equal dim_opportunities'
-- won amount by close month and created amount by creation month (events before the as-of
-- time), to the cent. The targets of these metrics split every segment and region once, so a
-- difference means actuals lost (a segment or region without a target) or counted twice.
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

plan_vs_actual as (

    select * from {{ ref('rpt_plan_vs_actual') }}

),

reported as (

    select
        metric,
        period_start,
        sum(actual) as actual

    from plan_vs_actual
    where period_type = 'month' and metric in ('bookings_usd', 'pipeline_usd')
    group by metric, period_start

),

crm_events as (

    select
        'pipeline_usd' as metric,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as period_start,
        amount_usd
    from opportunities
    where created_at < {{ as_of_timestamp() }}
    union all
    select
        'bookings_usd' as metric,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as period_start,
        amount_usd
    from opportunities
    where is_won and cast(close_date as {{ dbt.type_timestamp() }}) < {{ as_of_timestamp() }}

),

crm as (

    select
        metric,
        period_start,
        sum(amount_usd) as actual

    from crm_events
    group by metric, period_start

)

select
    reported.metric,
    reported.period_start,
    reported.actual as reported_actual,
    crm.actual as crm_actual

from reported
left join crm
    on
        reported.metric = crm.metric
        and reported.period_start = crm.period_start
where abs(reported.actual - coalesce(crm.actual, 0)) >= 0.005
