-- Nothing lost between staging and the marts: every ad-spend row is either converted to USD
-- or quarantined (no fx rate, or dated after the as-of time), never both, never neither.
with

staged as (

    select ad_spend_id from {{ ref('stg_campaign__ad_spend') }}

),

accounted as (

    select ad_spend_id from {{ ref('int_ad_spend_converted') }}
    union all
    select ad_spend_id from {{ ref('int_ad_spend_unconverted') }}

),

counted as (

    select
        staged.ad_spend_id,
        count(accounted.ad_spend_id) as times_accounted

    from staged
    left join accounted
        on staged.ad_spend_id = accounted.ad_spend_id
    group by staged.ad_spend_id

)

select * from counted
where times_accounted != 1
