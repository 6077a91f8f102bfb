-- Each cutoff's open deals, as the forecast sees them: the deal's stage, amount and age band at
-- the cutoff, its win rate and median close lag from the finest pooling of
-- int_forecast_rates_learned with at least `forecast_min_snapshots` resolved snapshots (cell,
-- then stage and segment, then stage, then all), spread over the 30-day lag buckets its won
-- peers closed in (int_forecast_close_lags_learned, the same pooling): one row per deal and
-- bucket, in the quarter of the bucket's middle day after the cutoff, with the expected
-- bookings (rate x bucket share x amount) and their variance as a coin that pays the amount
-- in that bucket or not (p x (1 - p) x amount^2).

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

lags as (

    select * from {{ ref('int_forecast_close_lags_learned') }}

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
        {% for pooling, columns in poolings -%}
            {{ pooling }}_rates.resolved_snapshots as {{ pooling }}_resolved,
            {{ pooling }}_rates.won_snapshots as {{ pooling }}_won,
        {% endfor -%}
        open_at_cutoff.*

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
        end as win_rate

    from pooled

),

-- The cell the picked pooling reads: its pooled columns are '(any)'.
keyed as (

    select
        picked.*,
        case when picked.pooling = 'all' then '(any)' else picked.stage_name end as pooled_stage_name,
        case when picked.pooling in ('cell', 'stage_segment') then picked.segment else '(any)' end as pooled_segment,
        case when picked.pooling = 'cell' then picked.age_band else '(any)' end as pooled_age_band

    from picked

),

final as (

    select
        keyed.cutoff_at,
        keyed.cutoff_kind,
        keyed.opportunity_id,
        keyed.segment,
        keyed.region,
        keyed.stage_name,
        keyed.age_band,
        keyed.amount_usd,
        keyed.pooling,
        keyed.win_rate,
        lags.lag_bucket,
        cast({{ dbt.date_trunc('quarter', add_days_to_date(
            'cast(keyed.cutoff_at as date)', '30 * lags.lag_bucket + 15'
        )) }} as date) as expected_quarter_start,
        keyed.win_rate * coalesce(lags.share_of_wins, 0) * keyed.amount_usd as expected_bookings_usd,
        keyed.win_rate * coalesce(lags.share_of_wins, 0) * (1 - keyed.win_rate * coalesce(lags.share_of_wins, 0))
        * keyed.amount_usd * keyed.amount_usd as bookings_variance

    from keyed
    left join lags
        on
            keyed.cutoff_at = lags.cutoff_at
            and keyed.pooling = lags.pooling
            and keyed.pooled_stage_name = lags.stage_name
            and keyed.pooled_segment = lags.segment
            and keyed.pooled_age_band = lags.age_band

)

select * from final
