-- Each lead's own touches up to its creation: lead_created_at - lookback <= touched_at <=
-- lead_created_at, with the two roles lead models weight: FT (first touch of the window)
-- and LC (last touch of the window, i.e. the touch that made the contact a lead).
{%- set lookback_days = var('attribution_lookback_days') | int %}

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}
    where lead_created_at is not null

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

windowed as (

    select
        contacts.contact_id,
        touchpoints.touchpoint_id,
        touchpoints.touched_at,
        -- Picked by aggregates over the contact's window (no sort inside it); ties: the id.
        {{ first_by('touchpoints.touchpoint_id', ['touchpoints.touched_at', 'touchpoints.touchpoint_id']) }}
            over (partition by contacts.contact_id) as first_touchpoint_id,
        {{ last_by('touchpoints.touchpoint_id', ['touchpoints.touched_at', 'touchpoints.touchpoint_id']) }}
            over (partition by contacts.contact_id) as last_touchpoint_id,
        count(*) over (partition by contacts.contact_id) as window_touch_count

    from contacts
    inner join touchpoints
        on
            contacts.contact_id = touchpoints.contact_id
            and contacts.lead_created_at >= touchpoints.touched_at
            and touchpoints.touched_at >= {{ add_days('contacts.lead_created_at', -lookback_days) }}

),

roled as (

    select
        contact_id,
        touchpoint_id,
        touched_at,
        window_touch_count,
        touchpoint_id = first_touchpoint_id as is_first_touch,
        touchpoint_id = last_touchpoint_id as is_lead_creation_touch

    from windowed

)

select * from roled
