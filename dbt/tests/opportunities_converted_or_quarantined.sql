-- Nothing lost between staging and the marts: every opportunity is either converted to USD
-- or quarantined for want of an fx rate, never both, never neither.
with

staged as (

    select opportunity_id from {{ ref('stg_crm__opportunities') }}

),

accounted as (

    select opportunity_id from {{ ref('int_opportunities_converted') }}
    union all
    select opportunity_id from {{ ref('int_opportunities_unconverted') }}

),

counted as (

    select
        staged.opportunity_id,
        count(accounted.opportunity_id) as times_accounted

    from staged
    left join accounted
        on staged.opportunity_id = accounted.opportunity_id
    group by staged.opportunity_id

)

select * from counted
where times_accounted != 1
