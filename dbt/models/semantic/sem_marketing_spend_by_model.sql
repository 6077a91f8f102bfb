-- Every spend line once per attribution model, so that MetricFlow can divide a model's
-- attributed revenue by spend (ROAS) under a filter or grouping on the model: spend itself does
-- not depend on the model, exactly as in rpt_channel_roi. Never sum it across models.
with

spend as (

    select * from {{ ref('fct_marketing_spend') }}

),

attribution_models as (

    select * from {{ ref('dim_attribution_models') }}

),

final as (

    select
        {{ dbt.concat(['spend.spend_id', "'|'", 'attribution_models.model']) }} as spend_model_id,
        spend.spend_id,
        attribution_models.model,
        spend.spend_date,
        spend.channel,
        spend.campaign_id,
        spend.spend_type,
        spend.is_paid,
        spend.spend_usd

    from spend
    cross join attribution_models

)

select * from final
