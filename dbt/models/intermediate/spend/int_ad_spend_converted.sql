-- Ad spend in USD, tied to the campaign it paid for, so that spend can sit next to attributed
-- pipeline and revenue per channel and campaign. A row is converted at the rate of its spend
-- date (or the latest earlier one); a row with no such rate, or dated on or after the as-of time,
-- is quarantined in int_ad_spend_unconverted instead, never converted as 1.0.
with

ad_spend as (

    select * from {{ ref('stg_campaign__ad_spend') }}

),

campaigns as (

    select * from {{ ref('stg_campaign__campaigns') }}

),

rates_on_or_before_spend as (

    {{ usd_rate_on_or_before('ad_spend', 'ad_spend_id', 'currency', 'spend_date') }}

),

-- One campaign per utm_campaign (the lowest id if a tag were reused), as touchpoints do.
campaigns_by_utm as (

    select
        utm_campaign,
        min(campaign_id) as campaign_id

    from campaigns
    where utm_campaign is not null
    group by utm_campaign

),

matched as (

    select
        ad_spend.ad_spend_id,
        coalesce(campaigns.campaign_id, campaigns_by_utm.campaign_id) as matched_campaign_id,
        case
            when campaigns.campaign_id is not null then 'campaign_id'
            when campaigns_by_utm.campaign_id is not null then 'utm_campaign'
            else 'unmatched'
        end as match_method

    from ad_spend
    left join campaigns
        on ad_spend.campaign_id = campaigns.campaign_id
    left join campaigns_by_utm
        on ad_spend.utm_campaign = campaigns_by_utm.utm_campaign

),

converted as (

    select
        ad_spend.ad_spend_id,
        ad_spend.spend_date,
        ad_spend.platform,
        ad_spend.campaign_id as source_campaign_id,
        ad_spend.utm_campaign,
        matched.matched_campaign_id as campaign_id,
        matched.match_method,
        ad_spend.impressions,
        ad_spend.clicks,
        ad_spend.spend,
        ad_spend.currency,
        rates_on_or_before_spend.usd_per_unit,
        ad_spend.spend * rates_on_or_before_spend.usd_per_unit as spend_usd

    from ad_spend
    inner join matched
        on ad_spend.ad_spend_id = matched.ad_spend_id
    left join rates_on_or_before_spend
        on ad_spend.ad_spend_id = rates_on_or_before_spend.ad_spend_id

)

select * from converted
where
    usd_per_unit is not null
    and {{ dbt.cast('spend_date', dbt.type_timestamp()) }} < {{ as_of_timestamp() }}
