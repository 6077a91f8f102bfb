-- Attributed outcomes per month, opportunity model, channel and campaign, aggregated before
-- any join with spend so that nothing fans out: the one table the ROI and CAC reports read
-- credited outcomes from. Each outcome sits in the month of its own
-- date: pipeline and opportunity credit by opportunity creation, revenue, won-deal and
-- new-customer credit by close of the won deal, and lead, MQL and SQL credit (under the
-- model's mapped lead model) by lead creation, MQL and SQL dates.
with

attribution as (

    select * from {{ ref('fct_attribution_credits') }}

),

lead_attribution as (

    select * from {{ ref('fct_lead_attribution') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

lead_models as (

    select * from {{ ref('int_attribution_models_lead_mapped') }}

),

pipeline as (

    select
        cast({{ dbt.date_trunc('month', 'opportunity_created_at') }} as date) as month_start,
        model,
        channel,
        campaign_id,
        sum(attributed_pipeline_usd) as attributed_pipeline_usd,
        sum(credit) as attributed_opportunities,
        cast(0 as double) as attributed_revenue_usd,
        cast(0 as double) as attributed_won_deals,
        cast(0 as double) as attributed_new_customers,
        cast(0 as double) as attributed_leads,
        cast(0 as double) as attributed_mqls,
        cast(0 as double) as attributed_sqls

    from attribution
    group by
        cast({{ dbt.date_trunc('month', 'opportunity_created_at') }} as date),
        model,
        channel,
        campaign_id

),

won as (

    select
        cast({{ dbt.date_trunc('month', 'attribution.close_date') }} as date) as month_start,
        attribution.model,
        attribution.channel,
        attribution.campaign_id,
        cast(0 as double) as attributed_pipeline_usd,
        cast(0 as double) as attributed_opportunities,
        sum(attribution.attributed_revenue_usd) as attributed_revenue_usd,
        sum(attribution.credit) as attributed_won_deals,
        sum(
            case when opportunities.opportunity_type = 'New Business' then attribution.credit else 0 end
        ) as attributed_new_customers,
        cast(0 as double) as attributed_leads,
        cast(0 as double) as attributed_mqls,
        cast(0 as double) as attributed_sqls

    from attribution
    inner join opportunities
        on attribution.opportunity_id = opportunities.opportunity_id
    where attribution.is_won
    group by
        cast({{ dbt.date_trunc('month', 'attribution.close_date') }} as date),
        attribution.model,
        attribution.channel,
        attribution.campaign_id

),

-- One row per opportunity model and credited lead touch of its mapped lead model.
lead_credits as (

    select
        lead_models.model,
        lead_attribution.channel,
        lead_attribution.campaign_id,
        lead_attribution.credit,
        lead_attribution.mql_credit,
        lead_attribution.sql_credit,
        lead_attribution.lead_created_at,
        lead_attribution.mql_at,
        lead_attribution.sql_at

    from lead_attribution
    inner join lead_models
        on lead_attribution.model = lead_models.lead_model

),

leads as (

    select
        cast({{ dbt.date_trunc('month', 'lead_created_at') }} as date) as month_start,
        model,
        channel,
        campaign_id,
        cast(0 as double) as attributed_pipeline_usd,
        cast(0 as double) as attributed_opportunities,
        cast(0 as double) as attributed_revenue_usd,
        cast(0 as double) as attributed_won_deals,
        cast(0 as double) as attributed_new_customers,
        sum(credit) as attributed_leads,
        cast(0 as double) as attributed_mqls,
        cast(0 as double) as attributed_sqls

    from lead_credits
    group by
        cast({{ dbt.date_trunc('month', 'lead_created_at') }} as date),
        model,
        channel,
        campaign_id

),

mqls as (

    select
        cast({{ dbt.date_trunc('month', 'mql_at') }} as date) as month_start,
        model,
        channel,
        campaign_id,
        cast(0 as double) as attributed_pipeline_usd,
        cast(0 as double) as attributed_opportunities,
        cast(0 as double) as attributed_revenue_usd,
        cast(0 as double) as attributed_won_deals,
        cast(0 as double) as attributed_new_customers,
        cast(0 as double) as attributed_leads,
        sum(mql_credit) as attributed_mqls,
        cast(0 as double) as attributed_sqls

    from lead_credits
    where mql_at is not null
    group by
        cast({{ dbt.date_trunc('month', 'mql_at') }} as date),
        model,
        channel,
        campaign_id

),

sqls as (

    select
        cast({{ dbt.date_trunc('month', 'sql_at') }} as date) as month_start,
        model,
        channel,
        campaign_id,
        cast(0 as double) as attributed_pipeline_usd,
        cast(0 as double) as attributed_opportunities,
        cast(0 as double) as attributed_revenue_usd,
        cast(0 as double) as attributed_won_deals,
        cast(0 as double) as attributed_new_customers,
        cast(0 as double) as attributed_leads,
        cast(0 as double) as attributed_mqls,
        sum(sql_credit) as attributed_sqls

    from lead_credits
    where sql_at is not null
    group by
        cast({{ dbt.date_trunc('month', 'sql_at') }} as date),
        model,
        channel,
        campaign_id

),

unioned as (

    select * from pipeline
    union all
    select * from won
    union all
    select * from leads
    union all
    select * from mqls
    union all
    select * from sqls

),

aggregated as (

    select
        month_start,
        model,
        channel,
        campaign_id,
        cast(sum(attributed_pipeline_usd) as double) as attributed_pipeline_usd,
        cast(sum(attributed_opportunities) as double) as attributed_opportunities,
        cast(sum(attributed_revenue_usd) as double) as attributed_revenue_usd,
        cast(sum(attributed_won_deals) as double) as attributed_won_deals,
        cast(sum(attributed_new_customers) as double) as attributed_new_customers,
        cast(sum(attributed_leads) as double) as attributed_leads,
        cast(sum(attributed_mqls) as double) as attributed_mqls,
        cast(sum(attributed_sqls) as double) as attributed_sqls

    from unioned
    where month_start <= cast({{ dbt.date_trunc('month', as_of_timestamp()) }} as date)
    group by
        month_start,
        model,
        channel,
        campaign_id

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('month_start', dbt.type_string()), "'|'", 'model', "'|'", 'channel', "'|'",
            "coalesce(campaign_id, '(no campaign)')",
        ]) }} as attributed_outcome_id,
        month_start,
        model,
        channel,
        campaign_id,
        attributed_pipeline_usd,
        attributed_opportunities,
        attributed_revenue_usd,
        attributed_won_deals,
        attributed_new_customers,
        attributed_leads,
        attributed_mqls,
        attributed_sqls

    from aggregated

)

select * from final
