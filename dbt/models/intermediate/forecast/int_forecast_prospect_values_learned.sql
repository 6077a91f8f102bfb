-- What each cutoff's forecast knows about prospects: per prospect stage ('lead', 'mql') and
-- segment, and pooled (stage, everything: '(any)'), over the prospect snapshots old enough to
-- have had `forecast_prospect_horizon_days` days to convert before the cutoff: how many there
-- were, how many became a won deal within those days, and the USD those won (each lead's share
-- of its deal), in all and per 30-day lag bucket after the snapshot (lag_bucket NULL: the
-- total). A prospect's expected bookings are won_usd / matured_snapshots, spread over the
-- buckets as the USD was; later wins are beyond the horizon the forecast looks at.

{%- set horizon = var('forecast_prospect_horizon_days') %}
{%- set levels = forecast_prospect_poolings() %}

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
        cast(floor(prospects.days_to_won / 30) as integer) as lag_bucket

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
            cast(null as integer) as lag_bucket,
            count(*) as matured_snapshots,
            sum(case when is_won_in_horizon then 1 else 0 end) as won_snapshots,
            {{ exact_sum('case when is_won_in_horizon then won_share_usd else 0 end') }} as won_usd

        from matured
        group by cutoff_at{% for column in columns %}, {{ column }}{% endfor %}

        union all

        select
            cutoff_at,
            '{{ level }}' as pooling,
            {% for column in ['prospect_stage', 'segment'] -%}
                {{ column if column in columns else "'(any)'" }} as {{ column }},
            {% endfor -%}
            lag_bucket,
            cast(null as {{ dbt.type_bigint() }}) as matured_snapshots,
            count(*) as won_snapshots,
            {{ exact_sum('won_share_usd') }} as won_usd

        from matured
        where is_won_in_horizon
        group by cutoff_at{% for column in columns %}, {{ column }}{% endfor %}, lag_bucket

    ),

{% endfor %}
final as (

    {% for level, columns in levels -%}
        select * from {{ level }}_values
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
