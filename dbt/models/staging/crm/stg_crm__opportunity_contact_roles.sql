-- Contact roles on opportunities; a contact may hold several roles on one opportunity.
with

source as (

    select * from {{ source('crm', 'opportunity_contact_roles') }}

),

renamed as (

    select
        {{ dbt.concat(['opportunity_id', "'|'", 'contact_id', "'|'", "coalesce(role, '')"]) }}
            as opportunity_contact_role_id,
        opportunity_id,
        contact_id,
        role,
        coalesce(is_primary, false) as is_primary

    from source

)

select * from renamed
