-- Each propensity model's calibration on the evaluation snapshots, one row per (model, decile).
with

source as (

    select * from {{ source('propensity', 'calibration') }}

),

renamed as (

    select
        {{ dbt.concat(['model', "'|'", dbt.cast('decile', dbt.type_string())]) }} as calibration_id,
        model,
        decile,
        evaluated_rows,
        positives,
        mean_score,
        observed_rate

    from source

)

select * from renamed
