-- Quarantine: opportunities that cannot be converted to USD because their currency has no
-- fx rate on or before the close date (or none at all). They are left out of every mart
-- rather than converted as 1.0; a warning test lists them so nothing is lost silently.
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

converted as (

    select opportunity_id from {{ ref('int_opportunities_converted') }}

),

currencies_with_rates as (

    {{ currencies_with_first_rate() }}

),

unconverted as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.currency,
        opportunities.amount,
        opportunities.close_date,
        {{ usd_unconverted_reason('opportunities.currency', 'currencies_with_rates.first_rate_date', 'close date') }}
            as reason

    from opportunities
    left join converted
        on opportunities.opportunity_id = converted.opportunity_id
    left join currencies_with_rates
        on opportunities.currency = currencies_with_rates.currency
    where converted.opportunity_id is null

)

select * from unconverted
