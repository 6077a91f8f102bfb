"""The short summary `make run` prints: attribution by channel under each model, where the
plan is falling short, and the checks behind those numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dagster_project.defs.publish.report_data import (
    PLAN_TOTALS_SQL,
    attribution_by_channel_sql,
    pivot_by_channel,
)
from dagster_project.defs.publish.report_html import count, pct
from dagster_project.lib.warehouse import WarehouseResource

# The checks that guard leadership numbers, always listed by name.
CONTRIBUTION_CHECKS = (
    "credits_sum_to_one",
    "attribution_reconciles_to_crm",
    "no_credit_outside_window",
    "sourced_within_influenced_within_total",
    "bookings_reconcile_to_billing",
)


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    severity: str


def attribution_by_channel(warehouse: WarehouseResource, measure: str) -> pd.DataFrame:
    """Channel x model table of one measure over all history, with a TOTAL row."""
    table = pivot_by_channel(warehouse.query(attribution_by_channel_sql(measure)))
    table.loc["TOTAL"] = table.sum()
    return table


def plan_vs_actual(warehouse: WarehouseResource) -> pd.DataFrame:
    """The last complete quarter, metric by metric, the furthest below plan first."""
    rows = warehouse.query(PLAN_TOTALS_SQL).drop(columns="gap")
    rows["target"] = rows["target"].map(count)
    rows["actual"] = rows["actual"].map(count)
    rows["attainment"] = rows["attainment"].map(pct)
    return rows


def render_summary(warehouse: WarehouseResource, outcomes: list[CheckOutcome], run_ok: bool) -> str:
    lines = [
        "",
        "=" * 30 + " Attribution summary " + "=" * 30,
        f"Warehouse: {warehouse.warehouse_path}",
        f"Serving:   {warehouse.serving_database_path}"
        + ("" if run_ok else "  (not republished: the run failed; BI keeps the last good copy)"),
        f"Report:    {Path(warehouse.leadership_report_path).as_uri()}"
        + ("" if run_ok else "  (the last good one)"),
        "",
    ]
    try:
        for title, measure in (
            ("Attributed revenue (USD, won deals) by channel and model", "attributed_revenue_usd"),
            (
                "Attributed pipeline (USD, all deals) by channel and model",
                "attributed_pipeline_usd",
            ),
        ):
            lines += [title, attribution_by_channel(warehouse, measure).map(count).to_string(), ""]
    except Exception as error:  # the run failed before the reports existed
        lines += [f"(no attribution report: {error})", ""]
    try:
        plan = plan_vs_actual(warehouse)
        quarter = str(plan["quarter"].iloc[0])[:10] if len(plan) else "-"
        lines += [
            f"Plan vs actual, quarter starting {quarter} (lowest attainment first)",
            plan.drop(columns="quarter").to_string(index=False),
            "",
        ]
    except Exception as error:
        lines += [f"(no plan vs actual: {error})", ""]
    failed = [o for o in outcomes if not o.passed]
    lines.append(
        f"Checks: {len(outcomes) - len(failed)} of {len(outcomes)} passed"
        + ("" if run_ok else "  -- the run FAILED: `make dev` shows the step that broke")
    )
    lines += [f"  {_mark(o)} {o.check}" for o in outcomes if o.check in CONTRIBUTION_CHECKS]
    lines += [
        f"  {_mark(o)} [{o.severity}] {o.asset} :: {o.check}"
        for o in failed
        if o.check not in CONTRIBUTION_CHECKS
    ]
    return "\n".join(lines)


def _mark(outcome: CheckOutcome) -> str:
    if outcome.passed:
        return "ok    "
    return "WARN  " if outcome.severity == "WARN" else "FAILED"
