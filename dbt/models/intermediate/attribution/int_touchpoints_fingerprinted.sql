-- One fingerprint per touch of everything the attribution chain reads of it: when, whose
-- (contact, account), how it is classified (type, channel, campaign, marketing) and whether
-- it is its contact's lead-creation touch (and when that lead was created). Two builds see
-- the same fingerprint exactly when the touch could credit and be credited the same way.
-- A view: read once by int_touchpoints_changed, and once by a full build's state.
{{ config(materialized='view') }}
with

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

lead_creation_touches as (

    select * from {{ ref('int_lead_creation_touches_identified') }}

),

final as (

    select
        touchpoints.touchpoint_id,
        touchpoints.account_id,
        touchpoints.contact_id,
        touchpoints.touched_at,
        {{ row_fingerprint([
            'touchpoints.touchpoint_id',
            'touchpoints.touch_type',
            'touchpoints.contact_id',
            'touchpoints.account_id',
            'touchpoints.touched_at',
            'touchpoints.channel',
            'touchpoints.campaign_id',
            'touchpoints.is_marketing',
            'lead_creation_touches.contact_id',
            'lead_creation_touches.lead_created_at',
        ]) }} as touch_fingerprint

    from touchpoints
    left join lead_creation_touches
        on touchpoints.touchpoint_id = lead_creation_touches.touchpoint_id

)

select * from final
