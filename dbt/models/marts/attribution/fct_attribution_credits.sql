-- The stored attribution rows: one per (opportunity, model, credited touch), plus one
-- "(unattributed)" row per opportunity and model with no touch in the model's window, so that
-- every model's attributed pipeline and revenue reconcile to the CRM, to the cent: credits sum
-- to exactly 1 and money to exactly amount_usd per opportunity and model (DECIMAL cents, the
-- rounding's leftover cents spread by largest remainder in the credit models).
--
-- It keeps what the reports group and sum by (model, channel, campaign, the deal's dates and
-- money) and leaves the touch's own details (when, which contact and account) to
-- fct_attribution, the view BI tools read, which looks them up in fct_touchpoints. At 10M
-- touchpoints this is 75M rows: the attribution key string alone took 1 GB and 17 s to
-- write, the touch details another 0.8 GB.
--
-- Nothing here sorts or re-reads the attribution rows: the credit models bring each row's
-- cents, so one pass joins them to their touch and deal and streams them into the table (at
-- 50M touchpoints 375M rows; a sort of them for the cents spilled beyond the disk).
--
-- Incremental on DuckDB (macros/incremental_attribution.sql): a build deletes and rewrites the
-- rows of the opportunities int_opportunities_changed lists (every one on a full build) and
-- keeps the others', then records the inputs' fingerprints, all in one transaction. The
-- data-driven models' rows are rewritten in full on every build, by a post-hook of their own
-- (macros/attribution_rows.sql): markov and shapley credit every deal on every build (their
-- weights are fitted on all closed deals) and bring their own unattributed rows.
-- depends_on: {{ ref('int_attribution_credits_data_driven') }}
{{ attribution_state_dependencies() }}
{{ config(
    materialized=attribution_credits_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=['{{ one_thread_hook("pre") }}', '{{ delete_recomputed_attribution() }}'],
    post_hook=[
        '{{ one_thread_hook("post") }}',
        '{{ insert_data_driven_attribution() }}',
        '{{ record_attribution_state() }}',
    ],
) }}
with

converted_opportunities as (

    select * from {{ ref('int_opportunities_converted') }}

),

recomputed as (

    select * from {{ opportunities_to_compute() }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_classified') }}

),

credits as (

    select * from {{ ref('int_attribution_credits_positioned') }}
    union all
    select * from {{ ref('int_attribution_credits_decayed') }}
    union all
    select * from {{ ref('int_attribution_credits_last_non_direct') }}

),

models as (

    select
        model,
        attribution_window

    from {{ ref('dim_attribution_models') }}
    where not coalesce(model_kind = 'data_driven', false)

),

opportunities as (

    select converted_opportunities.*

    from converted_opportunities
    inner join recomputed
        on converted_opportunities.opportunity_id = recomputed.opportunity_id

),

-- A model credits touches of a deal exactly when its window holds any (credits sum to 1):
-- these pairs come from the windows, not from a second pass over every credit row.
credited_pairs as (

    select
        windows.opportunity_id,
        models.model

    from (
        select distinct
            opportunity_id,
            attribution_window

        from {{ ref('int_opportunity_touches_recomputed') }}
    ) as windows
    inner join models
        on windows.attribution_window = models.attribution_window

),

-- Every credit, plus the "(unattributed)" row of an opportunity a model credited no touch of.
all_credits as (

    select * from {{ with_unattributed('credits', 'opportunities', 'models', 'opportunity_id', [
        'is_first_touch', 'is_lead_creation_touch', 'is_opportunity_creation_touch', 'is_closed_won_touch',
    ], null_columns=[('pipeline_cents', cents_type())], credited='credited_pairs') }} as completed

),

final as (

    select * from {{ attribution_rows('all_credits', 'converted_opportunities', 'touchpoints') }} as attribution_rows

)

select * from final
