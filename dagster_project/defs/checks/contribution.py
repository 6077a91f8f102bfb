"""Checks that prove marketing's revenue-contribution numbers before anyone reads them.

They read the public marts only and recompute nothing of the attribution rules: each
asserts an invariant that must hold whatever the model (credits sum to one, money
reconciles to the CRM, no credit outside its window). They are blocking, so a failure
stops the leadership reports from building.
"""

from __future__ import annotations

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.dbt.assets import attribution_dbt_models, leadership_reports
from dagster_project.lib.warehouse import WarehouseResource

FCT_ATTRIBUTION = get_asset_key_for_model([attribution_dbt_models], "fct_attribution")
DIM_OPPORTUNITIES = get_asset_key_for_model([attribution_dbt_models], "dim_opportunities")
DIM_ATTRIBUTION_MODELS = get_asset_key_for_model([attribution_dbt_models], "dim_attribution_models")
RPT_MARKETING_CONTRIBUTION = get_asset_key_for_model(
    [leadership_reports], "rpt_marketing_contribution"
)
CREDIT_TOLERANCE = 1e-9
CENT = 0.005  # "to the cent": totals may differ by less than half a cent
MAX_ROWS_SHOWN = 20


def _result(offending: pd.DataFrame, summary: dict[str, object]) -> AssetCheckResult:
    """Pass when nothing offends; else fail with the first offending rows as metadata."""
    metadata: dict[str, object] = {"offending_rows": len(offending), **summary}
    if not offending.empty:
        preview = offending.head(MAX_ROWS_SHOWN).to_markdown(index=False)
        metadata["offending_preview"] = MetadataValue.md(preview)
    return AssetCheckResult(
        passed=offending.empty, severity=AssetCheckSeverity.ERROR, metadata=metadata
    )


@asset_check(
    asset=FCT_ATTRIBUTION,
    blocking=True,
    description=(
        "Per opportunity and model, credits sum to 1 (within 1e-9), so no model invents or "
        "loses a fraction of a deal."
    ),
)
def credits_sum_to_one(
    warehouse: WarehouseResource,
) -> AssetCheckResult:
    offending = warehouse.query(
        """
        select model, opportunity_id, sum(credit) as credit_sum, count(*) as rows
        from marts.fct_attribution
        group by model, opportunity_id
        having abs(sum(credit) - 1) > ?
        order by model, opportunity_id
        """,
        [CREDIT_TOLERANCE],
    )
    groups = warehouse.query(
        "select count(*) as n from (select distinct model, opportunity_id"
        " from marts.fct_attribution)"
    )
    return _result(offending, {"opportunity_model_pairs": int(groups["n"].iloc[0])})


@asset_check(
    asset=FCT_ATTRIBUTION,
    blocking=True,
    additional_deps=[DIM_OPPORTUNITIES],
    description=(
        "Per model, attributed pipeline equals total pipeline and attributed revenue equals "
        "total closed-won amount in dim_opportunities, to the cent, and every opportunity "
        "appears under every model."
    ),
)
def attribution_reconciles_to_crm(
    warehouse: WarehouseResource,
) -> AssetCheckResult:
    totals = warehouse.query(
        """
        with crm as (
            select
                count(*) as opportunities,
                sum(amount_usd) as pipeline_usd,
                sum(case when is_won then amount_usd else 0 end) as won_usd
            from marts.dim_opportunities
        ),
        attributed as (
            select
                model,
                count(distinct opportunity_id) as opportunities,
                sum(attributed_pipeline_usd) as pipeline_usd,
                sum(attributed_revenue_usd) as revenue_usd
            from marts.fct_attribution
            group by model
        )
        select
            attributed.model,
            attributed.opportunities as attributed_opportunities,
            crm.opportunities as crm_opportunities,
            round(attributed.pipeline_usd, 2) as attributed_pipeline_usd,
            round(crm.pipeline_usd, 2) as crm_pipeline_usd,
            round(attributed.revenue_usd, 2) as attributed_revenue_usd,
            round(crm.won_usd, 2) as crm_won_usd,
            attributed.pipeline_usd - crm.pipeline_usd as pipeline_diff,
            attributed.revenue_usd - crm.won_usd as revenue_diff
        from attributed cross join crm
        order by attributed.model
        """
    )
    offending = totals[
        (totals["pipeline_diff"].abs() >= CENT)
        | (totals["revenue_diff"].abs() >= CENT)
        | (totals["attributed_opportunities"] != totals["crm_opportunities"])
    ]
    summary = {
        "models": len(totals),
        "totals": MetadataValue.md(
            totals.drop(columns=["pipeline_diff", "revenue_diff"]).to_markdown(index=False)
        ),
    }
    return _result(offending, summary)


@asset_check(
    asset=FCT_ATTRIBUTION,
    blocking=True,
    additional_deps=[DIM_OPPORTUNITIES, DIM_ATTRIBUTION_MODELS],
    description=(
        "No credited touch lies outside its model's window: none before opportunity creation "
        "minus the lookback, none after creation for pre-opportunity (P) models, none after the "
        "close (end of close day; as-of time when open) for full-journey (J) models."
    ),
)
def no_credit_outside_window(warehouse: WarehouseResource) -> AssetCheckResult:
    # The build's parameters, then plain SQL that DuckDB and Spark both read.
    parameters = warehouse.query(
        "select max(lookback_days) as lookback_days, max(as_of_at) as as_of_at"
        " from marts.dim_attribution_models"
    )
    lookback_days = int(parameters["lookback_days"].iloc[0])
    as_of = pd.Timestamp(parameters["as_of_at"].iloc[0]).strftime("%Y-%m-%d %H:%M:%S")
    offending = warehouse.query(
        f"""
        select
            attribution.model,
            models.attribution_window,
            attribution.opportunity_id,
            attribution.touchpoint_id,
            attribution.touched_at,
            opportunities.created_at,
            opportunities.close_date,
            attribution.credit
        from marts.fct_attribution as attribution
        inner join marts.dim_opportunities as opportunities
            on attribution.opportunity_id = opportunities.opportunity_id
        inner join marts.dim_attribution_models as models
            on attribution.model = models.model
        where attribution.touchpoint_id is not null
          and (
            attribution.touched_at < opportunities.created_at - interval '{lookback_days}' day
            or (models.attribution_window = 'P'
                and attribution.touched_at > opportunities.created_at)
            or (models.attribution_window = 'J' and opportunities.is_closed
                and attribution.touched_at
                    >= cast(opportunities.close_date as timestamp) + interval '1' day)
            or (models.attribution_window = 'J' and not opportunities.is_closed
                and attribution.touched_at > cast('{as_of}' as timestamp))
          )
        order by attribution.model, attribution.opportunity_id, attribution.touched_at
        """
    )
    credited = warehouse.query(
        "select count(*) as n from marts.fct_attribution where touchpoint_id is not null"
    )
    return _result(
        offending,
        {"credited_touches": int(credited["n"].iloc[0]), "lookback_days": lookback_days},
    )


@asset_check(
    asset=RPT_MARKETING_CONTRIBUTION,
    blocking=True,
    description=(
        "In every month and segment, marketing-sourced <= marketing-influenced <= total, for "
        "opportunities, pipeline and revenue (to the cent): a sourced deal is influenced, and "
        "influence never exceeds the whole."
    ),
)
def sourced_within_influenced_within_total(warehouse: WarehouseResource) -> AssetCheckResult:
    rows = warehouse.query("select * from reports.rpt_marketing_contribution order by 1")
    offending = rows[
        (rows["sourced_opportunities"] > rows["influenced_opportunities"])
        | (rows["influenced_opportunities"] > rows["opportunities"])
        | (rows["sourced_pipeline_usd"] - rows["influenced_pipeline_usd"] >= CENT)
        | (rows["influenced_pipeline_usd"] - rows["pipeline_usd"] >= CENT)
        | (rows["sourced_revenue_usd"] - rows["influenced_revenue_usd"] >= CENT)
        | (rows["influenced_revenue_usd"] - rows["revenue_usd"] >= CENT)
    ]
    return _result(offending, {"month_segment_rows": len(rows)})


contribution_checks = [
    credits_sum_to_one,
    attribution_reconciles_to_crm,
    no_credit_outside_window,
    sourced_within_influenced_within_total,
]
