-- How long the funnel takes: median and 75th percentile of the days between consecutive stages, for
-- contacts (lead -> mql -> sql -> opportunity) and for opportunities (each CRM stage to the next, and
-- created -> closed), per quarter of reaching the later stage and segment, plus an 'All' segment.
with

transitions as (

    select * from {{ ref('int_funnel_transitions_measured') }}

),

-- Every transition counts once in its own segment and once in 'All' (percentiles cannot be rolled up
-- from the segments, so 'All' is computed from the transitions themselves).
with_rollup as (

    select
        entity_type,
        transition,
        from_stage,
        to_stage,
        transition_order,
        quarter_start,
        segment,
        duration_days
    from transitions

    union all

    select
        entity_type,
        transition,
        from_stage,
        to_stage,
        transition_order,
        quarter_start,
        'All' as segment,
        duration_days
    from transitions

),

aggregated as (

    select
        entity_type,
        transition,
        from_stage,
        to_stage,
        transition_order,
        quarter_start,
        segment,
        cast(count(*) as bigint) as transition_count,
        cast({{ percentile_cont('duration_days', 0.5) }} as double) as median_days,
        cast({{ percentile_cont('duration_days', 0.75) }} as double) as p75_days

    from with_rollup
    group by entity_type, transition, from_stage, to_stage, transition_order, quarter_start, segment

),

final as (

    select
        {{ dbt.concat([
            'entity_type', "'|'", 'transition', "'|'", dbt.cast('quarter_start', dbt.type_string()), "'|'", 'segment',
        ]) }} as report_row_id,
        quarter_start,
        segment,
        entity_type,
        transition,
        from_stage,
        to_stage,
        transition_order,
        transition_count,
        median_days,
        p75_days

    from aggregated

)

select * from final
