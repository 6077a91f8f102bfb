-- What each cutoff's forecast knows about open deals: per cell of stage, segment and age band,
-- and pooled (stage and segment, stage, everything: '(any)'), how many snapshots taken before
-- the cutoff resolved before it (the deal closed on a day before the cutoff), how many of
-- them were won. Deals still open at the cutoff are left out: their outcome was not known
-- then. When the won ones closed is int_forecast_close_lags_learned.

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

resolved as (

    select
        cutoffs.cutoff_at,
        snapshots.stage_name,
        snapshots.segment,
        snapshots.age_band,
        snapshots.is_won

    from cutoffs
    inner join snapshots
        on
            cutoffs.cutoff_at > snapshots.snapshot_at
            and snapshots.is_closed
            and snapshots.close_date < cast(cutoffs.cutoff_at as date)

),

{% for level, columns in levels %}
    {{ level }}_rates as (

        select
            cutoff_at,
            '{{ level }}' as pooling,
            {% for column in ['stage_name', 'segment', 'age_band'] -%}
                {{ column if column in columns else "'(any)'" }} as {{ column }},
            {% endfor -%}
            count(*) as resolved_snapshots,
            sum(case when is_won then 1 else 0 end) as won_snapshots

        from resolved
        group by cutoff_at{% for column in columns %}, {{ column }}{% endfor %}

    ),

{% endfor %}
final as (

    {% for level, columns in levels -%}
        select * from {{ level }}_rates
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
