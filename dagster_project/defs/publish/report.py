"""The `leadership_report` asset: the published numbers as one HTML page for the CMO and CRO.

It runs after `serving_database`, so it shows only numbers that passed the blocking checks
and were published; it reads the serving file, like any BI tool, never the warehouse that
the next build may be rewriting. The checks behind the numbers are shown as they stand:
the Python checks (contribution, billing, freshness) as they ended on the published copy
itself, run by the publish before it swapped the copy in and kept in it (the report does not
run them again: at 10M touchpoints that took as long as the checks of the run), and every
other check (dbt tests, ingestion) as its latest evaluation recorded by Dagster.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DagsterInstance,
    EventLogEntry,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project.defs.checks.on_file import run_checks_on
from dagster_project.defs.dbt.assets import DBT_STEPS
from dagster_project.defs.groups import PUBLISHING
from dagster_project.defs.ingest.checks import ingestion_checks
from dagster_project.defs.publish.assets import PUBLISHED_CHECKS, serving_database
from dagster_project.defs.publish.report_data import HEADLINE_MODEL, ReportData, load_report_data
from dagster_project.defs.publish.report_html import CheckStatus, render_report, usd
from dagster_project.defs.publish.serving import PUBLISH_CHECKS
from dagster_project.lib.files import write_text_atomically
from dagster_project.lib.warehouse import WarehouseResource

# Checks whose latest recorded evaluation the report shows.
RECORDED_CHECKS: Sequence[AssetsDefinition | AssetChecksDefinition] = [
    *ingestion_checks,
    *DBT_STEPS,
]


def _utc(timestamp: float | None = None) -> str:
    """A POSIX timestamp (default: now) as UTC to the second."""
    moment = datetime.now(UTC) if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _verdict(passed: bool, severity: AssetCheckSeverity) -> str:
    if passed:
        return "passed"
    return "warned" if severity == AssetCheckSeverity.WARN else "failed"


def published_checks(
    serving_path: str, memory_limit: str, freshness_days: float | None = None
) -> list[CheckStatus]:
    """The Python checks as they ended on the published file (`main.publish_checks`, written
    by the publish that swapped it in): what readers see is what is proven. A file published
    before the table existed has them run again here."""
    reader = WarehouseResource(
        source_dir="", raw_dir="", warehouse_path=serving_path, duckdb_memory_limit=memory_limit
    )
    if not reader.has_table(PUBLISH_CHECKS):
        return rerun_checks(serving_path, freshness_days)
    rows = reader.query(
        f"select *, epoch(published_at) as published from {PUBLISH_CHECKS}"
        " order by rowid"  # as the publish ran them
    )
    return [
        CheckStatus(
            asset=row.asset,
            check=row.check_name,
            status=_verdict(bool(row.passed), AssetCheckSeverity(row.severity)),
            blocking=bool(row.blocking),
            description=row.description,
            evaluated=f"on the published copy before it was swapped in, {_utc(row.published)}",
        )
        for row in rows.itertuples()
    ]


def rerun_checks(serving_path: str, freshness_days: float | None = None) -> list[CheckStatus]:
    """Evaluate the Python checks against the published file."""
    evaluated = f"re-run on the published copy, {_utc()}"
    return [
        CheckStatus(
            asset=spec.asset_key.to_user_string(),
            check=spec.name,
            status=_verdict(result.passed, result.severity),
            blocking=spec.blocking,
            description=spec.description or "",
            evaluated=evaluated,
        )
        for spec, result in run_checks_on(
            serving_path, PUBLISHED_CHECKS, has_staging=False, freshness_days=freshness_days
        )
    ]


class CheckRecord(Protocol):
    """What the report reads of a check's latest execution record in Dagster's event log."""

    run_id: str
    event: EventLogEntry | None


def _status(record: CheckRecord | None) -> str:
    """passed | warned | failed | not run (planned in a run that has not reached it, or never).

    A record is the check's planned event until the check is evaluated, then its evaluation.
    """
    event = record.event.dagster_event if record is not None and record.event else None
    evaluation = event.event_specific_data if event is not None else None
    if isinstance(evaluation, AssetCheckEvaluation):
        return _verdict(evaluation.passed, evaluation.severity)
    return "not run"


def recorded_checks(
    instance: DagsterInstance, definitions: Iterable[AssetsDefinition | AssetChecksDefinition]
) -> list[CheckStatus]:
    """Each check's latest evaluation from Dagster's event log (dbt tests, ingestion checks)."""
    specs = {spec.key: spec for definition in definitions for spec in definition.check_specs}
    keys: list[AssetCheckKey] = sorted(specs, key=lambda key: key.to_user_string())
    # One query for every key: what DagsterInstance.get_latest_asset_check_evaluation_record
    # does for one (a query per check would cost seconds over the ~300 dbt tests).
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    statuses = []
    for key in keys:
        spec = specs[key]
        record: CheckRecord | None = latest.get(key)
        when = _utc(record.event.timestamp) if record and record.event else "never"
        statuses.append(
            CheckStatus(
                asset=key.asset_key.to_user_string(),
                check=key.name,
                status=_status(record),
                blocking=spec.blocking,
                description=spec.description or "",
                evaluated=f"run {record.run_id[:8]}, {when}" if record is not None else when,
            )
        )
    return statuses


def summary_preview(data: ReportData, checks: Sequence[CheckStatus]) -> str:
    """The report's headline in Markdown, shown in the Dagster UI beside the asset."""
    c = data.contribution
    marketing = data.marketing_attributed.set_index("model")
    failing = [f"{s.check} ({s.status})" for s in checks if s.status != "passed"]
    types = data.contribution_types
    lines = [
        f"**{data.period_start} to {data.period_end}** (as of {data.as_of})",
        "",
        "| measure | USD |",
        "|---|---:|",
        f"| pipeline created | {usd(c['pipeline_usd'])} |",
        f"| marketing-sourced pipeline ({types}) | {usd(c['sourced_pipeline_usd'])} |",
        f"| marketing-influenced pipeline ({types}) | {usd(c['influenced_pipeline_usd'])} |",
        f"| revenue won | {usd(c['revenue_usd'])} |",
        f"| marketing-sourced revenue ({types}) | {usd(c['sourced_revenue_usd'])} |",
        f"| marketing-influenced revenue ({types}) | {usd(c['influenced_revenue_usd'])} |",
    ]
    if HEADLINE_MODEL in marketing.index:
        revenue = marketing.loc[HEADLINE_MODEL, "attributed_revenue_usd"]
        lines.append(f"| attributed to marketing ({HEADLINE_MODEL}) | {usd(revenue)} |")
    lines += ["", f"Checks: {len(checks) - len(failing)} of {len(checks)} passed"]
    lines += [f"- {item}" for item in failing[:10]]
    return "\n".join(lines)


@asset(
    key=AssetKey("leadership_report"),
    group_name=PUBLISHING,
    kinds={"html"},
    owners=["team:revenue-operations", "team:analytics-engineering"],
    deps=[serving_database.key],
    description=(
        "One self-contained HTML page for the CMO and CRO (charts inline, nothing fetched): "
        "marketing's sourced, influenced and attributed pipeline and revenue, attribution by "
        "channel under every model side by side, top campaigns by ROI, funnel and velocity, "
        "plan vs actual with the shortfalls first, and the status of every check behind the "
        "numbers with the data's freshness. Every number's definition shows on hover and in "
        "the glossary. Reads the published serving database, so it only ever shows numbers "
        "that passed the blocking checks."
    ),
)
def leadership_report(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    serving = warehouse.serving_database_path
    data = load_report_data(serving, warehouse.duckdb_memory_limit)
    headline = published_checks(serving, warehouse.duckdb_memory_limit, warehouse.freshness_days)
    others = recorded_checks(context.instance, RECORDED_CHECKS)
    checks = [*headline, *others]
    html = render_report(data, headline, others)
    path = Path(warehouse.leadership_report_path)
    write_text_atomically(path, html)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "open": MetadataValue.url(path.as_uri()),
            "size_bytes": len(html.encode("utf-8")),
            "checks_passed": sum(1 for s in checks if s.status == "passed"),
            "checks_total": len(checks),
            "summary": MetadataValue.md(summary_preview(data, checks)),
        }
    )


report_assets = [leadership_report]
