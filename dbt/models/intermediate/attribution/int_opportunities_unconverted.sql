-- Quarantine list: the opportunities that cannot be converted to USD because their currency
-- has no fx rate on or before the close date (or none at all), with the reason. They stay in
-- dim_opportunities with a NULL amount_usd (never converted as 1.0) and are left out of
-- attributed money; this model, derived from int_opportunities_converted so the rule lives in
-- one place, lists them for a warning test and the data-quality counts.
with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

unconverted as (

    select
        opportunity_id,
        account_id,
        currency,
        amount,
        close_date,
        usd_unconverted_reason as reason

    from opportunities
    where amount_usd is null

)

select * from unconverted
