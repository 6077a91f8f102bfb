-- dim_campaigns derives a campaign's channel with the touchpoint rule: every campaign
-- response in fct_touchpoints must carry its campaign's channel from dim_campaigns.
with

responses as (

    select * from {{ ref('fct_touchpoints') }}
    where touch_type = 'campaign_response'

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

)

select
    responses.touchpoint_id,
    responses.campaign_id,
    responses.channel as touch_channel,
    campaigns.channel as campaign_channel

from responses
inner join campaigns
    on responses.campaign_id = campaigns.campaign_id
where responses.channel != campaigns.channel
