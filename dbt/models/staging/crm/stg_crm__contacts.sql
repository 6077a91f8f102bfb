-- One row per contact (latest version), with the email normalised for matching.
-- The email itself stays in staging: marts carry only contact_id.
with

latest as (

    {{ latest_record(source('crm', 'contacts'), 'contact_id') }}

),

renamed as (

    select
        contact_id,
        account_id,
        lower(trim(email)) as email_normalized,
        job_title,
        lead_source,
        created_at,
        lead_created_at,
        mql_at,
        sql_at,
        updated_at

    from latest

)

select * from renamed
