-- How far to trust each propensity score: per model, what it trained on and how it did on the
-- snapshots after its cutoff (AUC, Brier, top-decile lift), beside the shuffled-label AUC that
-- shows no signal leaks in by another route.

with

metrics as (

    select * from {{ ref('int_propensity_models_assessed') }}

),

final as (

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
        brier_skill_score,
        shuffled_auc,
        is_shuffled_auc_chance,
        scored_rows

    from metrics

)

select * from final
