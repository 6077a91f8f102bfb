-- Quarantine: campaign actual costs that reach no mart, with the reason, so that none is lost
-- silently: no currency, no fx rate on or before the start date, no dates at all, or a
-- campaign that starts after the as-of date. A warning test lists these rows.
with

campaigns as (

    select * from {{ ref('int_campaigns_converted') }}

),

currencies_with_rates as (

    {{ currencies_with_first_rate() }}

),

unconverted as (

    select
        campaigns.campaign_id,
        campaigns.actual_cost,
        campaigns.currency,
        campaigns.start_date,
        campaigns.end_date,
        case
            when campaigns.cost_start_date is null then 'campaign has neither start_date nor end_date'
            when campaigns.currency is null then 'campaign has no currency'
            when campaigns.usd_per_unit is null
                then {{ usd_unconverted_reason(
                    'campaigns.currency', 'currencies_with_rates.first_rate_date', 'start date'
                ) }}
            else 'campaign starts after the as-of date'
        end as reason

    from campaigns
    left join currencies_with_rates
        on campaigns.currency = currencies_with_rates.currency
    where
        campaigns.actual_cost is not null
        and (campaigns.actual_cost_usd is null or campaigns.cost_days = 0)

)

select * from unconverted
