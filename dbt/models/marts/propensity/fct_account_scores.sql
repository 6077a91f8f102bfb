-- Every account without an open opportunity at the as-of time with its chance of a new
-- opportunity within propensity_horizon_days: the score, its decile among those accounts (1 =
-- the likeliest tenth), the three features that raise it most, and its segment, region and
-- industry then, so sales knows whom to call.

with

scores as (

    select * from {{ ref('stg_propensity__scores') }}
    where model = 'account'

),

snapshots as (

    select * from {{ ref('int_accounts_snapshotted') }}

),

final as (

    select
        scores.entity_id as account_id,
        scores.scored_at,
        snapshots.segment,
        snapshots.region,
        snapshots.industry,
        cast(scores.score as double) as score,
        cast(scores.decile as integer) as decile,
        scores.driver_1,
        scores.driver_2,
        scores.driver_3

    from scores
    inner join snapshots
        on
            scores.entity_id = snapshots.account_id
            and scores.scored_at = snapshots.snapshot_at

)

select * from final
