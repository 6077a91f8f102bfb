-- Each propensity model's judgement (stg_propensity__metrics) with what a reader asks of it
-- next: how much better than always saying the base rate its Brier score is (the skill score:
-- 1 - Brier / (base rate x (1 - base rate)); 0 is no better, 1 perfect), and whether the
-- shuffled-label check reads as chance (mean AUC within 0.5 +- 0.05: nothing leaks).

with

metrics as (

    select * from {{ ref('stg_propensity__metrics') }}

),

final as (

    select
        metrics.*,
        case
            when metrics.base_rate > 0 and metrics.base_rate < 1
                then 1 - metrics.brier / (metrics.base_rate * (1 - metrics.base_rate))
        end as brier_skill_score,
        abs(metrics.shuffled_auc - 0.5) <= 0.05 as is_shuffled_auc_chance

    from metrics

)

select * from final
