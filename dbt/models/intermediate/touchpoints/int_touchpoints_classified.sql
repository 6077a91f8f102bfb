-- One row per touchpoint of an identified contact, with its account, channel and the channel's
-- flags: the one classification every touch-reading model (attribution windows, lead-creation
-- touches, credits, fct_touchpoints) reads, built once.
-- A visit or form fill keeps the channel its UTM tags and referrer give (the channel rules),
-- even when its utm_campaign names a campaign: a paid LinkedIn click of an event campaign is
-- Paid Social. A campaign response takes its campaign's own channel when the campaign sets
-- one, else the rules (by campaign type). The campaign stays a column of its own.
with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

classified_keys as (

    select * from {{ ref('int_channel_keys_classified') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

channels as (

    select * from {{ ref('channels') }}

),

classified as (

    select
        touchpoints.touchpoint_id,
        touchpoints.touch_type,
        touchpoints.source_record_id,
        touchpoints.contact_id,
        contacts.account_id,
        touchpoints.touched_at,
        case
            when touchpoints.touch_type = 'campaign_response'
                then coalesce(touchpoints.channel_override, classified_keys.rule_channel)
            else classified_keys.rule_channel
        end as channel,
        touchpoints.campaign_id,
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.utm_campaign

    from touchpoints
    inner join contacts
        on touchpoints.contact_id = contacts.contact_id
    inner join classified_keys
        on touchpoints.channel_key = classified_keys.channel_key

),

final as (

    select
        classified.touchpoint_id,
        classified.touch_type,
        classified.source_record_id,
        classified.contact_id,
        classified.account_id,
        classified.touched_at,
        classified.channel,
        classified.campaign_id,
        channels.is_marketing,
        channels.is_paid,
        classified.utm_source,
        classified.utm_medium,
        classified.utm_campaign

    from classified
    inner join channels
        on classified.channel = channels.channel

)

select * from final
