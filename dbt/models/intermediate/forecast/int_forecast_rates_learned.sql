-- What each cutoff's forecast knows about open deals: per cell of stage, segment and age band,
-- pooled upward (stage and segment, stage, everything: '(any)'), and per 30-day lag bucket b
-- (days 30b to 30b + 29 after the snapshot, b = 0 .. 11), how many snapshots had been exposed
-- to the bucket in full before the cutoff (taken at least 30 (b + 1) days before it) and how
-- many of those were won in the bucket. Won / exposed is the chance an open deal of the cell
-- wins in that bucket; summed over buckets, its chance of winning within 360 days.
--
-- A life table rather than "the share won among deals already closed": that share only sees
-- the deals that closed before the cutoff, so it leans to quick closers and puts every win
-- in the first quarter; here a deal still open at the cutoff counts as not (yet) won in the
-- buckets it has been exposed to, and a slow win counts in its own bucket once that bucket
-- has passed. Every count is known at the cutoff: a win in a bucket exposed in full closed
-- before it.

{%- set levels = forecast_deal_poolings() %}

with

cutoffs as (

    select * from {{ ref('int_forecast_cutoffs_listed') }}

),

snapshots as (

    select * from {{ ref('int_opportunities_snapshotted') }}

),

lag_buckets as (

    {{ integer_series(2, 'lag_bucket') }}

),

-- The snapshots per cell, month and the bucket they were won in (NULL: not won within 360
-- days), so the cutoffs and buckets join a few rows per month rather than every snapshot.
counted as (

    select
        stage_name,
        segment,
        age_band,
        snapshot_at,
        case
            when is_won and days_to_close < 360 then cast(floor(days_to_close / 30) as integer)
        end as won_bucket,
        count(*) as snapshots

    from snapshots
    group by
        stage_name,
        segment,
        age_band,
        snapshot_at,
        case
            when is_won and days_to_close < 360 then cast(floor(days_to_close / 30) as integer)
        end

),

exposed as (

    select
        cutoffs.cutoff_at,
        lag_buckets.lag_bucket,
        counted.stage_name,
        counted.segment,
        counted.age_band,
        counted.snapshots,
        case when counted.won_bucket = lag_buckets.lag_bucket then counted.snapshots else 0 end as won

    from cutoffs
    cross join lag_buckets
    inner join counted
        on {{ add_days('counted.snapshot_at', '30 * (lag_buckets.lag_bucket + 1)') }} <= cutoffs.cutoff_at
    where lag_buckets.lag_bucket < 12

),

{% for level, columns in levels %}
    {{ level }}_rates as (

        select
            cutoff_at,
            '{{ level }}' as pooling,
            {% for column in ['stage_name', 'segment', 'age_band'] -%}
                {{ column if column in columns else "'(any)'" }} as {{ column }},
            {% endfor -%}
            lag_bucket,
            sum(snapshots) as exposed_snapshots,
            sum(won) as won_snapshots

        from exposed
        group by cutoff_at, lag_bucket{% for column in columns %}, {{ column }}{% endfor %}

    ),

{% endfor %}
final as (

    {% for level, columns in levels -%}
        select * from {{ level }}_rates
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
