-- Every campaign actual cost is either spread over months, with the monthly allocations
-- summing to the converted cost (to the cent), or quarantined; never both, never neither.
with

campaigns as (

    select * from {{ ref('int_campaigns_converted') }}
    where actual_cost is not null

),

allocated as (

    select
        campaign_id,
        sum(cost_usd) as allocated_usd

    from {{ ref('int_campaign_costs_allocated') }}
    group by campaign_id

),

quarantined as (

    select campaign_id from {{ ref('int_campaign_costs_unconverted') }}

),

checked as (

    select
        campaigns.campaign_id,
        campaigns.actual_cost_usd,
        allocated.allocated_usd,
        quarantined.campaign_id is not null as is_quarantined

    from campaigns
    left join allocated
        on campaigns.campaign_id = allocated.campaign_id
    left join quarantined
        on campaigns.campaign_id = quarantined.campaign_id

)

select * from checked
where
    (allocated_usd is null and not is_quarantined)
    or (allocated_usd is not null and is_quarantined)
    or (not is_quarantined and abs(coalesce(allocated_usd, 0) - coalesce(actual_cost_usd, 0)) >= 0.005)
