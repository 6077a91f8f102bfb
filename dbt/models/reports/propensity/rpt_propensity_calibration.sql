-- Does a 30% score mean 30%? Per propensity model and decile of the evaluation snapshots (1 =
-- the highest tenth), the mean score beside the rate that happened.

with

calibration as (

    select * from {{ ref('stg_propensity__calibration') }}

),

final as (

    select
        calibration_id,
        model,
        decile,
        evaluated_rows,
        positives,
        mean_score,
        observed_rate,
        observed_rate - mean_score as calibration_gap

    from calibration

)

select * from final
