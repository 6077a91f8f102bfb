-- Quarantine: invoices that cannot be converted to USD because their currency has no fx rate
-- on or before the invoice date (or none at all). They are left out of every mart rather than
-- converted as 1.0; a warning test lists them so nothing is lost silently.
with

invoices as (

    select * from {{ ref('stg_revenue__invoices') }}

),

converted as (

    select invoice_id from {{ ref('int_invoices_converted') }}

),

currencies_with_rates as (

    {{ currencies_with_first_rate() }}

),

unconverted as (

    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.opportunity_id,
        invoices.currency,
        invoices.amount,
        invoices.invoice_date,
        {{ usd_unconverted_reason('invoices.currency', 'currencies_with_rates.first_rate_date', 'invoice date') }}
            as reason

    from invoices
    left join converted
        on invoices.invoice_id = converted.invoice_id
    left join currencies_with_rates
        on invoices.currency = currencies_with_rates.currency
    where converted.invoice_id is null

)

select * from unconverted
