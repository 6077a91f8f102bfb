-- rpt_pipeline loses and invents nothing: its created pipeline sums to the total amount_usd of
-- dim_opportunities, and its closed-won amount to the total won amount, to the cent (counts too).
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

pipeline as (

    select * from {{ ref('rpt_pipeline') }}

),

crm as (

    select
        count(*) as created_count,
        sum(amount_usd) as created_pipeline_usd,
        sum(case when is_won then 1 else 0 end) as won_count,
        sum(case when is_won then amount_usd else 0 end) as won_usd

    from opportunities

),

reported as (

    select
        sum(created_count) as created_count,
        sum(created_pipeline_usd) as created_pipeline_usd,
        sum(won_count) as won_count,
        sum(won_usd) as won_usd

    from pipeline

)

select
    crm.created_count as crm_created_count,
    reported.created_count as reported_created_count,
    crm.created_pipeline_usd as crm_created_pipeline_usd,
    reported.created_pipeline_usd as reported_created_pipeline_usd,
    crm.won_count as crm_won_count,
    reported.won_count as reported_won_count,
    crm.won_usd as crm_won_usd,
    reported.won_usd as reported_won_usd

from crm
cross join reported
where
    crm.created_count != reported.created_count
    or crm.won_count != reported.won_count
    or abs(crm.created_pipeline_usd - reported.created_pipeline_usd) >= 0.005
    or abs(crm.won_usd - reported.won_usd) >= 0.005
