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
        row_number() over (
            partition by contacts.contact_id
            order by touchpoints.touched_at asc, touchpoints.touchpoint_id asc
        ) as rank_from_first,
        row_number() over (
            partition by contacts.contact_id
            order by touchpoints.touched_at desc, touchpoints.touchpoint_id desc
        ) as rank_from_last,
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
        rank_from_first = 1 as is_first_touch,
        rank_from_last = 1 as is_lead_creation_touch

    from windowed

)

select * from roled
