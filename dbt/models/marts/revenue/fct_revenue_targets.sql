-- One row per monthly target (metric, month, segment, region; an empty segment or region means
-- all), as planned in the revenue targets export, deduplicated in staging: what plan vs actual
-- and pipeline coverage measure against.
with

targets as (

    select * from {{ ref('stg_revenue__targets') }}

),

final as (

    select
        target_id,
        period_month,
        period_start,
        metric,
        target,
        segment,
        region

    from targets

)

select * from final
