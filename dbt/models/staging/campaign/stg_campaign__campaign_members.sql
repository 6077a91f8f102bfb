-- Contacts in campaigns. A response counts at first_responded_at (or, when the export
-- One row per key (latest_record): a re-delivered file or overlapping drops never double count.
-- leaves that empty, at the membership's created_at).
with

source as (

    {{ latest_record(
        source('campaign', 'campaign_members'),
        'campaign_member_id',
        order_by_updated_at=false
    ) }}

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
