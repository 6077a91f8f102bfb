-- Attribution by model, channel and month, for leadership:
--   attributed pipeline and opportunity credit in the month the opportunity was created;
--   attributed revenue in the month a won opportunity closed.
with

attribution as (

    select * from {{ ref('fct_attribution_credits') }}

),

pipeline as (

    select
        model,
        channel,
        {{ dbt.date_trunc('month', 'opportunity_created_at') }} as month_start,
        sum(attributed_pipeline_usd) as attributed_pipeline_usd,
        sum(credit) as opportunity_credit

    from attribution
    group by 1, 2, 3

),

revenue as (

    select
        model,
        channel,
        {{ dbt.date_trunc('month', dbt.cast('close_date', dbt.type_timestamp())) }} as month_start,
        sum(attributed_revenue_usd) as attributed_revenue_usd,
        sum(credit) as won_opportunity_credit

    from attribution
    where is_won
    group by 1, 2, 3

),

combined as (

    select
        coalesce(pipeline.model, revenue.model) as model,
        coalesce(pipeline.channel, revenue.channel) as channel,
        cast(coalesce(pipeline.month_start, revenue.month_start) as date) as month_start,
        coalesce(pipeline.attributed_pipeline_usd, 0) as attributed_pipeline_usd,
        coalesce(pipeline.opportunity_credit, 0) as opportunity_credit,
        coalesce(revenue.attributed_revenue_usd, 0) as attributed_revenue_usd,
        coalesce(revenue.won_opportunity_credit, 0) as won_opportunity_credit

    from pipeline
    full outer join revenue
        on
            pipeline.model = revenue.model
            and pipeline.channel = revenue.channel
            and pipeline.month_start = revenue.month_start

)

select
    {{ dbt.concat(['model', "'|'", 'channel', "'|'", dbt.cast('month_start', dbt.type_string())]) }}
        as report_row_id,
    *
from combined
