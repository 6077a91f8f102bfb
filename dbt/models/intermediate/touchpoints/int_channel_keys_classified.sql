-- Channel classification is data: each distinct combination of the facts the rules read
-- (a channel_key) takes the channel of the first matching rule in the channel_rules seed.
-- Classifying distinct keys rather than every touch keeps this cheap at any volume.
with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

rules as (

    select * from {{ ref('channel_rules') }}

),

channel_keys as (

    select distinct
        channel_key,
        touch_type,
        lower(campaign_type) as campaign_type,
        utm_medium,
        utm_source,
        referrer,
        case
            when
                utm_source is null
                and utm_medium is null
                and utm_campaign is null
                and referrer is null
                and campaign_id is null
                then 1
            else 0
        end as is_sourceless

    from touchpoints

),

matches as (

    select
        channel_keys.channel_key,
        rules.channel,
        rules.rule_order,
        row_number() over (
            partition by channel_keys.channel_key
            order by rules.rule_order asc
        ) as match_rank

    from channel_keys
    inner join rules
        on
            (rules.touch_type is null or channel_keys.touch_type = rules.touch_type)
            and (rules.campaign_type is null or channel_keys.campaign_type = rules.campaign_type)
            and (rules.utm_medium is null or channel_keys.utm_medium like rules.utm_medium)
            and (rules.utm_source is null or channel_keys.utm_source like rules.utm_source)
            and (rules.referrer is null or channel_keys.referrer like rules.referrer)

),

classified as (

    select
        channel_keys.channel_key,
        matches.rule_order as matched_rule_order,
        coalesce(
            matches.channel,
            case when channel_keys.is_sourceless = 1 then 'Direct' else 'Other' end
        ) as rule_channel

    from channel_keys
    left join matches
        on
            channel_keys.channel_key = matches.channel_key
            and matches.match_rank = 1

)

select * from classified
