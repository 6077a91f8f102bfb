-- Every opportunity open at the as-of time with its chance of winning: the propensity model's
-- score, its decile among the open deals (1 = the likeliest tenth), the three features that raise
-- it most, and its type, stage and amount then, so sales can sort by the expected value and
-- set renewals apart.

with

scores as (

    select * from {{ ref('stg_propensity__scores') }}
    where model = 'opportunity'

),

snapshots as (

    select * from {{ ref('int_opportunity_snapshots_enriched') }}

),

final as (

    select
        scores.entity_id as opportunity_id,
        snapshots.account_id,
        snapshots.opportunity_type,
        scores.scored_at,
        snapshots.stage_name,
        snapshots.segment,
        snapshots.region,
        cast(snapshots.amount_usd as double) as amount_usd,
        cast(scores.score as double) as score,
        cast(scores.score * snapshots.amount_usd as double) as expected_value_usd,
        cast(scores.decile as integer) as decile,
        scores.driver_1,
        scores.driver_2,
        scores.driver_3

    from scores
    inner join snapshots
        on
            scores.entity_id = snapshots.opportunity_id
            and scores.scored_at = snapshots.snapshot_at

)

select * from final
