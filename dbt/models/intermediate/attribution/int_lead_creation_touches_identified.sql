-- A contact's lead-creation (LC) touch: its last touch at or before its lead_created_at.
-- Ties on touched_at are broken by touchpoint_id, as everywhere.
with

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

ranked as (

    select
        contacts.contact_id,
        contacts.lead_created_at,
        touchpoints.touchpoint_id,
        touchpoints.touched_at,
        row_number() over (
            partition by contacts.contact_id
            order by touchpoints.touched_at desc, touchpoints.touchpoint_id desc
        ) as touch_rank

    from contacts
    inner join touchpoints
        on
            contacts.contact_id = touchpoints.contact_id
            and contacts.lead_created_at >= touchpoints.touched_at

),

lead_creation_touches as (

    select
        contact_id,
        lead_created_at,
        touchpoint_id,
        touched_at

    from ranked
    where touch_rank = 1

)

select * from lead_creation_touches
