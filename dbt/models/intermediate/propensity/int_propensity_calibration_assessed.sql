-- Each propensity model's calibration on its evaluation snapshots (stg_propensity__calibration)
-- with the gap a reader looks for: the rate that happened minus the mean score, per decile.

with

calibration as (

    select * from {{ ref('stg_propensity__calibration') }}

),

final as (

    select
        calibration.*,
        calibration.observed_rate - calibration.mean_score as calibration_gap

    from calibration

)

select * from final
