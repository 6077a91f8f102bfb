-- Each cutoff's bookings from pipeline not created yet, per segment, region and the quarter
-- they are expected to close in: the prospects open at the cutoff (leads and MQLs) and the
-- leads expected to be created in the forecast's four quarters (the segment and region's
-- daily rate over the `forecast_run_rate_days` (91) days before the cutoff), each worth what
-- its kind won within the horizon (int_forecast_prospect_values_learned, pooled like the open deals' rates), spread
-- over the 30-day lag buckets its kind won in (new leads counted from the middle of the days
-- they are created in). Variance: each bucket's wins counted as Poisson, each paying that
-- bucket's mean won amount.

{%- set poolings = forecast_prospect_poolings() %}

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

prospects as (

    select * from {{ ref('int_prospects_snapshotted') }}

),

leads as (

    select * from {{ ref('int_leads_progressed') }}

),

values_learned as (

    select * from {{ ref('int_forecast_prospect_values_learned') }}

),

totals as (

    select * from values_learned
    where
        lag_bucket is null
        and (matured_snapshots >= {{ var('forecast_min_snapshots') }} or pooling = 'all')

),

buckets as (

    select * from values_learned
    where lag_bucket is not null

),

-- The four quarters of each cutoff; the days of each that lie after the cutoff are below.
forecast_quarters as (

    select * from {{ ref('int_forecast_quarters_listed') }}

),

creation_spans as (

    select
        cutoff_at,
        quarter_start,
        case
            when quarter_start > cast(cutoff_at as date) then quarter_start
            else cast(cutoff_at as date)
        end as span_start,
        next_quarter_start as span_end

    from forecast_quarters

),

lead_rates as (

    select
        cutoffs.cutoff_at,
        coalesce(leads.segment, '(none)') as segment,
        coalesce(leads.region, '(none)') as region,
        cast(count(*) as double) / {{ var('forecast_run_rate_days') }} as leads_per_day

    from cutoffs
    inner join leads
        on
            cutoffs.cutoff_at > leads.lead_created_at
            and leads.lead_created_at >= {{ add_days('cutoffs.cutoff_at', -var('forecast_run_rate_days')) }}
    group by
        cutoffs.cutoff_at,
        coalesce(leads.segment, '(none)'),
        coalesce(leads.region, '(none)')

),

-- Who is counted: the prospects open at the cutoff, and the leads to come in each span.
counted as (

    select
        cutoffs.cutoff_at,
        'inventory' as source,
        prospects.prospect_stage,
        prospects.segment,
        prospects.region,
        cast(cutoffs.cutoff_at as date) as counted_from,
        cast(count(*) as double) as prospects

    from cutoffs
    inner join prospects
        on cutoffs.cutoff_at = prospects.snapshot_at
    group by
        cutoffs.cutoff_at,
        prospects.prospect_stage,
        prospects.segment,
        prospects.region

    union all

    select
        creation_spans.cutoff_at,
        'new leads' as source,
        'lead' as prospect_stage,
        lead_rates.segment,
        lead_rates.region,
        {{ add_days_to_date(
            'creation_spans.span_start',
            'cast(floor(' ~ days_between('creation_spans.span_start', 'creation_spans.span_end') ~ ' / 2) as integer)'
        ) }} as counted_from,
        lead_rates.leads_per_day * {{ days_between('creation_spans.span_start', 'creation_spans.span_end') }}
            as prospects

    from creation_spans
    inner join lead_rates
        on creation_spans.cutoff_at = lead_rates.cutoff_at

),

pooled as (

    select
        {% for pooling, columns in poolings -%}
            {{ pooling }}_values.matured_snapshots as {{ pooling }}_matured,
        {% endfor -%}
        counted.*

    from counted
    {% for pooling, columns in poolings -%}
        left join totals as {{ pooling }}_values
            on
                counted.cutoff_at = {{ pooling }}_values.cutoff_at
                and {{ pooling }}_values.pooling = '{{ pooling }}'
                {% for column in columns -%}
                    and counted.{{ column }} = {{ pooling }}_values.{{ column }}
                {% endfor %}
    {% endfor %}

),

picked as (

    select
        cutoff_at,
        source,
        prospect_stage,
        segment,
        region,
        counted_from,
        prospects,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_matured is not null then '{{ pooling }}'
            {% endfor -%}
        end as pooling,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_matured is not null then {{ pooling }}_matured
            {% endfor -%}
        end as matured_snapshots

    from pooled

),

-- The kind the picked pooling reads: its pooled columns are '(any)'.
keyed as (

    select
        picked.*,
        case when picked.pooling = 'all' then '(any)' else picked.prospect_stage end as pooled_prospect_stage,
        case when picked.pooling = 'stage_segment' then picked.segment else '(any)' end as pooled_segment

    from picked

),

final as (

    select
        keyed.cutoff_at,
        keyed.source,
        keyed.prospect_stage,
        keyed.segment,
        keyed.region,
        keyed.prospects,
        keyed.pooling,
        buckets.lag_bucket,
        cast({{ dbt.date_trunc('quarter', add_days_to_date(
            'keyed.counted_from', '30 * buckets.lag_bucket + 15'
        )) }} as date) as expected_quarter_start,
        coalesce(keyed.prospects * buckets.won_usd / keyed.matured_snapshots, 0) as expected_bookings_usd,
        coalesce(
            keyed.prospects * (cast(buckets.won_snapshots as double) / keyed.matured_snapshots)
            * (buckets.won_usd / buckets.won_snapshots) * (buckets.won_usd / buckets.won_snapshots),
            0
        ) as bookings_variance

    from keyed
    left join buckets
        on
            keyed.cutoff_at = buckets.cutoff_at
            and keyed.pooling = buckets.pooling
            and keyed.pooled_prospect_stage = buckets.prospect_stage
            and keyed.pooled_segment = buckets.segment

)

select * from final
