-- Nothing fans out or goes missing in the efficiency reports: for every model, the spend of
-- rpt_channel_roi and rpt_campaign_roi sums to fct_marketing_spend's total, and their
-- attributed pipeline and revenue sum to fct_attribution's (up to the as-of month), to the cent.
with

spend as (

    select sum(spend_usd) as spend_usd from {{ ref('fct_marketing_spend') }}

),

attribution_months as (

    select
        model,
        attributed_pipeline_usd,
        attributed_revenue_usd,
        {{ dbt.date_trunc('month', 'opportunity_created_at') }} as created_month,
        {{ dbt.date_trunc('month', dbt.cast('close_date', dbt.type_timestamp())) }} as close_month,
        {{ dbt.date_trunc('month', as_of_timestamp()) }} as as_of_month

    from {{ ref('fct_attribution_credits') }}

),

attribution as (

    select
        model,
        sum(case when created_month <= as_of_month then attributed_pipeline_usd else 0 end)
            as attributed_pipeline_usd,
        sum(case when close_month <= as_of_month then attributed_revenue_usd else 0 end)
            as attributed_revenue_usd

    from attribution_months
    group by model

),

reported as (

    {% for report in ['rpt_channel_roi', 'rpt_campaign_roi'] -%}
        select
            '{{ report }}' as report,
            model,
            sum(spend_usd) as spend_usd,
            sum(attributed_pipeline_usd) as attributed_pipeline_usd,
            sum(attributed_revenue_usd) as attributed_revenue_usd

        from {{ ref(report) }}
        group by model
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        reported.report,
        attribution.model,
        spend.spend_usd as expected_spend_usd,
        reported.spend_usd,
        attribution.attributed_pipeline_usd as expected_pipeline_usd,
        reported.attributed_pipeline_usd,
        attribution.attributed_revenue_usd as expected_revenue_usd,
        reported.attributed_revenue_usd

    from attribution
    cross join spend
    left join reported
        on attribution.model = reported.model

)

select * from compared
where
    report is null
    or abs(coalesce(spend_usd, 0) - coalesce(expected_spend_usd, 0)) >= 0.005
    or abs(attributed_pipeline_usd - expected_pipeline_usd) >= 0.005
    or abs(attributed_revenue_usd - expected_revenue_usd) >= 0.005
