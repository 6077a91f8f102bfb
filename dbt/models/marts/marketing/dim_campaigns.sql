-- The campaign catalogue for spend and ROI reporting: each campaign with the channel its
-- touches get, whether that channel is paid media, and its budgeted and actual cost in USD.
-- The channel follows the touchpoint rule for a campaign response: the campaign's own channel
-- when set, else the first channel_rules row that a touch carrying only the campaign's type
-- (no UTM tags, no referrer) matches, else 'Other'.
with

campaigns as (

    select * from {{ ref('int_campaigns_converted') }}

),

rules as (

    select * from {{ ref('channel_rules') }}

),

channels as (

    select * from {{ ref('channels') }}

),

type_matches as (

    select
        campaigns.campaign_id,
        rules.channel,
        row_number() over (
            partition by campaigns.campaign_id
            order by rules.rule_order asc
        ) as match_rank

    from campaigns
    inner join rules
        on
            (rules.touch_type is null or rules.touch_type = 'campaign_response')
            and (rules.campaign_type is null or lower(campaigns.campaign_type) = rules.campaign_type)
            and rules.utm_medium is null
            and rules.utm_source is null
            and rules.referrer is null

),

classified as (

    select
        campaigns.*,
        coalesce(campaigns.channel_override, type_matches.channel, 'Other') as channel

    from campaigns
    left join type_matches
        on
            campaigns.campaign_id = type_matches.campaign_id
            and type_matches.match_rank = 1

),

final as (

    select
        classified.campaign_id,
        classified.campaign_name,
        classified.campaign_type,
        classified.utm_campaign,
        classified.channel,
        coalesce(channels.is_marketing, false) as is_marketing,
        coalesce(channels.is_paid, false) as is_paid,
        classified.start_date,
        classified.end_date,
        classified.currency,
        cast(classified.budgeted_cost_usd as double) as budgeted_cost_usd,
        cast(classified.actual_cost_usd as double) as actual_cost_usd

    from classified
    left join channels
        on classified.channel = channels.channel

)

select * from final
