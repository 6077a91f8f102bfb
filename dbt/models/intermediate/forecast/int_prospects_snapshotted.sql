-- Every prospect (a lead not yet SQL and without an opportunity, as rpt_prospect_inventory
-- counts them) as it stood at every month start while open, and at the as-of time: 'lead' or
-- 'mql' then, its segment and region, and whether it became a won deal (when, and its share of
-- the deal's USD amount: a deal several leads converted to is split equally among them, so the
-- leads' shares add up to the deal). The forecast learns from these what a prospect of each kind
-- is worth in bookings, and when; the outcome columns are read only when known by a cutoff.

with

events as (

    select * from {{ ref('fct_funnel_events') }}
    where entity_type = 'lead'

),

opportunities as (

    select * from {{ ref('dim_opportunities') }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

as_of as (

    select as_of_at from {{ ref('int_as_of_resolved') }}

),

snapshot_times as (

    select cast(month_start as {{ dbt.type_timestamp() }}) as snapshot_at from months
    union
    select as_of_at as snapshot_at from as_of

),

leads as (

    select
        entity_id as contact_id,
        max(segment) as segment,
        max(region) as region,
        max(case when stage = 'lead' then reached_at end) as lead_at,
        max(case when stage = 'mql' then reached_at end) as mql_at,
        max(case when stage = 'sql' then reached_at end) as sql_at,
        max(case when stage = 'opportunity' then reached_at end) as opportunity_at,
        max(case when stage = 'won' then reached_at end) as won_at,
        max(case when stage = 'won' then opportunity_id end) as won_opportunity_id

    from events
    group by entity_id

),

leads_per_won_deal as (

    select
        won_opportunity_id,
        count(*) as converted_leads

    from leads
    where won_opportunity_id is not null
    group by won_opportunity_id

),

valued as (

    select
        leads.*,
        cast(opportunities.amount_usd as double) / cast(leads_per_won_deal.converted_leads as double)
            as won_share_usd

    from leads
    left join leads_per_won_deal
        on leads.won_opportunity_id = leads_per_won_deal.won_opportunity_id
    left join opportunities
        on leads.won_opportunity_id = opportunities.opportunity_id

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
            valued.lead_at < snapshot_times.snapshot_at
            and (valued.sql_at is null or valued.sql_at >= snapshot_times.snapshot_at)
            and (valued.opportunity_at is null or valued.opportunity_at >= snapshot_times.snapshot_at)

)

select * from final
