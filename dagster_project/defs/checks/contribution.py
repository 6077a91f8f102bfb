"""Checks that prove marketing's revenue-contribution numbers before anyone reads them.

They read the public marts only and recompute nothing of the attribution rules: each
asserts an invariant that must hold whatever the model (credits sum to one, money
reconciles to the CRM, no credit outside its window). They are blocking, so a failure
stops the leadership reports from building.
"""

from __future__ import annotations

from collections.abc import Callable

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


def _result(
    offending: pd.DataFrame, summary: dict[str, object], explain: Callable[[], str]
) -> AssetCheckResult:
    """Pass when nothing offends; else fail with the first offending rows as metadata and
    `explain()`: one line with the worst figure and where to look (the run summary's line)."""
    metadata: dict[str, object] = {"offending_rows": len(offending), **summary}
    if not offending.empty:
        preview = offending.head(MAX_ROWS_SHOWN).to_markdown(index=False)
        metadata["offending_preview"] = MetadataValue.md(preview)
    return AssetCheckResult(
        passed=offending.empty,
        severity=AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=None if offending.empty else explain(),
    )


def _usd(value: float) -> str:
    return f"{value:,.2f} USD"


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
    pairs = int(groups["n"].iloc[0])

    def explain() -> str:
        worst = offending.loc[(offending["credit_sum"] - 1).abs().idxmax()]
        return (
            f"{len(offending)} of {pairs} opportunity x model pairs have credits that do not sum"
            f" to 1; worst: {worst['opportunity_id']} under {worst['model']} sums to"
            f" {worst['credit_sum']:.12g} over {worst['rows']} rows: look at its rows in"
            " marts.fct_attribution and the model's weights in dbt/seeds/attribution_models.csv"
        )

    return _result(offending, {"opportunity_model_pairs": pairs}, explain)


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
    return _result(offending, summary, lambda: _crm_explanation(offending, len(totals)))


def _crm_explanation(offending: pd.DataFrame, models: int) -> str:
    """The model furthest from the CRM, with its figures."""
    gap = offending["pipeline_diff"].abs().fillna(0) + offending["revenue_diff"].abs().fillna(0)
    worst = offending.loc[gap.idxmax()]
    return (
        f"{len(offending)} of {models} models do not reconcile to the CRM; worst:"
        f" {worst['model']}: pipeline {_usd(worst['attributed_pipeline_usd'])} attributed vs"
        f" {_usd(worst['crm_pipeline_usd'])} in the CRM, revenue"
        f" {_usd(worst['attributed_revenue_usd'])} vs {_usd(worst['crm_won_usd'])},"
        f" {worst['attributed_opportunities']} of {worst['crm_opportunities']} opportunities:"
        " look for opportunities missing from or credited twice in marts.fct_attribution"
    )


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
            opportunities.is_closed,
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
    credited_touches = int(credited["n"].iloc[0])
    return _result(
        offending,
        {"credited_touches": credited_touches, "lookback_days": lookback_days},
        lambda: _window_explanation(offending, credited_touches, lookback_days, as_of),
    )


def _window_explanation(
    offending: pd.DataFrame, credited_touches: int, lookback_days: int, as_of: str
) -> str:
    """The touch furthest outside its window, by how many days."""
    touched = pd.to_datetime(offending["touched_at"])
    created = pd.to_datetime(offending["created_at"])
    window_start = created - pd.Timedelta(days=lookback_days)
    # P: up to creation; J: to the end of the close day, or the as-of time while open.
    journey_end = (pd.to_datetime(offending["close_date"]) + pd.Timedelta(days=1)).where(
        offending["is_closed"].astype(bool), pd.Timestamp(as_of)
    )
    window_end = created.where(offending["attribution_window"] == "P", journey_end)
    outside = pd.concat([window_start - touched, touched - window_end], axis=1).max(axis=1)
    worst = offending.loc[outside.idxmax()]
    days = outside.max() / pd.Timedelta(days=1)
    return (
        f"{len(offending)} of {credited_touches} credited touches lie outside their window"
        f" (lookback {lookback_days} days); worst: touch {worst['touchpoint_id']} of"
        f" {worst['opportunity_id']} under {worst['model']}, {days:,.1f} days outside"
        f" (touched {worst['touched_at']}, opportunity created {worst['created_at']}): look at"
        " the window rules in dbt/models/intermediate/attribution/"
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
    return _result(
        offending,
        {"month_segment_rows": len(rows)},
        lambda: _contribution_explanation(offending, len(rows)),
    )


# Each pair must hold: the part (left) never above the whole (right).
CONTRIBUTION_ORDER = (
    ("sourced_pipeline_usd", "influenced_pipeline_usd"),
    ("influenced_pipeline_usd", "pipeline_usd"),
    ("sourced_revenue_usd", "influenced_revenue_usd"),
    ("influenced_revenue_usd", "revenue_usd"),
    ("sourced_opportunities", "influenced_opportunities"),
    ("influenced_opportunities", "opportunities"),
)


def _contribution_explanation(offending: pd.DataFrame, rows: int) -> str:
    """The largest excess of a part over its whole, money first (then opportunity counts)."""
    part, whole = next(
        (
            (part, whole)
            for part, whole in CONTRIBUTION_ORDER
            if (offending[part] - offending[whole]).max()
            >= (1 if part.endswith("opportunities") else CENT)
        ),
        CONTRIBUTION_ORDER[0],
    )
    worst = offending.loc[(offending[part] - offending[whole]).idxmax()]
    return (
        f"{len(offending)} of {rows} month x segment rows break sourced <= influenced <= total;"
        f" worst: {str(worst['month_start'])[:10]} {worst['segment']}: {part}"
        f" {worst[part]:,.2f} > {whole} {worst[whole]:,.2f}: look at"
        " reports.rpt_marketing_contribution and the is_marketing flags in"
        " dbt/seeds/channels.csv"
    )


contribution_checks = [
    credits_sum_to_one,
    attribution_reconciles_to_crm,
    no_credit_outside_window,
    sourced_within_influenced_within_total,
]
