-- When the won deals each cutoff knows of closed: per cell and pooling of
-- int_forecast_rates_learned, the share of its won snapshots that closed in each 30-day lag
-- bucket after the snapshot (bucket b: days 30b to 30b + 29; the last, 12, holds every later
-- one). The forecast spreads an open deal's expected bookings over the quarters these buckets
-- fall in, rather than placing all of it at one typical lag.

{%- set levels = [
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

won as (

    select
        cutoffs.cutoff_at,
        snapshots.stage_name,
        snapshots.segment,
        snapshots.age_band,
        case
            when snapshots.days_to_close >= 360 then 12
            else cast(floor(snapshots.days_to_close / 30) as integer)
        end as lag_bucket

    from cutoffs
    inner join snapshots
        on
            cutoffs.cutoff_at > snapshots.snapshot_at
            and snapshots.is_won
            and snapshots.close_date < cast(cutoffs.cutoff_at as date)

),

{% for level, columns in levels %}
    {{ level }}_lags as (

        select
            cutoff_at,
            '{{ level }}' as pooling,
            {% for column in ['stage_name', 'segment', 'age_band'] -%}
                {{ column if column in columns else "'(any)'" }} as {{ column }},
            {% endfor -%}
            lag_bucket,
            cast(count(*) as double) / cast(sum(count(*)) over (
                partition by cutoff_at{% for column in columns %}, {{ column }}{% endfor %}
            ) as double) as share_of_wins

        from won
        group by cutoff_at{% for column in columns %}, {{ column }}{% endfor %}, lag_bucket

    ),

{% endfor %}
final as (

    {% for level, columns in levels -%}
        select * from {{ level }}_lags
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
