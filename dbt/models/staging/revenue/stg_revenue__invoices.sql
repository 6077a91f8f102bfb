-- Invoices in their own currency.
with

source as (

    -- one row per key: a re-delivered file or overlapping drops must not double count
    {{ latest_record(source('revenue', 'invoices'), 'invoice_id', order_by_updated_at=false) }}

),

renamed as (

    select
        invoice_id,
        account_id,
        opportunity_id,
        invoice_date,
        amount,
        upper(trim(currency)) as currency,
        lower(trim(status)) as status,
        service_start,
        service_end

    from source

)

select * from renamed
