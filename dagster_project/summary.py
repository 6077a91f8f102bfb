"""The short summary `make run` prints: attribution by channel under each model, where the
plan is falling short, the checks behind those numbers and, when the run failed, why.

It is read by someone who has just run one command: every state the warehouse can be in
(not built, built without reports, no won deal, no targets) is said in words, each failed
check in its own words (the check writes its explanation), and each failed step by the
error it raised, never by Dagster's wrapper or a stack trace.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dagster_project.defs.publish.report_data import (
    FORECAST_SQL,
    FORECAST_TRACK_RECORD_SQL,
    PLAN_TOTALS_SQL,
    attribution_by_channel_sql,
    pivot_by_channel,
    track_record_sentence,
)
from dagster_project.defs.publish.report_html import count, pct
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.run_outcome import CheckOutcome, RunOutcome

# The checks that guard leadership numbers, always listed by name.
CONTRIBUTION_CHECKS = (
    "credits_sum_to_one",
    "attribution_reconciles_to_crm",
    "no_credit_outside_window",
    "sourced_within_influenced_within_total",
    "bookings_reconcile_to_billing",
    "data_is_fresh",
)
SERVING_STEP = "serving_database"
REPORT_STEP = "leadership_report"
ATTRIBUTION_REPORT = "reports.rpt_attribution_by_channel"
PLAN_REPORT = "reports.rpt_plan_vs_actual"
DATA_DRIVEN_REPORT = "reports.rpt_data_driven_channel_weights"
FORECAST_REPORT = "reports.rpt_revenue_forecast"
NO_FITTING_JOURNEYS = (
    "No closed deal with a touch yet: the data-driven models (markov, shapley) have nothing"
    " to learn from, and credit every deal linearly."
)
NO_WAREHOUSE = "No attribution yet: the run failed before dbt built the warehouse."
NO_REPORTS = "No attribution yet: the run stopped before dbt built the reports."
NO_OPPORTUNITIES = "No opportunities yet: attribution needs crm/opportunities."
NO_WON_DEALS = "No closed-won deals yet."
NO_TARGETS = "No targets provided: plan vs actual needs revenue/targets."
NO_FORECAST = "No forecast yet: it learns from the deals created and closed before the as-of time."
NO_COMPLETE_QUARTER = "No complete quarter with targets yet: plan vs actual starts after one."
INDENT = " " * 9  # explanations line up under the check's name


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


def _rows(warehouse: WarehouseResource, table: str) -> int:
    return int(warehouse.query(f"select count(*) as n from {table}")["n"].iloc[0])


def _attribution_section(warehouse: WarehouseResource) -> list[str]:
    if not warehouse.exists():
        return [NO_WAREHOUSE, ""]
    if not warehouse.has_table(ATTRIBUTION_REPORT):
        return [NO_REPORTS, ""]
    if _rows(warehouse, ATTRIBUTION_REPORT) == 0:
        return [NO_OPPORTUNITIES, ""]
    won = warehouse.query(f"select sum(won_opportunity_credit) as won from {ATTRIBUTION_REPORT}")
    lines = ["Attributed revenue (USD, won deals) by channel and model"]
    if pd.isna(won["won"].iloc[0]) or float(won["won"].iloc[0]) == 0:
        lines.append(NO_WON_DEALS)
    else:
        lines.append(
            attribution_by_channel(warehouse, "attributed_revenue_usd").map(count).to_string()
        )
    return [
        *lines,
        "",
        "Attributed pipeline (USD, all deals) by channel and model",
        attribution_by_channel(warehouse, "attributed_pipeline_usd").map(count).to_string(),
        "",
    ]


def _plan_section(warehouse: WarehouseResource) -> list[str]:
    if not warehouse.has_table(PLAN_REPORT):
        return []  # the attribution section has said why nothing was built
    if _rows(warehouse, PLAN_REPORT) == 0:
        return [NO_TARGETS, ""]
    plan = plan_vs_actual(warehouse)
    if plan.empty:
        return [NO_COMPLETE_QUARTER, ""]
    return [
        f"Plan vs actual, quarter starting {str(plan['quarter'].iloc[0])[:10]}"
        " (lowest attainment first)",
        plan.drop(columns="quarter").to_string(index=False),
        "",
    ]


def _forecast_section(warehouse: WarehouseResource) -> list[str]:
    """The four quarters' bookings forecast with its range and target, and its track record."""
    if not warehouse.has_table(FORECAST_REPORT):
        return []
    forecast = warehouse.query(FORECAST_SQL)
    if forecast.empty:
        return [NO_FORECAST, ""]
    shown = pd.DataFrame(
        {
            "quarter": forecast["quarter_start"].astype(str).str[:10],
            "expected": forecast["expected_bookings_usd"].map(count),
            "90% range": [
                f"{count(low)} - {count(high)}"
                for low, high in zip(forecast["low_usd"], forecast["high_usd"], strict=True)
            ],
            "target": forecast["target_usd"].map(count),
            "gap": forecast["gap_usd"].map(count),
        }
    )
    record = warehouse.query(FORECAST_TRACK_RECORD_SQL).iloc[0]
    return [
        "Will we make the number? Bookings forecast (USD, all segments and regions)",
        shown.to_string(index=False),
        track_record_sentence(record),
        "",
    ]


def _weight_shown(row: pd.Series) -> str:
    """The weight with its interval, and `*` when the effect's interval (markov: the removal
    effect; shapley: the logistic coefficient) includes 0."""
    mark = " *" if str(row["evidence"]).startswith("not") else "  "
    return f"{row['weight']:.1%} [{row['weight_low']:.1%}, {row['weight_high']:.1%}]{mark}"


def _data_driven_section(warehouse: WarehouseResource) -> list[str]:
    """Each channel's data-driven weight with its 90% interval, one column per model."""
    if not warehouse.has_table(DATA_DRIVEN_REPORT):
        return []
    rows = warehouse.query(
        "select model, channel, effect, effect_low, effect_high, weight, weight_low,"
        f" weight_high, evidence, fitting_journeys from {DATA_DRIVEN_REPORT}"
    )
    if rows.empty or int(rows["fitting_journeys"].max()) == 0:
        return [NO_FITTING_JOURNEYS, ""]
    rows["shown"] = rows.apply(_weight_shown, axis=1)
    table = rows.pivot(index="channel", columns="model", values="shown")
    order = rows.pivot(index="channel", columns="model", values="weight").max(axis=1)
    table = table.loc[order.sort_values(ascending=False).index]
    return [
        f"What our own {int(rows['fitting_journeys'].max()):,} closed deals say: data-driven"
        " channel weights with 90% intervals (* cannot be told from no effect: the removal"
        " effect's or the logistic coefficient's interval includes 0)",
        table.to_string(),
        "",
    ]


def _numbers(warehouse: WarehouseResource, run_ok: bool) -> list[str]:
    """The report sections, or in words why there are none."""
    try:
        sections = (
            _attribution_section(warehouse)
            + _data_driven_section(warehouse)
            + _plan_section(warehouse)
            + _forecast_section(warehouse)
        )
    except Exception as error:  # a warehouse that exists but cannot be read (locked, say)
        return [
            f"The warehouse could not be read ({type(error).__name__}): another process may"
            " hold it; `make dev` shows the run.",
            "",
        ]
    if run_ok or sections[0] in (NO_WAREHOUSE, NO_REPORTS):
        return sections
    return [
        "(The run failed: these tables are what the warehouse holds now, possibly from an"
        " earlier run.)",
        *sections,
    ]


def _mark(outcome: CheckOutcome) -> str:
    if outcome.passed:
        return "ok    "
    return "WARN  " if outcome.severity == "WARN" else "FAILED"


def _check_lines(run: RunOutcome) -> list[str]:
    checks = run.checks
    failed = [c for c in checks if c.is_error]
    warned = [c for c in checks if not c.passed and not c.is_error]
    tally = f"Checks: {len(checks) - len(failed) - len(warned)} of {len(checks)} passed"
    tally += "".join(
        f", {len(group)} {word}"
        for group, word in ((warned, "warned"), (failed, "failed"))
        if group
    )
    if run.checks_not_run:
        tally += f"; {run.checks_not_run} not run (the run stopped before them)"
    lines = [tally]
    evaluated = {c.check: c for c in checks if c.check in CONTRIBUTION_CHECKS}
    for name in CONTRIBUTION_CHECKS:
        outcome = evaluated.get(name)
        lines.append(f"  {_mark(outcome)} {name}" if outcome else f"  -      {name} (not run)")
        if outcome and not outcome.passed and outcome.explanation:
            lines.append(f"{INDENT}{outcome.explanation}")
    for outcome in checks:
        if outcome.passed or outcome.check in CONTRIBUTION_CHECKS:
            continue
        lines.append(f"  {_mark(outcome)} [{outcome.severity}] {outcome.asset} :: {outcome.check}")
        if outcome.explanation:
            lines.append(f"{INDENT}{outcome.explanation}")
    return lines


def _failure_lines(run: RunOutcome) -> list[str]:
    """Why the run failed: each failed step with its error, then what did not run."""
    if run.succeeded:
        return []
    lines = ["", "The run FAILED:"]
    lines += [f"  {failure.step}: {failure.error}" for failure in run.failed_steps]
    if not run.failed_steps:
        lines.append("  a blocking check failed (above), so nothing after it was built.")
    if run.steps_not_run:
        cause = "it" if len(run.failed_steps) <= 1 else "them"
        lines.append(f"  {run.steps_not_run} more steps did not run because of {cause}.")
    lines.append("  `make dev` shows every step and its log.")
    return lines


def render_summary(warehouse: WarehouseResource, run: RunOutcome) -> str:
    lines = [
        "",
        "=" * 30 + " Attribution summary " + "=" * 30,
        f"Warehouse: {warehouse.warehouse_path}",
        f"Serving:   {warehouse.serving_database_path}"
        + (
            ""
            if SERVING_STEP in run.steps_done
            else "  (not republished by this run: BI keeps the last good copy)"
        ),
        f"Report:    {Path(warehouse.leadership_report_path).as_uri()}"
        + (
            ""
            if REPORT_STEP in run.steps_done
            else "  (not rewritten by this run: the last good one)"
        ),
        "",
    ]
    with warehouse.reading():
        lines += _numbers(warehouse, run.succeeded)
    lines += _check_lines(run)
    lines += _failure_lines(run)
    return "\n".join(lines)
