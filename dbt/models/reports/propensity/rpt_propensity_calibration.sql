-- Does a 30% score mean 30%? Per propensity model and decile of the evaluation snapshots (1 =
-- the highest tenth), the mean score beside the rate that happened.

with

calibration as (

    select * from {{ ref('int_propensity_calibration_assessed') }}

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
        calibration_gap

    from calibration

)

select * from final
