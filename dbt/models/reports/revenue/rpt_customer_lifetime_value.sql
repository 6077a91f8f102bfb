-- Customer lifetime value by segment and first-touch channel, so marketing can weigh what a
-- customer won through each channel is worth over its expected life, not only at the first deal.
-- The projection is plain: average annual revenue x expected lifetime, where the lifetime is
-- 1 / the segment's renewal loss rate, capped at clv_max_lifetime_years.
with

invoices as (

    select * from {{ ref('fct_invoices') }}

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

attribution as (

    select * from {{ ref('fct_attribution_credits') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

-- Customers: accounts with a non-void invoice; their revenue, and the span of contracted
-- service (invoices of an opportunity) it pays for. Ad-hoc invoices add revenue, not years.
customers as (

    select
        account_id,
        cast(sum(amount_usd) as double) as revenue_to_date_usd,
        min(case when opportunity_id is not null then coalesce(service_start, invoice_date) end) as first_service_day,
        max(case when opportunity_id is not null then coalesce(service_end, invoice_date) end) as last_service_day,
        {{ dbt.datediff(
            'min(case when opportunity_id is not null then coalesce(service_start, invoice_date) end)',
            'max(case when opportunity_id is not null then coalesce(service_end, invoice_date) end)',
            'day',
        ) }} as contract_days

    from invoices
    where not is_void
    group by account_id

),

won_ranked as (

    select
        account_id,
        opportunity_id,
        segment,
        row_number() over (
            partition by account_id order by close_date, created_at, opportunity_id
        ) as won_rank

    from opportunities
    where is_won

),

first_touch_channels as (

    select
        opportunity_id,
        max(channel) as channel

    from attribution
    where model = 'first_touch'
    group by opportunity_id

),

profiled as (

    select
        customers.account_id,
        coalesce(won_ranked.segment, accounts.segment, '(none)') as segment,
        case
            when won_ranked.opportunity_id is null then '(no opportunity)'
            else coalesce(first_touch_channels.channel, '(unattributed)')
        end as first_touch_channel,
        customers.revenue_to_date_usd,
        -- Years of contracted service invoiced; one year for a customer with ad-hoc invoices only
        -- (a one-off invoice is not annualised).
        case
            when customers.first_service_day is null then 1.0
            else cast(customers.contract_days + 1 as double) / cast(365.25 as double)
        end as customer_years

    from customers
    left join won_ranked
        on
            customers.account_id = won_ranked.account_id
            and won_ranked.won_rank = 1
    left join first_touch_channels
        on won_ranked.opportunity_id = first_touch_channels.opportunity_id
    left join accounts
        on customers.account_id = accounts.account_id

),

renewals as (

    select
        coalesce(segment, '(none)') as segment,
        cast(count(*) as bigint) as closed_renewals,
        cast(sum(case when is_won then 0 else 1 end) as bigint) as lost_renewals

    from opportunities
    where opportunity_type = 'Renewal' and is_closed
    group by coalesce(segment, '(none)')

),

grouped as (

    select
        segment,
        first_touch_channel,
        cast(count(*) as bigint) as customers,
        cast(sum(revenue_to_date_usd) as double) as revenue_to_date_usd,
        cast(sum(customer_years) as double) as customer_years

    from profiled
    group by segment, first_touch_channel

),

measured as (

    select
        grouped.segment,
        grouped.first_touch_channel,
        grouped.customers,
        grouped.revenue_to_date_usd,
        grouped.revenue_to_date_usd / nullif(grouped.customers, 0) as avg_revenue_per_customer_usd,
        grouped.customer_years,
        grouped.revenue_to_date_usd / nullif(grouped.customer_years, 0) as avg_annual_revenue_usd,
        coalesce(renewals.closed_renewals, 0) as closed_renewals,
        coalesce(renewals.lost_renewals, 0) as lost_renewals,
        cast(renewals.lost_renewals as double) / nullif(renewals.closed_renewals, 0) as renewal_loss_rate

    from grouped
    left join renewals
        on grouped.segment = renewals.segment

),

projected as (

    select
        measured.*,
        case
            when measured.renewal_loss_rate is null then cast(null as double)
            when measured.renewal_loss_rate = 0 then cast({{ var('clv_max_lifetime_years') }} as double)
            else least(1.0 / nullif(measured.renewal_loss_rate, 0), {{ var('clv_max_lifetime_years') }})
        end as expected_lifetime_years

    from measured

),

final as (

    select
        {{ dbt.concat(['segment', "'|'", 'first_touch_channel']) }} as report_row_id,
        segment,
        first_touch_channel,
        cast(customers as bigint) as customers,
        cast(revenue_to_date_usd as double) as revenue_to_date_usd,
        cast(avg_revenue_per_customer_usd as double) as avg_revenue_per_customer_usd,
        cast(customer_years as double) as customer_years,
        cast(avg_annual_revenue_usd as double) as avg_annual_revenue_usd,
        cast(closed_renewals as bigint) as closed_renewals,
        cast(lost_renewals as bigint) as lost_renewals,
        cast(renewal_loss_rate as double) as renewal_loss_rate,
        cast(expected_lifetime_years as double) as expected_lifetime_years,
        cast(avg_annual_revenue_usd * expected_lifetime_years as double) as projected_lifetime_value_usd

    from projected

)

select * from final
