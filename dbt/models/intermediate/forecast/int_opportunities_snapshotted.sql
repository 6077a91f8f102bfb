-- Every opportunity as it stood at every month start while it was open, and at the as-of time:
-- its stage and amount then (from the stage history entered before the snapshot), in USD at the
-- latest rate of a day before the snapshot (the close date's rate is not known yet), its age
-- band, and how it ended (won, lost, or still open). What the forecast learns win rates and
-- close lags from, and what it forecasts at a cutoff (a cutoff is a month start or the as-of
-- time, so every cutoff has its snapshots). Point in time: nothing entered, created or closed
-- at or after the snapshot shapes it, but the outcome columns do (the win-rate models read them
-- only when the deal closed before their cutoff).

with

opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

snapshot_times as (

    select * from {{ ref('int_forecast_snapshot_times_listed') }}

),

-- Open at the snapshot: created before it, and not closed on a day before it (a deal closed
-- on the snapshot's own day was still open at its start).
open_at_snapshot as (

    select
        opportunities.opportunity_id,
        snapshot_times.snapshot_at,
        opportunities.segment,
        opportunities.region,
        opportunities.created_at,
        opportunities.amount,
        opportunities.currency,
        {{ dbt.concat([
            'opportunities.opportunity_id', "'|'", dbt.cast('snapshot_times.snapshot_at', dbt.type_string())
        ]) }} as snapshot_key,
        {{ add_days_to_date('cast(snapshot_times.snapshot_at as date)', -1) }} as rate_day,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.close_date

    from opportunities
    inner join snapshot_times
        on
            opportunities.created_at < snapshot_times.snapshot_at
            and (
                not opportunities.is_closed
                or opportunities.close_date >= cast(snapshot_times.snapshot_at as date)
            )

),

stage_then as (

    select
        open_at_snapshot.opportunity_id,
        open_at_snapshot.snapshot_at,
        {{ last_by('stage_history.stage_name', ['stage_history.entered_at', 'stage_history.stage_name']) }}
            as stage_name,
        {{ last_by('stage_history.amount', ['stage_history.entered_at', 'stage_history.stage_name']) }}
            as amount

    from open_at_snapshot
    inner join stage_history
        on
            open_at_snapshot.opportunity_id = stage_history.opportunity_id
            and open_at_snapshot.snapshot_at > stage_history.entered_at
    group by
        open_at_snapshot.opportunity_id,
        open_at_snapshot.snapshot_at

),

rates_then as (

    {{ usd_rate_on_or_before('open_at_snapshot', 'snapshot_key', 'currency', 'rate_day') }}

),

final as (

    select
        open_at_snapshot.opportunity_id,
        open_at_snapshot.snapshot_at,
        coalesce(open_at_snapshot.segment, '(none)') as segment,
        coalesce(open_at_snapshot.region, '(none)') as region,
        coalesce(stage_then.stage_name, '(unknown)') as stage_name,
        cast({{ usd_cents(
            'coalesce(stage_then.amount, open_at_snapshot.amount)', 'rates_then.usd_per_unit'
        ) }} as double) as amount_usd,
        case
            when {{ days_between('open_at_snapshot.created_at', 'open_at_snapshot.snapshot_at') }} <= 30 then '0-30'
            when {{ days_between('open_at_snapshot.created_at', 'open_at_snapshot.snapshot_at') }} <= 90 then '31-90'
            when {{ days_between('open_at_snapshot.created_at', 'open_at_snapshot.snapshot_at') }} <= 180 then '91-180'
            else '181+'
        end as age_band,
        open_at_snapshot.is_closed,
        open_at_snapshot.is_won,
        open_at_snapshot.close_date,
        case
            when open_at_snapshot.is_closed
                then {{ days_between('open_at_snapshot.snapshot_at', 'open_at_snapshot.close_date') }}
        end as days_to_close

    from open_at_snapshot
    left join stage_then
        on
            open_at_snapshot.opportunity_id = stage_then.opportunity_id
            and open_at_snapshot.snapshot_at = stage_then.snapshot_at
    left join rates_then
        on open_at_snapshot.snapshot_key = rates_then.snapshot_key

)

select * from final
