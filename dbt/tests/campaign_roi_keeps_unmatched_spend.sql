-- Spend with no campaign is reported, not dropped: for every model, rpt_campaign_roi's
-- '(no campaign)' spend equals the spend of fct_marketing_spend rows without a campaign.
with

unmatched as (

    select coalesce(sum(spend_usd), 0) as spend_usd
    from {{ ref('fct_marketing_spend') }}
    where campaign_id is null

),

models as (

    select model from {{ ref('dim_attribution_models') }}

),

reported as (

    select
        model,
        sum(spend_usd) as spend_usd

    from {{ ref('rpt_campaign_roi') }}
    where campaign_key = '(no campaign)'
    group by model

),

compared as (

    select
        models.model,
        unmatched.spend_usd as expected_spend_usd,
        coalesce(reported.spend_usd, 0) as reported_spend_usd

    from models
    cross join unmatched
    left join reported
        on models.model = reported.model

)

select * from compared
where abs(reported_spend_usd - expected_spend_usd) >= 0.005
