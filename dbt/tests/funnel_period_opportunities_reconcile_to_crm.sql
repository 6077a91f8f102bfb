-- The period view of rpt_funnel_conversion counts every CRM opportunity: per month, its
-- opportunity_count equals the opportunities of dim_opportunities created that month and its won_count
-- the won ones closed that month (both by the as-of time). Returns the months that disagree.
with

conversion as (

    select * from {{ ref('rpt_funnel_conversion') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

reported as (

    select
        month_start,
        sum(opportunity_count) as opportunity_count,
        sum(won_count) as won_count

    from conversion
    where view = 'period'
    group by month_start

),

crm_events as (

    select
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        1 as is_created,
        0 as is_won

    from opportunities
    where created_at <= {{ as_of_timestamp() }}

    union all

    select
        cast({{ dbt.date_trunc('month', dbt.cast('close_date', dbt.type_timestamp())) }} as date) as month_start,
        0 as is_created,
        1 as is_won

    from opportunities
    where
        is_won
        and cast(close_date as {{ dbt.type_timestamp() }}) <= {{ as_of_timestamp() }}

),

crm as (

    select
        month_start,
        sum(is_created) as opportunity_count,
        sum(is_won) as won_count

    from crm_events
    group by month_start

)

select
    coalesce(reported.month_start, crm.month_start) as month_start,
    reported.opportunity_count as reported_opportunities,
    crm.opportunity_count as crm_opportunities,
    reported.won_count as reported_won,
    crm.won_count as crm_won

from reported
full outer join crm
    on reported.month_start = crm.month_start
where
    coalesce(reported.opportunity_count, 0) != coalesce(crm.opportunity_count, 0)
    or coalesce(reported.won_count, 0) != coalesce(crm.won_count, 0)
