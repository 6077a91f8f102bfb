-- Invoices in their own currency.
with

source as (

    select * from {{ source('revenue', 'invoices') }}

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
