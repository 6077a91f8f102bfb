-- Each cutoff's open deals, as the forecast sees them: the deal's stage, amount and age band at
-- the cutoff and, per 30-day lag bucket after the cutoff, its chance of winning in that bucket
-- from the finest pooling of int_forecast_rates_learned with at least `forecast_min_snapshots`
-- snapshots exposed to the bucket (cell, then stage and segment, then stage, then all): one row
-- per deal and bucket, in the quarter of the bucket's middle day after the cutoff, with the
-- expected bookings (chance x amount) and their variance as a coin that pays the amount in that
-- bucket or not (p x (1 - p) x amount^2).

{%- set poolings = forecast_deal_poolings() %}

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

snapshots as (

    select * from {{ ref('int_opportunities_snapshotted') }}

),

rates as (

    select * from {{ ref('int_forecast_rates_learned') }}
    where exposed_snapshots >= {{ var('forecast_min_snapshots') }} or pooling = 'all'

),

lag_buckets as (

    {{ integer_series(2, 'lag_bucket') }}

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
        snapshots.amount_usd,
        lag_buckets.lag_bucket

    from cutoffs
    inner join snapshots
        on cutoffs.cutoff_at = snapshots.snapshot_at
    cross join lag_buckets
    where lag_buckets.lag_bucket < 12

),

pooled as (

    select
        {% for pooling, columns in poolings -%}
            {{ pooling }}_rates.exposed_snapshots as {{ pooling }}_exposed,
            {{ pooling }}_rates.won_snapshots as {{ pooling }}_won,
        {% endfor -%}
        open_at_cutoff.*

    from open_at_cutoff
    {% for pooling, columns in poolings -%}
        left join rates as {{ pooling }}_rates
            on
                open_at_cutoff.cutoff_at = {{ pooling }}_rates.cutoff_at
                and open_at_cutoff.lag_bucket = {{ pooling }}_rates.lag_bucket
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
        lag_bucket,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_exposed is not null then '{{ pooling }}'
            {% endfor -%}
        end as pooling,
        case
            {% for pooling, columns in poolings -%}
                when {{ pooling }}_exposed is not null
                    then cast({{ pooling }}_won as double) / cast({{ pooling }}_exposed as double)
            {% endfor -%}
        end as win_rate

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
        lag_bucket,
        cast({{ dbt.date_trunc('quarter', add_days_to_date(
            'cast(cutoff_at as date)', '30 * lag_bucket + 15'
        )) }} as date) as expected_quarter_start,
        coalesce(win_rate, 0) * amount_usd as expected_bookings_usd,
        coalesce(win_rate, 0) * (1 - coalesce(win_rate, 0)) * amount_usd * amount_usd as bookings_variance

    from picked
    where win_rate > 0

)

select * from final
