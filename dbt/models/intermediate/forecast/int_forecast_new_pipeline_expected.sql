-- Each cutoff's bookings from pipeline not created yet, per segment, region and the quarter
-- they are expected to close in: the prospects open at the cutoff (leads and MQLs) and the
-- leads expected to be created in the forecast's four quarters (the segment and region's
-- daily rate over the 365 days before the cutoff), each worth what its kind won within the
-- horizon (int_forecast_prospect_values_learned, pooled like the open deals' rates), placed
-- by the median days to the win (new leads from the middle of the days they are created in).
-- Variance: the wins counted as Poisson, each paying the kind's mean won amount.

{%- set poolings = [
    ('stage_segment', ['prospect_stage', 'segment']),
    ('stage', ['prospect_stage']),
    ('all', []),
] %}

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

prospects as (

    select * from {{ ref('int_prospects_snapshotted') }}

),

lead_events as (

    select * from {{ ref('fct_funnel_events') }}
    where entity_type = 'lead' and stage = 'lead'

),

values_learned as (

    select * from {{ ref('int_forecast_prospect_values_learned') }}
    where matured_snapshots >= {{ var('forecast_min_snapshots') }} or pooling = 'all'

),

-- The four quarters of each cutoff, and the days of each that lie after the cutoff.
quarter_offsets as (

    {{ integer_series(1, 'quarter_offset') }}

),

forecast_quarters as (

    select
        cutoffs.cutoff_at,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarter_offset') }}
            as quarter_start,
        {{ add_months_to_date('cutoffs.first_quarter_start', '3 * quarter_offsets.quarter_offset + 3') }}
            as next_quarter_start

    from cutoffs
    cross join quarter_offsets
    where quarter_offsets.quarter_offset < 4

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
        coalesce(lead_events.segment, '(none)') as segment,
        coalesce(lead_events.region, '(none)') as region,
        cast(count(*) as double) / 365 as leads_per_day

    from cutoffs
    inner join lead_events
        on
            lead_events.reached_at < cutoffs.cutoff_at
            and lead_events.reached_at >= {{ add_days('cutoffs.cutoff_at', -365) }}
    group by
        cutoffs.cutoff_at,
        coalesce(lead_events.segment, '(none)'),
        coalesce(lead_events.region, '(none)')

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
        counted.*,
        {% for pooling, columns in poolings -%}
            {{ pooling }}_values.matured_snapshots as {{ pooling }}_matured,
            {{ pooling }}_values.won_snapshots as {{ pooling }}_won,
            {{ pooling }}_values.won_usd as {{ pooling }}_usd,
            {{ pooling }}_values.median_days_to_won as {{ pooling }}_days{{ ',' if not loop.last }}
        {% endfor %}

    from counted
    {% for pooling, columns in poolings -%}
        left join values_learned as {{ pooling }}_values
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
        {% for measure in ['matured', 'won', 'usd', 'days'] -%}
            case
                {% for pooling, columns in poolings -%}
                    when {{ pooling }}_matured is not null then {{ pooling }}_{{ measure }}
                {% endfor -%}
            end as picked_{{ measure }}{{ ',' if not loop.last }}
        {% endfor %}

    from pooled

),

final as (

    select
        cutoff_at,
        source,
        prospect_stage,
        segment,
        region,
        prospects,
        cast({{ dbt.date_trunc('quarter', add_days_to_date(
            'counted_from', 'cast(round(picked_days) as integer)'
        )) }} as date) as expected_quarter_start,
        prospects * picked_usd / picked_matured as expected_bookings_usd,
        case
            when picked_won > 0
                then prospects * (cast(picked_won as double) / picked_matured)
                * (picked_usd / picked_won) * (picked_usd / picked_won)
            else 0
        end as bookings_variance

    from picked

)

select * from final
