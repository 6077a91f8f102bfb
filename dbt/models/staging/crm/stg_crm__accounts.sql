-- One row per account: its latest version.
with

latest as (

    {{ latest_record(source('crm', 'accounts'), 'account_id') }}

),

renamed as (

    select
        account_id,
        account_name,
        lower(trim(domain)) as domain,
        industry,
        region,
        segment,
        employee_count,
        created_at,
        updated_at

    from latest

)

select * from renamed
