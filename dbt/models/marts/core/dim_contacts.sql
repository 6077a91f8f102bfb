-- One row per CRM contact (latest version) with its account and the dates it became a lead,
-- an MQL and an SQL: what the funnel and plan-vs-actual count. No personal data: the email and
-- job title stay in staging; a contact is known here by its contact_id only.
with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

final as (

    select
        contact_id,
        account_id,
        lead_source,
        created_at,
        lead_created_at,
        mql_at,
        sql_at,
        updated_at

    from contacts

)

select * from final
