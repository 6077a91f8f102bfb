-- Invoices in their own currency.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

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
