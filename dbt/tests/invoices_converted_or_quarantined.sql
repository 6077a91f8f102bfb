-- Nothing lost between staging and the revenue marts: every invoice is either converted to
-- USD or quarantined for want of an fx rate, never both, never neither.
with

staged as (

    select invoice_id from {{ ref('stg_revenue__invoices') }}

),

accounted as (

    select invoice_id from {{ ref('int_invoices_converted') }}
    union all
    select invoice_id from {{ ref('int_invoices_unconverted') }}

),

counted as (

    select
        staged.invoice_id,
        count(accounted.invoice_id) as times_accounted

    from staged
    left join accounted
        on staged.invoice_id = accounted.invoice_id
    group by staged.invoice_id

)

select * from counted
where times_accounted != 1
