-- Contacts in campaigns. A response counts at first_responded_at (or, when the export
-- leaves that empty, at the membership's created_at).
with

source as (

    select * from {{ source('campaign', 'campaign_members') }}

),

renamed as (

    select
        campaign_member_id,
        campaign_id,
        contact_id,
        status,
        has_responded,
        created_at,
        first_responded_at,
        case when has_responded then coalesce(first_responded_at, created_at) end as responded_at

    from source

)

select * from renamed
