-- Pipeline by month for revenue leadership: what was created, what closed won or lost, and what
-- was still open at each month end, by opportunity type and the account's segment, region and
-- industry as of the opportunity's creation. Open pipeline uses the current amount_usd; the
-- part of it past its expected close date at the month end is overdue (it should have closed).
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

dimensioned as (

    select
        opportunity_id,
        coalesce(opportunity_type, '(none)') as opportunity_type,
        coalesce(segment, '(none)') as segment,
        coalesce(region, '(none)') as region,
        coalesce(industry, '(none)') as industry,
        amount_usd,
        is_closed,
        is_won,
        created_at,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as created_month,
        case when is_closed then cast({{ dbt.date_trunc('month', 'close_date') }} as date) end as closed_month,
        case when is_closed then cast(close_date as {{ dbt.type_timestamp() }}) end as closed_at,
        -- The expected close date of a deal still open (a closed deal's is its close).
        cast(close_date as {{ dbt.type_timestamp() }}) as close_date_at

    from opportunities

),

combinations as (

    select distinct
        opportunity_type,
        segment,
        region,
        industry

    from dimensioned

),

created as (

    select
        created_month as month_start,
        opportunity_type,
        segment,
        region,
        industry,
        cast(count(*) as bigint) as created_count,
        cast(sum(amount_usd) as double) as created_pipeline_usd

    from dimensioned
    group by created_month, opportunity_type, segment, region, industry

),

closed as (

    select
        closed_month as month_start,
        opportunity_type,
        segment,
        region,
        industry,
        cast(sum(case when is_won then 1 else 0 end) as bigint) as won_count,
        cast(sum(case when is_won then amount_usd else 0 end) as double) as won_usd,
        cast(sum(case when is_won then 0 else 1 end) as bigint) as lost_count,
        cast(sum(case when is_won then 0 else amount_usd end) as double) as lost_usd

    from dimensioned
    where is_closed
    group by closed_month, opportunity_type, segment, region, industry

),

-- Open at the month end: created before the snapshot instant and not closed before it.
open_at_month_end as (

    select
        months.month_start,
        dimensioned.opportunity_type,
        dimensioned.segment,
        dimensioned.region,
        dimensioned.industry,
        cast(count(*) as bigint) as open_count,
        cast(sum(dimensioned.amount_usd) as double) as open_pipeline_usd,
        cast(sum(case when dimensioned.close_date_at < months.snapshot_at then 1 else 0 end) as bigint)
            as overdue_count,
        cast(
            sum(case when dimensioned.close_date_at < months.snapshot_at then dimensioned.amount_usd else 0 end)
            as double
        ) as overdue_pipeline_usd

    from months
    inner join dimensioned
        on
            months.snapshot_at > dimensioned.created_at
            and (dimensioned.closed_at is null or months.snapshot_at <= dimensioned.closed_at)
    group by
        months.month_start,
        dimensioned.opportunity_type,
        dimensioned.segment,
        dimensioned.region,
        dimensioned.industry

),

grid as (

    select
        months.month_start,
        months.snapshot_at,
        months.is_complete,
        combinations.opportunity_type,
        combinations.segment,
        combinations.region,
        combinations.industry

    from months
    cross join combinations

),

joined as (

    select
        grid.month_start,
        grid.snapshot_at,
        grid.is_complete,
        grid.opportunity_type,
        grid.segment,
        grid.region,
        grid.industry,
        coalesce(created.created_count, 0) as created_count,
        coalesce(created.created_pipeline_usd, 0.0) as created_pipeline_usd,
        coalesce(closed.won_count, 0) as won_count,
        coalesce(closed.won_usd, 0.0) as won_usd,
        coalesce(closed.lost_count, 0) as lost_count,
        coalesce(closed.lost_usd, 0.0) as lost_usd,
        coalesce(open_at_month_end.open_count, 0) as open_count,
        coalesce(open_at_month_end.open_pipeline_usd, 0.0) as open_pipeline_usd,
        coalesce(open_at_month_end.overdue_count, 0) as overdue_count,
        coalesce(open_at_month_end.overdue_pipeline_usd, 0.0) as overdue_pipeline_usd

    from grid
    left join created
        on
            grid.month_start = created.month_start
            and grid.opportunity_type = created.opportunity_type
            and grid.segment = created.segment
            and grid.region = created.region
            and grid.industry = created.industry
    left join closed
        on
            grid.month_start = closed.month_start
            and grid.opportunity_type = closed.opportunity_type
            and grid.segment = closed.segment
            and grid.region = closed.region
            and grid.industry = closed.industry
    left join open_at_month_end
        on
            grid.month_start = open_at_month_end.month_start
            and grid.opportunity_type = open_at_month_end.opportunity_type
            and grid.segment = open_at_month_end.segment
            and grid.region = open_at_month_end.region
            and grid.industry = open_at_month_end.industry

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('month_start', dbt.type_string()), "'|'", 'opportunity_type', "'|'", 'segment', "'|'",
            'region', "'|'", 'industry',
        ]) }} as report_row_id,
        month_start,
        snapshot_at,
        is_complete,
        opportunity_type,
        segment,
        region,
        industry,
        cast(created_count as bigint) as created_count,
        cast(created_pipeline_usd as double) as created_pipeline_usd,
        cast(won_count as bigint) as won_count,
        cast(won_usd as double) as won_usd,
        cast(lost_count as bigint) as lost_count,
        cast(lost_usd as double) as lost_usd,
        cast(open_count as bigint) as open_count,
        cast(open_pipeline_usd as double) as open_pipeline_usd,
        cast(overdue_count as bigint) as overdue_count,
        cast(overdue_pipeline_usd as double) as overdue_pipeline_usd

    from joined
    where created_count > 0 or won_count > 0 or lost_count > 0 or open_count > 0

)

select * from final
