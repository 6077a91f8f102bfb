-- The public touchpoints mart: every classified touch of an identified contact, as built once
-- in int_touchpoints_classified (channel rules, campaign channels, the channel's flags).
with

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

final as (

    select
        touchpoint_id,
        touch_type,
        source_record_id,
        contact_id,
        account_id,
        touched_at,
        channel,
        campaign_id,
        is_marketing,
        is_paid,
        utm_source,
        utm_medium,
        utm_campaign

    from touchpoints

)

select * from final
