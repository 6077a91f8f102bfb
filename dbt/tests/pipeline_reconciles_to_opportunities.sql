-- rpt_pipeline loses and invents nothing: its created pipeline sums to the total amount_usd of
-- dim_opportunities created in the reported months (those begun before the as-of time), and its
-- closed-won amount to the won amount closed in those months, to the cent (counts too).
with

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

reported_months as (

    select month_start from months

),

pipeline as (

    select * from {{ ref('rpt_pipeline') }}

),

crm as (

    select
        sum(case when created_months.month_start is not null then 1 else 0 end) as created_count,
        sum(case when created_months.month_start is not null then opportunities.amount_usd else 0 end)
            as created_pipeline_usd,
        sum(case when opportunities.is_won and closed_months.month_start is not null then 1 else 0 end)
            as won_count,
        sum(
            case
                when opportunities.is_won and closed_months.month_start is not null
                    then opportunities.amount_usd
                else 0
            end
        ) as won_usd

    from opportunities
    left join reported_months as created_months
        on cast({{ dbt.date_trunc('month', 'opportunities.created_at') }} as date) = created_months.month_start
    left join reported_months as closed_months
        on cast({{ dbt.date_trunc('month', 'opportunities.close_date') }} as date) = closed_months.month_start

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
