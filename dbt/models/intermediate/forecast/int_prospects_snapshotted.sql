-- Every prospect (a lead not yet SQL and without an opportunity, as rpt_prospect_inventory
-- counts them) as it stood at every month start while open, and at the as-of time: 'lead' or
-- 'mql' then, its segment and region, and whether it became a won deal (when, and its share of
-- the deal's USD amount: a deal several leads converted to is split equally among them, so the
-- leads' shares add up to the deal). The forecast learns from these what a prospect of each kind
-- is worth in bookings, and when; the outcome columns are read only when known by a cutoff.

with

leads as (

    select * from {{ ref('int_leads_progressed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

snapshot_times as (

    select * from {{ ref('int_forecast_snapshot_times_listed') }}

),

leads_per_won_deal as (

    select
        opportunity_id,
        count(*) as converted_leads

    from leads
    where won_at is not null
    group by opportunity_id

),

valued as (

    select
        leads.*,
        cast(opportunities.amount_usd as double) / cast(leads_per_won_deal.converted_leads as double)
            as won_share_usd

    from leads
    left join leads_per_won_deal
        on
            leads.opportunity_id = leads_per_won_deal.opportunity_id
            and leads.won_at is not null
    left join opportunities
        on leads_per_won_deal.opportunity_id = opportunities.opportunity_id

),

final as (

    select
        valued.contact_id,
        snapshot_times.snapshot_at,
        case when valued.mql_at < snapshot_times.snapshot_at then 'mql' else 'lead' end as prospect_stage,
        coalesce(valued.segment, '(none)') as segment,
        coalesce(valued.region, '(none)') as region,
        valued.won_at,
        coalesce(valued.won_share_usd, 0) as won_share_usd,
        case
            when valued.won_at is not null
                then {{ days_between('snapshot_times.snapshot_at', 'valued.won_at') }}
        end as days_to_won

    from valued
    inner join snapshot_times
        on
            valued.lead_created_at < snapshot_times.snapshot_at
            and (valued.sql_at is null or valued.sql_at >= snapshot_times.snapshot_at)
            and (valued.opportunity_created_at is null or valued.opportunity_created_at >= snapshot_times.snapshot_at)

)

select * from final
