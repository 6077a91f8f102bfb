-- Every account without an open opportunity at every snapshot instant (month starts and the
-- as-of time), with what was known of it then: its segment, region and industry (the account
-- version valid at the snapshot), engagement in the 90 days before (int_account_engagement_
-- snapshotted; 0 without a touch), its funnel (leads and MQLs created in the 90 days, MQLs still
-- open) and its history (deals created, won and lost before). The outcome: a new opportunity
-- (any type but Renewal, which the contract calendar creates, not a buying signal) created within
-- propensity_horizon_days after the snapshot, known from outcome_known_at on. What the account
-- propensity model trains on (outcome known before its cutoff) and scores (the as-of rows).

with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

account_versions as (

    select * from {{ ref('stg_crm__account_versions') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

open_deal_snapshots as (

    select * from {{ ref('int_opportunity_snapshots_enriched') }}

),

engagement as (

    select * from {{ ref('int_account_engagement_snapshotted') }}

),

snapshot_times as (

    select * from {{ ref('int_forecast_snapshot_times_listed') }}

),

settings as (

    select * from {{ ref('int_propensity_settings') }}

),

existing as (

    select
        accounts.account_id,
        snapshot_times.snapshot_at

    from accounts
    inner join snapshot_times
        on accounts.created_at < snapshot_times.snapshot_at

),

-- An account with a deal open at the snapshot (as the forecast counts them: created before it,
-- not closed on a day before it) is the win model's, not this one's.
with_open_deal as (

    select distinct
        account_id,
        snapshot_at

    from open_deal_snapshots

),

candidates as (

    select existing.*

    from existing
    left join with_open_deal
        on
            existing.account_id = with_open_deal.account_id
            and existing.snapshot_at = with_open_deal.snapshot_at
    where with_open_deal.account_id is null

),

version_then as (

    select
        candidates.account_id,
        candidates.snapshot_at,
        account_versions.segment,
        account_versions.region,
        account_versions.industry,
        {{ account_version_rank(
            ['candidates.account_id', 'candidates.snapshot_at'], 'candidates.snapshot_at'
        ) }} as version_rank

    from candidates
    inner join account_versions
        on candidates.account_id = account_versions.account_id

),

deal_history as (

    select
        candidates.account_id,
        candidates.snapshot_at,
        count(*) as deals_before,
        sum(
            case
                when opportunities.is_won and opportunities.close_date < cast(candidates.snapshot_at as date) then 1
                else 0
            end
        ) as deals_won_before,
        sum(
            case
                when
                    opportunities.is_closed and not opportunities.is_won
                    and opportunities.close_date < cast(candidates.snapshot_at as date)
                    then 1
                else 0
            end
        ) as deals_lost_before,
        min({{ days_between('opportunities.created_at', 'candidates.snapshot_at') }}) as days_since_last_deal

    from candidates
    inner join opportunities
        on
            candidates.account_id = opportunities.account_id
            and candidates.snapshot_at > opportunities.created_at
    group by
        candidates.account_id,
        candidates.snapshot_at

),

funnel as (

    select
        candidates.account_id,
        candidates.snapshot_at,
        sum(
            case
                when contacts.lead_created_at >= {{ add_days('candidates.snapshot_at', -90) }} then 1 else 0
            end
        ) as leads_90d,
        sum(
            case
                when
                    contacts.mql_at < candidates.snapshot_at
                    and contacts.mql_at >= {{ add_days('candidates.snapshot_at', -90) }}
                    then 1
                else 0
            end
        ) as mqls_90d,
        sum(
            case
                when
                    contacts.mql_at < candidates.snapshot_at
                    and (contacts.sql_at is null or contacts.sql_at >= candidates.snapshot_at)
                    then 1
                else 0
            end
        ) as open_mqls

    from candidates
    inner join contacts
        on
            candidates.account_id = contacts.account_id
            and candidates.snapshot_at > contacts.lead_created_at
    group by
        candidates.account_id,
        candidates.snapshot_at

),

outcomes as (

    select
        candidates.account_id,
        candidates.snapshot_at,
        count(*) as new_opportunities

    from candidates
    cross join settings
    inner join opportunities
        on
            candidates.account_id = opportunities.account_id
            and candidates.snapshot_at <= opportunities.created_at
            and opportunities.created_at < {{ add_days('candidates.snapshot_at', 'settings.horizon_days') }}
            and coalesce(opportunities.opportunity_type, '') != 'Renewal'
    group by
        candidates.account_id,
        candidates.snapshot_at

),

final as (

    select
        {{ dbt.concat([
            'candidates.account_id', "'|'", dbt.cast('candidates.snapshot_at', dbt.type_string())
        ]) }} as account_snapshot_id,
        candidates.account_id,
        candidates.snapshot_at,
        coalesce(version_then.segment, '(none)') as segment,
        coalesce(version_then.region, '(none)') as region,
        coalesce(version_then.industry, '(none)') as industry,
        coalesce(engagement.touches_14d, 0) as touches_14d,
        coalesce(engagement.touches_30d, 0) as touches_30d,
        coalesce(engagement.touches_90d, 0) as touches_90d,
        coalesce(engagement.engagement_trend, 0) as engagement_trend,
        coalesce(engagement.form_fills_90d, 0) as form_fills_90d,
        coalesce(engagement.event_responses_90d, 0) as event_responses_90d,
        coalesce(engagement.paid_touches_90d, 0) as paid_touches_90d,
        coalesce(engagement.contacts_engaged_30d, 0) as contacts_engaged_30d,
        coalesce(engagement.contacts_engaged_90d, 0) as contacts_engaged_90d,
        coalesce(engagement.days_since_last_touch, 91) as days_since_last_touch,
        coalesce(funnel.leads_90d, 0) as leads_90d,
        coalesce(funnel.mqls_90d, 0) as mqls_90d,
        coalesce(funnel.open_mqls, 0) as open_mqls,
        coalesce(deal_history.deals_before, 0) as deals_before,
        coalesce(deal_history.deals_won_before, 0) as deals_won_before,
        coalesce(deal_history.deals_lost_before, 0) as deals_lost_before,
        coalesce(deal_history.days_since_last_deal, 9999) as days_since_last_deal,
        case when outcomes.new_opportunities > 0 then 1 else 0 end as has_new_opportunity,
        {{ add_days('candidates.snapshot_at', 'settings.horizon_days') }} as outcome_known_at

    from candidates
    cross join settings
    left join version_then
        on
            candidates.account_id = version_then.account_id
            and candidates.snapshot_at = version_then.snapshot_at
            and version_then.version_rank = 1
    left join engagement
        on
            candidates.account_id = engagement.account_id
            and candidates.snapshot_at = engagement.snapshot_at
    left join funnel
        on
            candidates.account_id = funnel.account_id
            and candidates.snapshot_at = funnel.snapshot_at
    left join deal_history
        on
            candidates.account_id = deal_history.account_id
            and candidates.snapshot_at = deal_history.snapshot_at
    left join outcomes
        on
            candidates.account_id = outcomes.account_id
            and candidates.snapshot_at = outcomes.snapshot_at

)

select * from final
