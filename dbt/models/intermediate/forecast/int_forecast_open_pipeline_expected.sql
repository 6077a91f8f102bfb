-- Each cutoff's open deals, as the forecast sees them: the deal's stage, amount and age band at
-- the cutoff, its win rate and median close lag from the finest pooling of
-- int_forecast_rates_learned with at least `forecast_min_snapshots` resolved snapshots (cell,
-- then stage and segment, then stage, then all), the quarter it is expected to close in
-- (the cutoff's day plus the lag), and its expected bookings (rate x amount) with their
-- variance as a coin that pays the amount or nothing (rate x (1 - rate) x amount^2).

{%- set poolings = [
    ('cell', ['stage_name', 'segment', 'age_band']),
    ('stage_segment', ['stage_name', 'segment']),
    ('stage', ['stage_name']),
    ('all', []),
] %}

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

snapshots as (

    select * from {{ ref('int_opportunities_snapshotted') }}

),

rates as (

    select * from {{ ref('int_forecast_rates_learned') }}
    where resolved_snapshots >= {{ var('forecast_min_snapshots') }} or pooling = 'all'

),

open_at_cutoff as (

    select
        cutoffs.cutoff_at,
        cutoffs.cutoff_kind,
        snapshots.opportunity_id,
        snapshots.segment,
        snapshots.region,
        snapshots.stage_name,
        snapshots.age_band,
        snapshots.amount_usd

    from cutoffs
    inner join snapshots
        on cutoffs.cutoff_at = snapshots.snapshot_at

),

pooled as (

    select
        open_at_cutoff.*,
        {% for pooling, columns in poolings -%}
            {{ pooling }}_rates.resolved_snapshots as {{ pooling }}_resolved,
            {{ pooling }}_rates.won_snapshots as {{ pooling }}_won,
            {{ pooling }}_rates.median_days_to_close_won as {{ pooling }}_days{{ ',' if not loop.last }}
        {% endfor %}

    from open_at_cutoff
    {% for pooling, columns in poolings -%}
        left join rates as {{ pooling }}_rates
            on
                open_at_cutoff.cutoff_at = {{ pooling }}_rates.cutoff_at
                and {{ pooling }}_rates.pooling = '{{ pooling }}'
                {% for column in columns -%}
                    and open_at_cutoff.{{ column }} = {{ pooling }}_rates.{{ column }}
                {% endfor %}
    {% endfor %}

),

picked as (

    select
        cutoff_at,
        cutoff_kind,
        opportunity_id,
        segment,
        region,
        stage_name,
        age_band,
        amount_usd,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_resolved is not null then '{{ pooling }}'
            {% endfor -%}
        end as pooling,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_resolved is not null
                    then cast({{ pooling }}_won as double) / cast({{ pooling }}_resolved as double)
            {% endfor -%}
        end as win_rate,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_resolved is not null then {{ pooling }}_days
            {% endfor -%}
        end as median_days_to_close_won

    from pooled

),

final as (

    select
        cutoff_at,
        cutoff_kind,
        opportunity_id,
        segment,
        region,
        stage_name,
        age_band,
        amount_usd,
        pooling,
        win_rate,
        median_days_to_close_won,
        cast({{ dbt.date_trunc('quarter', add_days_to_date(
            'cast(cutoff_at as date)', 'cast(round(median_days_to_close_won) as integer)'
        )) }} as date) as expected_quarter_start,
        win_rate * amount_usd as expected_bookings_usd,
        win_rate * (1 - win_rate) * amount_usd * amount_usd as bookings_variance

    from picked

)

select * from final
