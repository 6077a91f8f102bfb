-- What each cutoff's forecast knows about prospects: per prospect stage ('lead', 'mql') and
-- segment, and pooled (stage, everything: '(any)'), over the prospect snapshots old enough to
-- have had `forecast_prospect_horizon_days` days to convert before the cutoff: how many there
-- were, how many became a won deal within those days, the USD those won (each lead's share of
-- its deal), and the median days from snapshot to the win. A prospect's expected bookings are
-- won_usd / matured_snapshots; later wins are beyond the horizon the forecast looks at.

{%- set horizon = var('forecast_prospect_horizon_days') %}
{%- set levels = [
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

matured as (

    select
        cutoffs.cutoff_at,
        prospects.prospect_stage,
        prospects.segment,
        coalesce(prospects.days_to_won < {{ horizon }}, false) as is_won_in_horizon,
        prospects.won_share_usd,
        prospects.days_to_won

    from cutoffs
    inner join prospects
        on {{ add_days('prospects.snapshot_at', horizon) }} <= cutoffs.cutoff_at

),

{% for level, columns in levels %}
{{ level }}_values as (

    select
        cutoff_at,
        '{{ level }}' as pooling,
        {% for column in ['prospect_stage', 'segment'] -%}
            {{ column if column in columns else "'(any)'" }} as {{ column }},
        {% endfor -%}
        count(*) as matured_snapshots,
        sum(case when is_won_in_horizon then 1 else 0 end) as won_snapshots,
        sum(case when is_won_in_horizon then won_share_usd else 0 end) as won_usd,
        cast({{ percentile_cont('case when is_won_in_horizon then days_to_won end', 0.5) }} as double)
            as median_days_to_won

    from matured
    group by cutoff_at{% for column in columns %}, {{ column }}{% endfor %}

),

{% endfor %}
final as (

    {% for level, columns in levels -%}
        select * from {{ level }}_values
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
