-- All spend in USD, one row per spend line: each converted ad-spend row (per day, platform
-- and campaign) and each month's share of a campaign's actual program cost. Ad spend is paid
-- media: it takes its campaign's channel when that is a paid one (a Display campaign's Google
-- ads are Display), else its platform's (the LinkedIn ads of an event campaign are Paid
-- Social, as are the clicks they buy); a program cost takes its campaign's channel. The
-- campaign stays a column of its own. Spend matching no
-- campaign keeps its row, with campaign_id NULL, so efficiency reports never drop money.
-- spend_owner comes from the channel: sales channels' costs (Outbound) are sales spend.
with

ad_spend as (

    select * from {{ ref('int_ad_spend_converted') }}

),

campaign_costs as (

    select * from {{ ref('int_campaign_costs_allocated') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

ad_platforms as (

    select * from {{ ref('ad_platforms') }}

),

channels as (

    select * from {{ ref('channels') }}

),

spend_lines as (

    select
        {{ dbt.concat(["'ad|'", 'ad_spend.ad_spend_id']) }} as spend_id,
        'ad_spend' as spend_type,
        ad_spend.spend_date,
        ad_spend.platform,
        ad_spend.campaign_id,
        ad_spend.match_method,
        coalesce(
            case when campaign_channels.is_paid then campaigns.channel end,
            ad_platforms.channel,
            campaigns.channel,
            'Other'
        ) as channel,
        ad_spend.spend_usd

    from ad_spend
    left join campaigns
        on ad_spend.campaign_id = campaigns.campaign_id
    left join channels as campaign_channels
        on campaigns.channel = campaign_channels.channel
    left join ad_platforms
        on ad_spend.platform = ad_platforms.platform

    union all

    select
        {{ dbt.concat(["'cost|'", 'campaign_costs.campaign_cost_id']) }} as spend_id,
        'campaign_cost' as spend_type,
        campaign_costs.month_start as spend_date,
        cast(null as {{ dbt.type_string() }}) as platform,
        campaign_costs.campaign_id,
        'campaign_id' as match_method,
        campaigns.channel,
        campaign_costs.cost_usd as spend_usd

    from campaign_costs
    inner join campaigns
        on campaign_costs.campaign_id = campaigns.campaign_id

),

final as (

    select
        spend_lines.spend_id,
        spend_lines.spend_type,
        cast(spend_lines.spend_date as date) as spend_date,
        cast({{ dbt.date_trunc('month', 'spend_lines.spend_date') }} as date) as month_start,
        spend_lines.platform,
        spend_lines.campaign_id,
        spend_lines.match_method,
        spend_lines.channel,
        coalesce(channels.is_paid, false) as is_paid,
        coalesce(channels.spend_owner, 'marketing') as spend_owner,
        cast(spend_lines.spend_usd as double) as spend_usd

    from spend_lines
    left join channels
        on spend_lines.channel = channels.channel

)

select * from final
