-- Plan vs actual, so leadership sees first where the funnel and revenue fall short of plan:
-- every target next to its actual at the target's own grain (an empty segment or region means
-- all), by month with quarter and year rollups, for periods started by the as-of time.
with

targets as (

    select * from {{ ref('fct_revenue_targets') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

contacts as (

    select * from {{ ref('dim_contacts') }}

),

-- Actuals at the finest grain (metric, month, segment, region); funnel counts have no segment.
actuals as (

    select
        'leads' as metric,
        cast({{ dbt.date_trunc('month', 'lead_created_at') }} as date) as period_start,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(count(*) as double) as actual
    from contacts
    where lead_created_at < {{ as_of_timestamp() }}
    group by cast({{ dbt.date_trunc('month', 'lead_created_at') }} as date)

    union all

    select
        'mqls' as metric,
        cast({{ dbt.date_trunc('month', 'mql_at') }} as date) as period_start,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(count(*) as double) as actual
    from contacts
    where mql_at < {{ as_of_timestamp() }}
    group by cast({{ dbt.date_trunc('month', 'mql_at') }} as date)

    union all

    select
        'sqls' as metric,
        cast({{ dbt.date_trunc('month', 'sql_at') }} as date) as period_start,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(count(*) as double) as actual
    from contacts
    where sql_at < {{ as_of_timestamp() }}
    group by cast({{ dbt.date_trunc('month', 'sql_at') }} as date)

    union all

    select
        'opportunities' as metric,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as period_start,
        segment,
        region,
        cast(count(*) as double) as actual
    from opportunities
    where created_at < {{ as_of_timestamp() }}
    group by cast({{ dbt.date_trunc('month', 'created_at') }} as date), segment, region

    union all

    select
        'pipeline_usd' as metric,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as period_start,
        segment,
        region,
        cast(sum(amount_usd) as double) as actual
    from opportunities
    where created_at < {{ as_of_timestamp() }}
    group by cast({{ dbt.date_trunc('month', 'created_at') }} as date), segment, region

    union all

    select
        'bookings_usd' as metric,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as period_start,
        segment,
        region,
        cast(sum(amount_usd) as double) as actual
    from opportunities
    where is_won and cast(close_date as {{ dbt.type_timestamp() }}) < {{ as_of_timestamp() }}
    group by cast({{ dbt.date_trunc('month', 'close_date') }} as date), segment, region

),

-- Each monthly target with the actuals its grain covers (NULL segment/region = all).
monthly as (

    select
        targets.target_id,
        targets.metric,
        targets.period_start,
        targets.segment,
        targets.region,
        max(targets.target) as target,
        cast(coalesce(sum(actuals.actual), 0) as double) as actual

    from targets
    left join actuals
        on
            targets.metric = actuals.metric
            and targets.period_start = actuals.period_start
            and (targets.segment is null or targets.segment = actuals.segment)
            and (targets.region is null or targets.region = actuals.region)
    group by targets.target_id, targets.metric, targets.period_start, targets.segment, targets.region

),

-- A rollup sums the targets and actuals of all its months (a month not reached yet has actual 0).
periods as (

    select
        'month' as period_type,
        period_start,
        {{ add_months_to_date('period_start', 1) }} as period_end_exclusive,
        metric,
        segment,
        region,
        target,
        actual
    from monthly

    union all

    select
        'quarter' as period_type,
        cast({{ dbt.date_trunc('quarter', 'period_start') }} as date) as period_start,
        {{ add_months_to_date(dbt.date_trunc('quarter', 'period_start'), 3) }} as period_end_exclusive,
        metric,
        segment,
        region,
        target,
        actual
    from monthly

    union all

    select
        'year' as period_type,
        cast({{ dbt.date_trunc('year', 'period_start') }} as date) as period_start,
        {{ add_months_to_date(dbt.date_trunc('year', 'period_start'), 12) }} as period_end_exclusive,
        metric,
        segment,
        region,
        target,
        actual
    from monthly

),

rolled_up as (

    select
        period_type,
        period_start,
        period_end_exclusive,
        metric,
        segment,
        region,
        cast(sum(target) as double) as target,
        cast(sum(actual) as double) as actual

    from periods
    group by period_type, period_start, period_end_exclusive, metric, segment, region

),

started as (

    select
        {{ dbt.concat([
            'period_type', "'|'", dbt.cast('period_start', dbt.type_string()), "'|'", 'metric', "'|'",
            "coalesce(segment, '(all)')", "'|'", "coalesce(region, '(all)')",
        ]) }} as report_row_id,
        period_type,
        period_start,
        {{ add_days_to_date('period_end_exclusive', -1) }} as period_end,
        cast(period_end_exclusive as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }} as is_complete,
        metric,
        coalesce(segment, '(all)') as segment,
        coalesce(region, '(all)') as region,
        target,
        actual,
        actual / nullif(target, 0) as attainment,
        actual - target as gap

    from rolled_up
    where cast(period_start as {{ dbt.type_timestamp() }}) < {{ as_of_timestamp() }}

),

ranked as (

    select
        started.*,
        started.is_complete and started.actual < started.target as is_shortfall,
        case
            when started.is_complete and started.actual < started.target
                then row_number() over (
                    partition by
                        started.period_type,
                        case when started.is_complete and started.actual < started.target then 1 else 0 end
                    order by started.attainment, started.gap, started.report_row_id
                )
        end as shortfall_rank

    from started

),

final as (

    select
        report_row_id,
        period_type,
        period_start,
        period_end,
        is_complete,
        metric,
        segment,
        region,
        target,
        actual,
        attainment,
        gap,
        is_shortfall,
        cast(shortfall_rank as bigint) as shortfall_rank

    from ranked

)

select * from final
order by
    case when is_shortfall then 0 else 1 end asc,
    case period_type when 'year' then 1 when 'quarter' then 2 else 3 end asc,
    shortfall_rank asc,
    period_start desc,
    report_row_id asc
