-- Marketing efficiency per month, attribution model and channel: what the channel cost and
-- what it is credited with, so leadership can compare return and unit costs across channels.
-- Spend and attributed outcomes are aggregated separately, spend is repeated for every model,
-- and the two meet in a full outer join: no row multiplies another, and a channel with spend
-- but no attribution (or the reverse) keeps its row.
with

spend as (

    select * from {{ ref('fct_marketing_spend') }}

),

outcomes as (

    select * from {{ ref('fct_attributed_outcomes') }}

),

models as (

    select * from {{ ref('dim_attribution_models') }}

),

channels as (

    select * from {{ ref('channels') }}

),

spend_by_channel as (

    select
        month_start,
        channel,
        sum(spend_usd) as spend_usd,
        sum(case when spend_type = 'ad_spend' then spend_usd else 0 end) as ad_spend_usd,
        sum(case when spend_type = 'campaign_cost' then spend_usd else 0 end) as campaign_cost_usd

    from spend
    group by
        month_start,
        channel

),

spend_by_model as (

    select
        spend_by_channel.month_start,
        models.model,
        spend_by_channel.channel,
        spend_by_channel.spend_usd,
        spend_by_channel.ad_spend_usd,
        spend_by_channel.campaign_cost_usd

    from spend_by_channel
    cross join models

),

outcomes_by_channel as (

    select
        month_start,
        model,
        channel,
        sum(attributed_pipeline_usd) as attributed_pipeline_usd,
        sum(attributed_revenue_usd) as attributed_revenue_usd,
        sum(attributed_leads) as attributed_leads,
        sum(attributed_mqls) as attributed_mqls,
        sum(attributed_sqls) as attributed_sqls,
        sum(attributed_opportunities) as attributed_opportunities,
        sum(attributed_won_deals) as attributed_won_deals,
        sum(attributed_new_customers) as attributed_new_customers

    from outcomes
    group by
        month_start,
        model,
        channel

),

joined as (

    select
        coalesce(spend_by_model.month_start, outcomes_by_channel.month_start) as month_start,
        coalesce(spend_by_model.model, outcomes_by_channel.model) as model,
        coalesce(spend_by_model.channel, outcomes_by_channel.channel) as channel,
        cast(coalesce(spend_by_model.spend_usd, 0) as double) as spend_usd,
        cast(coalesce(spend_by_model.ad_spend_usd, 0) as double) as ad_spend_usd,
        cast(coalesce(spend_by_model.campaign_cost_usd, 0) as double) as campaign_cost_usd,
        cast(coalesce(outcomes_by_channel.attributed_pipeline_usd, 0) as double) as attributed_pipeline_usd,
        cast(coalesce(outcomes_by_channel.attributed_revenue_usd, 0) as double) as attributed_revenue_usd,
        cast(coalesce(outcomes_by_channel.attributed_leads, 0) as double) as attributed_leads,
        cast(coalesce(outcomes_by_channel.attributed_mqls, 0) as double) as attributed_mqls,
        cast(coalesce(outcomes_by_channel.attributed_sqls, 0) as double) as attributed_sqls,
        cast(coalesce(outcomes_by_channel.attributed_opportunities, 0) as double) as attributed_opportunities,
        cast(coalesce(outcomes_by_channel.attributed_won_deals, 0) as double) as attributed_won_deals,
        cast(coalesce(outcomes_by_channel.attributed_new_customers, 0) as double) as attributed_new_customers

    from spend_by_model
    full outer join outcomes_by_channel
        on
            spend_by_model.month_start = outcomes_by_channel.month_start
            and spend_by_model.model = outcomes_by_channel.model
            and spend_by_model.channel = outcomes_by_channel.channel

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('joined.month_start', dbt.type_string()), "'|'", 'joined.model', "'|'", 'joined.channel'
        ]) }} as report_row_id,
        joined.month_start,
        joined.model,
        joined.channel,
        coalesce(channels.is_paid, false) as is_paid,
        coalesce(channels.spend_owner, 'marketing') as spend_owner,
        joined.spend_usd,
        joined.ad_spend_usd,
        joined.campaign_cost_usd,
        joined.attributed_pipeline_usd,
        joined.attributed_revenue_usd,
        joined.attributed_leads,
        joined.attributed_mqls,
        joined.attributed_sqls,
        joined.attributed_opportunities,
        joined.attributed_won_deals,
        joined.attributed_new_customers,
        {{ efficiency_ratios('joined') }}

    from joined
    left join channels
        on joined.channel = channels.channel

)

select * from final
