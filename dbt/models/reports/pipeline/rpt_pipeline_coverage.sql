-- Pipeline coverage, so sales leaders see early whether open pipeline can still carry the
-- quarter: at each month end, by segment and region, open pipeline against the bookings target
-- still to be won in the quarter in progress after that month end, and how much of that open
-- pipeline is overdue (past its expected close date at the month end).
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

targets as (

    select * from {{ ref('fct_revenue_targets') }}

),

dimensioned as (

    select
        coalesce(segment, '(none)') as segment,
        coalesce(region, '(none)') as region,
        amount_usd,
        is_won,
        close_date,
        created_at,
        case when is_closed then cast(close_date as {{ dbt.type_timestamp() }}) end as closed_at,
        cast(close_date as {{ dbt.type_timestamp() }}) as close_date_at

    from opportunities

),

-- The quarter in progress after a month end is the quarter of the snapshot instant (the next
-- day at midnight, or the as-of time for the month still running).
snapshots as (

    select
        month_start,
        snapshot_at,
        is_complete,
        cast({{ dbt.date_trunc('quarter', 'snapshot_at') }} as date) as quarter_start,
        {{ add_months_to_date(dbt.date_trunc('quarter', 'snapshot_at'), 3) }} as next_quarter_start

    from months

),

bookings_targets as (

    select
        period_start,
        coalesce(segment, '(none)') as segment,
        coalesce(region, '(none)') as region,
        target

    from targets
    where metric = 'bookings_usd'

),

combinations as (

    select
        segment,
        region
    from bookings_targets
    union
    select
        segment,
        region
    from dimensioned

),

quarter_targets as (

    select
        snapshots.month_start,
        bookings_targets.segment,
        bookings_targets.region,
        cast(sum(bookings_targets.target) as double) as quarter_bookings_target_usd

    from snapshots
    inner join bookings_targets
        on
            snapshots.quarter_start <= bookings_targets.period_start
            and snapshots.next_quarter_start > bookings_targets.period_start
    group by snapshots.month_start, bookings_targets.segment, bookings_targets.region

),

won_in_quarter as (

    select
        snapshots.month_start,
        dimensioned.segment,
        dimensioned.region,
        cast(sum(dimensioned.amount_usd) as double) as quarter_won_to_date_usd

    from snapshots
    inner join dimensioned
        on
            snapshots.quarter_start <= dimensioned.close_date
            and snapshots.snapshot_at > dimensioned.closed_at
            and dimensioned.is_won
    group by snapshots.month_start, dimensioned.segment, dimensioned.region

),

open_at_month_end as (

    select
        snapshots.month_start,
        dimensioned.segment,
        dimensioned.region,
        cast(count(*) as bigint) as open_count,
        cast(sum(dimensioned.amount_usd) as double) as open_pipeline_usd,
        cast(
            sum(case when dimensioned.close_date_at < snapshots.snapshot_at then dimensioned.amount_usd else 0 end)
            as double
        ) as overdue_pipeline_usd

    from snapshots
    inner join dimensioned
        on
            snapshots.snapshot_at > dimensioned.created_at
            and (dimensioned.closed_at is null or snapshots.snapshot_at <= dimensioned.closed_at)
    group by snapshots.month_start, dimensioned.segment, dimensioned.region

),

joined as (

    select
        snapshots.month_start,
        snapshots.snapshot_at,
        snapshots.is_complete,
        snapshots.quarter_start,
        combinations.segment,
        combinations.region,
        coalesce(open_at_month_end.open_count, 0) as open_count,
        coalesce(open_at_month_end.open_pipeline_usd, 0.0) as open_pipeline_usd,
        coalesce(open_at_month_end.overdue_pipeline_usd, 0.0) as overdue_pipeline_usd,
        coalesce(quarter_targets.quarter_bookings_target_usd, 0.0) as quarter_bookings_target_usd,
        coalesce(won_in_quarter.quarter_won_to_date_usd, 0.0) as quarter_won_to_date_usd

    from snapshots
    cross join combinations
    left join open_at_month_end
        on
            snapshots.month_start = open_at_month_end.month_start
            and combinations.segment = open_at_month_end.segment
            and combinations.region = open_at_month_end.region
    left join quarter_targets
        on
            snapshots.month_start = quarter_targets.month_start
            and combinations.segment = quarter_targets.segment
            and combinations.region = quarter_targets.region
    left join won_in_quarter
        on
            snapshots.month_start = won_in_quarter.month_start
            and combinations.segment = won_in_quarter.segment
            and combinations.region = won_in_quarter.region

),

final as (

    select
        {{ dbt.concat([dbt.cast('month_start', dbt.type_string()), "'|'", 'segment', "'|'", 'region']) }}
            as report_row_id,
        month_start,
        snapshot_at,
        is_complete,
        quarter_start,
        segment,
        region,
        cast(open_count as bigint) as open_count,
        cast(open_pipeline_usd as double) as open_pipeline_usd,
        cast(overdue_pipeline_usd as double) as overdue_pipeline_usd,
        cast(quarter_bookings_target_usd as double) as quarter_bookings_target_usd,
        cast(quarter_won_to_date_usd as double) as quarter_won_to_date_usd,
        cast(quarter_bookings_target_usd - quarter_won_to_date_usd as double) as remaining_target_usd,
        cast(
            case
                when quarter_bookings_target_usd - quarter_won_to_date_usd > 0
                    then open_pipeline_usd / nullif(quarter_bookings_target_usd - quarter_won_to_date_usd, 0)
            end as double
        ) as coverage_ratio

    from joined
    where open_count > 0 or quarter_bookings_target_usd != 0 or quarter_won_to_date_usd != 0

)

select * from final
