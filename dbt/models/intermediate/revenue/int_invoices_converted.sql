-- Invoices in USD at the rate of their own invoice date (latest earlier rate when the day has
-- none), so that billed revenue is in the same money as every other mart. An invoice whose
-- currency has no rate on or before its date is never converted as 1.0: it is quarantined in
-- int_invoices_unconverted instead.
with

invoices as (

    select * from {{ ref('stg_revenue__invoices') }}

),

rates_on_or_before_invoice_date as (

    {{ usd_rate_on_or_before('invoices', 'invoice_id', 'currency', 'invoice_date') }}

),

converted as (

    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.opportunity_id,
        invoices.invoice_date,
        cast({{ dbt.date_trunc('month', 'invoices.invoice_date') }} as date) as invoice_month,
        invoices.status,
        invoices.status = 'void' as is_void,
        invoices.amount,
        invoices.currency,
        rates.usd_per_unit,
        invoices.amount * rates.usd_per_unit as amount_usd,
        invoices.service_start,
        invoices.service_end

    from invoices
    left join rates_on_or_before_invoice_date as rates
        on invoices.invoice_id = rates.invoice_id

)

select * from converted
where usd_per_unit is not null
