-- Contact roles on opportunities; a contact may hold several roles on one opportunity.
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
with

source as (

    {{ latest_record(
        source('crm', 'opportunity_contact_roles'),
        'opportunity_id, contact_id, role',
        order_by_updated_at=false
    ) }}

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
