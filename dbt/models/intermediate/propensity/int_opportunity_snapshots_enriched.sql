-- Every open opportunity at every snapshot instant (the forecast's int_opportunities_snapshotted:
-- stage and amount then), with what the win model needs beside them: its type, the account's
-- industry, days open, its buying group (contact roles: the export dates them with nothing, so a
-- deal's roles count from its creation on), and the account's engagement in the 90 days before
-- the snapshot (0 without a touch). The outcome, is_won, is known from the day after the close
-- date (outcome_known_at); a deal still open at the as-of time has none yet.

with

snapshots as (

    select * from {{ ref('int_opportunities_snapshotted') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

contact_roles as (

    select * from {{ ref('stg_crm__opportunity_contact_roles') }}

),

engagement as (

    select * from {{ ref('int_account_engagement_snapshotted') }}

),

buying_groups as (

    select
        opportunity_id,
        count(distinct contact_id) as buying_group_size,
        max(case when role in ('Decision Maker', 'Economic Buyer') then 1 else 0 end) as has_decision_maker,
        max(case when role = 'Champion' then 1 else 0 end) as has_champion

    from contact_roles
    group by opportunity_id

),

final as (

    select
        {{ dbt.concat([
            'snapshots.opportunity_id', "'|'", dbt.cast('snapshots.snapshot_at', dbt.type_string())
        ]) }} as opportunity_snapshot_id,
        snapshots.opportunity_id,
        opportunities.account_id,
        snapshots.snapshot_at,
        snapshots.stage_name,
        snapshots.segment,
        snapshots.region,
        coalesce(opportunities.industry, '(none)') as industry,
        coalesce(opportunities.opportunity_type, '(none)') as opportunity_type,
        snapshots.amount_usd,
        {{ days_between('opportunities.created_at', 'snapshots.snapshot_at') }} as days_open,
        coalesce(buying_groups.buying_group_size, 0) as buying_group_size,
        coalesce(buying_groups.has_decision_maker, 0) as has_decision_maker,
        coalesce(buying_groups.has_champion, 0) as has_champion,
        coalesce(engagement.touches_30d, 0) as touches_30d,
        coalesce(engagement.touches_90d, 0) as touches_90d,
        coalesce(engagement.engagement_trend, 0) as engagement_trend,
        coalesce(engagement.form_fills_90d, 0) as form_fills_90d,
        coalesce(engagement.event_responses_90d, 0) as event_responses_90d,
        coalesce(engagement.contacts_engaged_90d, 0) as contacts_engaged_90d,
        coalesce(engagement.days_since_last_touch, 91) as days_since_last_touch,
        case when snapshots.is_closed then case when snapshots.is_won then 1 else 0 end end as is_won,
        case
            when snapshots.is_closed
                then cast({{ add_days_to_date('snapshots.close_date', 1) }} as {{ dbt.type_timestamp() }})
        end as outcome_known_at

    from snapshots
    inner join opportunities
        on snapshots.opportunity_id = opportunities.opportunity_id
    left join buying_groups
        on snapshots.opportunity_id = buying_groups.opportunity_id
    left join engagement
        on
            opportunities.account_id = engagement.account_id
            and snapshots.snapshot_at = engagement.snapshot_at

)

select * from final
