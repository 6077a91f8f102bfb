-- The prospects waiting at each month end: open leads (not yet MQL) and open MQLs (not yet SQL),
-- neither converted to an opportunity yet, by how long they have waited and how many went stale (no
-- touch in 90 days), so marketing and SDRs see the backlog they still have to work.
with

months as (

    select * from {{ ref('int_months_spined') }}

),

events as (

    select * from {{ ref('fct_funnel_events') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

leads as (

    select
        entity_id as contact_id,
        max(segment) as segment,
        max(case when stage = 'lead' then reached_at end) as lead_at,
        max(case when stage = 'mql' then reached_at end) as mql_at,
        max(case when stage = 'sql' then reached_at end) as sql_at,
        max(case when stage = 'opportunity' then reached_at end) as opportunity_at

    from events
    where entity_type = 'lead'
    group by entity_id

),

-- A lead is open at a snapshot when it was created before it and had reached neither MQL, SQL nor an
-- opportunity by then; an MQL when it became one before the snapshot and had reached neither SQL nor
-- an opportunity by then. "Before" is strict: snapshot_at is exclusive.
open_prospects as (

    select
        months.month_start,
        months.snapshot_at,
        leads.contact_id,
        leads.segment,
        case when leads.mql_at < months.snapshot_at then 'mql' else 'lead' end as stage,
        case when leads.mql_at < months.snapshot_at then leads.mql_at else leads.lead_at end as entered_at

    from months
    inner join leads
        on
            months.snapshot_at > leads.lead_at
            and (leads.sql_at is null or months.snapshot_at <= leads.sql_at)
            and (leads.opportunity_at is null or months.snapshot_at <= leads.opportunity_at)

),

recently_touched as (

    select distinct
        open_prospects.month_start,
        open_prospects.contact_id

    from open_prospects
    inner join touchpoints
        on
            open_prospects.contact_id = touchpoints.contact_id
            and open_prospects.snapshot_at > touchpoints.touched_at
            and {{ add_days('open_prospects.snapshot_at', -90) }} <= touchpoints.touched_at

),

aged as (

    select
        open_prospects.month_start,
        open_prospects.snapshot_at,
        open_prospects.stage,
        open_prospects.segment,
        -- Whole days from entering the stage to the snapshot.
        cast(
            floor({{ seconds_between('open_prospects.entered_at', 'open_prospects.snapshot_at') }} / 86400.0) as bigint
        ) as age_days,
        -- Stale: no touch and no stage entry in the 90 days before the snapshot.
        case
            when
                recently_touched.contact_id is null
                and open_prospects.entered_at < {{ add_days('open_prospects.snapshot_at', -90) }}
                then 1
            else 0
        end as is_stale

    from open_prospects
    left join recently_touched
        on
            open_prospects.month_start = recently_touched.month_start
            and open_prospects.contact_id = recently_touched.contact_id

),

bucketed as (

    select
        month_start,
        snapshot_at,
        stage,
        segment,
        case
            when age_days <= 30 then '0-30'
            when age_days <= 60 then '31-60'
            when age_days <= 90 then '61-90'
            when age_days <= 180 then '91-180'
            else '181+'
        end as age_bucket,
        case
            when age_days <= 30 then 1
            when age_days <= 60 then 2
            when age_days <= 90 then 3
            when age_days <= 180 then 4
            else 5
        end as age_bucket_order,
        is_stale

    from aged

),

aggregated as (

    select
        month_start,
        snapshot_at,
        stage,
        segment,
        age_bucket,
        age_bucket_order,
        cast(count(*) as bigint) as open_count,
        cast(sum(is_stale) as bigint) as stale_count

    from bucketed
    group by month_start, snapshot_at, stage, segment, age_bucket, age_bucket_order

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('month_start', dbt.type_string()), "'|'", 'stage', "'|'", 'segment', "'|'", 'age_bucket',
        ]) }} as report_row_id,
        month_start,
        snapshot_at,
        stage,
        cast(case when stage = 'lead' then 1 else 2 end as bigint) as stage_order,
        segment,
        age_bucket,
        cast(age_bucket_order as bigint) as age_bucket_order,
        open_count,
        stale_count,
        cast(stale_count as double) / nullif(open_count, 0) as stale_share

    from aggregated

)

select * from final
