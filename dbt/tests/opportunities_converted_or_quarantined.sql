-- No opportunity vanishes between staging and the marts: every staged opportunity is in
-- dim_opportunities exactly once, with its own amount and currency, and is either converted
-- to USD or listed in int_opportunities_unconverted (then with a NULL amount_usd), never both,
-- never neither.
with

staged as (

    select
        opportunity_id,
        currency,
        amount

    from {{ ref('stg_crm__opportunities') }}

),

marts as (

    select
        opportunity_id,
        count(*) as times_in_mart,
        max(currency) as currency,
        max(amount) as amount,
        sum(case when amount_usd is null then 0 else 1 end) as times_converted

    from {{ ref('dim_opportunities') }}
    group by opportunity_id

),

listed as (

    select
        opportunity_id,
        count(*) as times_listed

    from {{ ref('int_opportunities_unconverted') }}
    group by opportunity_id

),

counted as (

    select
        staged.opportunity_id,
        coalesce(marts.times_in_mart, 0) as times_in_mart,
        coalesce(marts.times_converted, 0) + coalesce(listed.times_listed, 0) as times_accounted,
        staged.currency as staged_currency,
        marts.currency as mart_currency,
        staged.amount as staged_amount,
        marts.amount as mart_amount

    from staged
    left join marts
        on staged.opportunity_id = marts.opportunity_id
    left join listed
        on staged.opportunity_id = listed.opportunity_id

)

select * from counted
where
    times_in_mart != 1
    or times_accounted != 1
    or mart_currency != staged_currency
    or mart_amount != staged_amount
