-- Marketing's contribution, per month, opportunity type and segment: total,
-- marketing-sourced and marketing-influenced pipeline (month of creation) and revenue (month
-- of close of won deals), with their shares. Influenced counts a deal whole for every touch,
-- so it is a share of the total, never a sum across channels. Sourced <= influenced <= total.
-- Only the types of var marketing_contribution_opportunity_types (default New Business) can
-- be sourced or influenced; is_contribution_type marks their rows.
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

pipeline as (

    select
        {{ dbt.date_trunc('month', 'created_at') }} as month_start,
        coalesce(opportunity_type, '(none)') as opportunity_type,
        is_contribution_type,
        coalesce(segment, '(none)') as segment,
        count(*) as opportunities,
        cast(sum(case when is_marketing_sourced then 1 else 0 end) as bigint) as sourced_opportunities,
        cast(sum(case when is_marketing_influenced then 1 else 0 end) as bigint) as influenced_opportunities,
        sum(amount_usd) as pipeline_usd,
        sum(case when is_marketing_sourced then amount_usd else 0 end) as sourced_pipeline_usd,
        sum(case when is_marketing_influenced then amount_usd else 0 end) as influenced_pipeline_usd

    from opportunities
    group by 1, 2, 3, 4

),

revenue as (

    select
        {{ dbt.date_trunc('month', dbt.cast('close_date', dbt.type_timestamp())) }} as month_start,
        coalesce(opportunity_type, '(none)') as opportunity_type,
        is_contribution_type,
        coalesce(segment, '(none)') as segment,
        count(*) as won_opportunities,
        sum(amount_usd) as revenue_usd,
        sum(case when is_marketing_sourced then amount_usd else 0 end) as sourced_revenue_usd,
        sum(case when is_marketing_influenced_by_close then amount_usd else 0 end) as influenced_revenue_usd

    from opportunities
    where is_won
    group by 1, 2, 3, 4

),

combined as (

    select
        cast(coalesce(pipeline.month_start, revenue.month_start) as date) as month_start,
        coalesce(pipeline.opportunity_type, revenue.opportunity_type) as opportunity_type,
        coalesce(pipeline.is_contribution_type, revenue.is_contribution_type) as is_contribution_type,
        coalesce(pipeline.segment, revenue.segment) as segment,
        coalesce(pipeline.opportunities, 0) as opportunities,
        coalesce(pipeline.sourced_opportunities, 0) as sourced_opportunities,
        coalesce(pipeline.influenced_opportunities, 0) as influenced_opportunities,
        coalesce(pipeline.pipeline_usd, 0) as pipeline_usd,
        coalesce(pipeline.sourced_pipeline_usd, 0) as sourced_pipeline_usd,
        coalesce(pipeline.influenced_pipeline_usd, 0) as influenced_pipeline_usd,
        coalesce(revenue.won_opportunities, 0) as won_opportunities,
        coalesce(revenue.revenue_usd, 0) as revenue_usd,
        coalesce(revenue.sourced_revenue_usd, 0) as sourced_revenue_usd,
        coalesce(revenue.influenced_revenue_usd, 0) as influenced_revenue_usd

    from pipeline
    full outer join revenue
        on
            pipeline.month_start = revenue.month_start
            and pipeline.opportunity_type = revenue.opportunity_type
            and pipeline.segment = revenue.segment

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('month_start', dbt.type_string()), "'|'", 'opportunity_type', "'|'", 'segment',
        ]) }} as report_row_id,
        combined.*,
        -- Shares as doubles: a DECIMAL quotient would keep 6 places on Spark.
        cast(combined.sourced_pipeline_usd as double) / nullif(combined.pipeline_usd, 0) as sourced_pipeline_share,
        cast(combined.influenced_pipeline_usd as double) / nullif(combined.pipeline_usd, 0)
            as influenced_pipeline_share,
        cast(combined.sourced_revenue_usd as double) / nullif(combined.revenue_usd, 0) as sourced_revenue_share,
        cast(combined.influenced_revenue_usd as double) / nullif(combined.revenue_usd, 0) as influenced_revenue_share

    from combined

)

select * from final
