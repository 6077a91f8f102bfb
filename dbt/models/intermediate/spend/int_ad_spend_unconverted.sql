-- Quarantine: ad spend left out of every mart, with the reason, so that none is lost silently:
-- its currency has no fx rate on or before the spend date (or none at all), or it is dated
-- after the run's as-of time (a plan, not an actual). A warning test lists these rows.
with

ad_spend as (

    select * from {{ ref('stg_campaign__ad_spend') }}

),

converted as (

    select ad_spend_id from {{ ref('int_ad_spend_converted') }}

),

currencies_with_rates as (

    {{ currencies_with_first_rate() }}

),

unconverted as (

    select
        ad_spend.ad_spend_id,
        ad_spend.spend_date,
        ad_spend.platform,
        ad_spend.campaign_id,
        ad_spend.utm_campaign,
        ad_spend.spend,
        ad_spend.currency,
        case
            when {{ dbt.cast('ad_spend.spend_date', dbt.type_timestamp()) }} >= {{ as_of_timestamp() }}
                then 'spend date not before the as-of time'
            else {{ usd_unconverted_reason(
                'ad_spend.currency', 'currencies_with_rates.first_rate_date', 'spend date'
            ) }}
        end as reason

    from ad_spend
    left join converted
        on ad_spend.ad_spend_id = converted.ad_spend_id
    left join currencies_with_rates
        on ad_spend.currency = currencies_with_rates.currency
    where converted.ad_spend_id is null

)

select * from unconverted
