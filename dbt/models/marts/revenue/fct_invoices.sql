-- One row per invoice that could be converted to USD: the billing side of bookings vs billing
-- and the revenue of customer lifetime value. Void invoices stay (flagged) so that a re-issue
-- can be traced; every revenue figure leaves them out.
with

invoices as (

    select * from {{ ref('int_invoices_converted') }}

),

final as (

    select
        invoice_id,
        account_id,
        opportunity_id,
        invoice_date,
        invoice_month,
        status,
        is_void,
        amount,
        currency,
        usd_per_unit,
        amount_usd,
        service_start,
        service_end

    from invoices

)

select * from final
