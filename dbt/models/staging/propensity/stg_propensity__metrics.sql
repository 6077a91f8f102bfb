-- How each propensity model scored on the snapshots after its cutoff, one row per model.
with

source as (

    select * from {{ source('propensity', 'metrics') }}

),

renamed as (

    select
        model,
        algorithm,
        cutoff_at,
        as_of_at,
        training_rows,
        training_positives,
        evaluation_rows,
        evaluation_positives,
        auc,
        brier,
        base_rate,
        top_decile_rate,
        top_decile_lift,
        logistic_auc,
        boosting_auc,
        shuffled_auc,
        scored_rows

    from source

)

select * from renamed
