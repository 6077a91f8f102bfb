"""The short summary `make run` prints: attribution by channel under each model, where the
plan is falling short, and the checks behind those numbers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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


def _money(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(lambda value: f"{value:,.0f}")


def attribution_by_channel(warehouse: WarehouseResource, measure: str) -> pd.DataFrame:
    """Channel x model table of one measure, channels by descending total."""
    rows = warehouse.query(
        f"select channel, model, sum({measure}) as usd"
        " from reports.rpt_attribution_by_channel group by channel, model"
    )
    table = rows.pivot(index="channel", columns="model", values="usd").fillna(0.0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
    table.loc["TOTAL"] = table.sum()
    return table


def plan_vs_actual(warehouse: WarehouseResource) -> pd.DataFrame:
    """The last complete quarter, metric by metric, the furthest below plan first."""
    rows = warehouse.query(
        """
        with last_quarter as (
            select max(period_start) as period_start
            from reports.rpt_plan_vs_actual
            where period_type = 'quarter' and is_complete
        )
        select
            plan.metric,
            min(plan.period_start) as quarter,
            sum(plan.target) as target,
            sum(plan.actual) as actual,
            sum(plan.actual) / sum(plan.target) as attainment
        from reports.rpt_plan_vs_actual as plan
        inner join last_quarter on plan.period_start = last_quarter.period_start
        where plan.period_type = 'quarter'
        group by plan.metric
        order by attainment
        """
    )
    rows["target"] = rows["target"].map(lambda v: f"{v:,.0f}")
    rows["actual"] = rows["actual"].map(lambda v: f"{v:,.0f}")
    rows["attainment"] = rows["attainment"].map(lambda v: f"{v:.0%}")
    return rows


def render_summary(warehouse: WarehouseResource, outcomes: list[CheckOutcome], run_ok: bool) -> str:
    lines = [
        "",
        "=" * 30 + " Attribution summary " + "=" * 30,
        f"Warehouse: {warehouse.warehouse_path}",
        f"Serving:   {warehouse.serving_database_path}"
        + ("" if run_ok else "  (not republished: the run failed; BI keeps the last good copy)"),
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
            lines += [title, _money(attribution_by_channel(warehouse, measure)).to_string(), ""]
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
    lines += [
        f"  {'ok    ' if o.passed else 'FAILED'} {o.check}"
        for o in outcomes
        if o.check in CONTRIBUTION_CHECKS
    ]
    lines += [
        f"  FAILED [{o.severity}] {o.asset} :: {o.check}"
        for o in failed
        if o.check not in CONTRIBUTION_CHECKS
    ]
    return "\n".join(lines)
