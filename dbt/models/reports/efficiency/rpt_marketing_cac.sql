-- Customer acquisition cost per month and attribution model: marketing CAC (all marketing
-- spend over every new customer won that month), paid CAC (paid-media spend over the new
-- customers the model credits to paid channels) and the fully loaded CAC (marketing and sales
-- spend over every new customer), so leadership can see what a customer costs and how much
-- of it paid media explains. Sales spend (spend_owner = 'sales') is in the last one only.
with

months as (

    select * from {{ ref('int_months_spined') }}

),

spend as (

    select * from {{ ref('fct_marketing_spend') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

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

spend_by_month as (

    select
        month_start,
        sum(case when spend_owner = 'marketing' then spend_usd else 0 end) as spend_usd,
        sum(case when spend_owner = 'marketing' and is_paid then spend_usd else 0 end) as paid_spend_usd,
        sum(case when spend_owner = 'marketing' then 0 else spend_usd end) as sales_spend_usd

    from spend
    group by month_start

),

new_customers_by_month as (

    select
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as month_start,
        count(*) as new_customers

    from opportunities
    where
        is_won
        and opportunity_type = 'New Business'
        and {{ dbt.date_trunc('month', 'close_date') }} <= {{ dbt.date_trunc('month', as_of_timestamp()) }}
    group by cast({{ dbt.date_trunc('month', 'close_date') }} as date)

),

paid_customers_by_model as (

    select
        outcomes.month_start,
        outcomes.model,
        sum(outcomes.attributed_new_customers) as paid_attributed_new_customers

    from outcomes
    inner join channels
        on outcomes.channel = channels.channel
    where channels.is_paid
    group by
        outcomes.month_start,
        outcomes.model

),

all_months as (

    select month_start from months
    union
    select month_start from spend_by_month
    union
    select month_start from new_customers_by_month

),

grid as (

    select
        all_months.month_start,
        models.model

    from all_months
    cross join models

),

combined as (

    select
        grid.month_start,
        grid.model,
        cast(coalesce(spend_by_month.spend_usd, 0) as double) as spend_usd,
        cast(coalesce(spend_by_month.paid_spend_usd, 0) as double) as paid_spend_usd,
        cast(coalesce(spend_by_month.sales_spend_usd, 0) as double) as sales_spend_usd,
        cast(coalesce(new_customers_by_month.new_customers, 0) as bigint) as new_customers,
        cast(coalesce(paid_customers_by_model.paid_attributed_new_customers, 0) as double)
            as paid_attributed_new_customers

    from grid
    left join spend_by_month
        on grid.month_start = spend_by_month.month_start
    left join new_customers_by_month
        on grid.month_start = new_customers_by_month.month_start
    left join paid_customers_by_model
        on
            grid.month_start = paid_customers_by_model.month_start
            and grid.model = paid_customers_by_model.model

),

final as (

    select
        {{ dbt.concat([dbt.cast('month_start', dbt.type_string()), "'|'", 'model']) }} as report_row_id,
        month_start,
        model,
        spend_usd,
        paid_spend_usd,
        sales_spend_usd,
        new_customers,
        paid_attributed_new_customers,
        spend_usd / nullif(new_customers, 0) as blended_cac_usd,
        {{ cost_per_unit('paid_spend_usd', 'paid_attributed_new_customers') }} as paid_cac_usd,
        (spend_usd + sales_spend_usd) / nullif(new_customers, 0) as fully_loaded_cac_usd

    from combined

)

select * from final
