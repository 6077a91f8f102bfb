"""The `serving_database` asset: publishes every public mart and report once they are proven.

It depends on every dbt model in the `marts` and `reports` schemas, so in a run it starts
only after the whole dbt build and after the blocking contribution checks passed (a
failed blocking check, or a failed dbt step, skips it). It then re-runs the Python checks
on the staged copy itself before swapping it in, so what readers get reconciles whichever
way the asset was started (for instance on its own, after a half-finished build), and keeps
their results in the copy for the leadership report.
"""

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

from dagster import (
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    TableSchema,
    asset,
)

from dagster_project.defs.checks.contribution import contribution_checks
from dagster_project.defs.checks.freshness import freshness_checks
from dagster_project.defs.checks.on_file import run_checks_on
from dagster_project.defs.checks.revenue import revenue_checks
from dagster_project.defs.dbt.assets import DBT_STEPS
from dagster_project.defs.groups import PUBLISHING
from dagster_project.defs.publish.serving import (
    ProvenCheck,
    PublicTable,
    PublishError,
    publish,
)
from dagster_project.lib.warehouse import WarehouseResource

PUBLIC_SCHEMAS = ("marts", "reports")
MAX_ROWS_SHOWN = 5
# dagster-dbt's asset description: the dbt description (or this placeholder when there is
# none), then the model's SQL under this heading (dagster_dbt.asset_utils.default_description_fn).
_RAW_SQL_HEADING = "\n\n#### Raw SQL:"


def _dbt_description(spec: AssetSpec, model: str) -> str:
    """The model's own dbt description, out of the description dagster-dbt gave its asset."""
    text = (spec.description or "").split(_RAW_SQL_HEADING, 1)[0]
    return "" if text == f"dbt model {model}" else text


def public_models(
    dbt_steps: Iterable[AssetsDefinition] = DBT_STEPS,
) -> list[tuple[AssetKey, PublicTable]]:
    """Every dbt model that lands in a public schema, with its asset key and documentation.

    Read from the dbt assets' own specs (what dagster-dbt took from the manifest when it made
    them), so nothing is read from disk here: `dagster_dbt/unique_id` is `model.<project>.<name>`,
    `dagster/table_name` the model's `<database>.<schema>.<alias>`, `dagster/column_schema` its
    documented columns.
    """
    found = []
    for step in dbt_steps:
        for spec in step.specs:
            resource_type, _, model = str(spec.metadata.get("dagster_dbt/unique_id")).split(".", 2)
            *_, schema, name = str(spec.metadata.get("dagster/table_name")).split(".")
            if resource_type != "model" or schema not in PUBLIC_SCHEMAS:
                continue
            column_schema = spec.metadata.get("dagster/column_schema")
            columns = column_schema.columns if isinstance(column_schema, TableSchema) else []
            table = PublicTable(
                schema=schema,
                name=name,
                description=_dbt_description(spec, model),
                columns={column.name: column.description or "" for column in columns},
            )
            found.append((spec.key, table))
    return sorted(found, key=lambda pair: pair[1].qualified_name)


PUBLIC_MODELS = public_models()
PUBLIC_TABLES = [table for _, table in PUBLIC_MODELS]


# The Python checks that read only public tables: run on the staged copy of every publish.
PUBLISHED_CHECKS: Sequence[AssetChecksDefinition] = [
    *contribution_checks,
    *revenue_checks,
    *freshness_checks,
]


def validate_staged(staged: Path, freshness_days: float | None = None) -> list[ProvenCheck]:
    """Run the Python checks on the staged copy; refuse it if a blocking one fails. Their
    results go into the copy, where the leadership report reads them."""
    failures = []
    proven = []
    evaluated = run_checks_on(
        staged, PUBLISHED_CHECKS, has_staging=False, freshness_days=freshness_days
    )
    for spec, result in evaluated:
        severity = result.severity or AssetCheckSeverity.ERROR
        blocking = spec.blocking and severity == AssetCheckSeverity.ERROR
        if not result.passed and blocking:
            preview = result.metadata.get("offending_preview")
            shown = getattr(preview, "value", "")
            failures.append(f"{spec.name}:\n{shown}")
        proven.append(
            ProvenCheck(
                asset=spec.asset_key.to_user_string(),
                check_name=spec.name,
                blocking=spec.blocking,
                severity=severity.value,
                passed=result.passed,
                description=spec.description or "",
                explanation=result.description or "",
            )
        )
    if failures:
        raise PublishError(
            "not published: the staged copy fails blocking checks\n" + "\n".join(failures)
        )
    return proven


@asset(
    key=AssetKey("serving_database"),
    group_name=PUBLISHING,
    kinds={"duckdb"},
    owners=["team:analytics-engineering", "team:revenue-operations"],
    deps=[key for key, _ in PUBLIC_MODELS],
    description=(
        "Read-only DuckDB file for BI tools with every public mart and report "
        f"({', '.join(PUBLIC_SCHEMAS)}) and a publish_log, plus the same tables as Parquet "
        "under serving_parquet/current/<schema>/<table>.parquet. It runs last, after the blocking "
        "checks have passed on the marts and reports; it writes a new file, re-runs those "
        "checks on it and atomically swaps it in. A failed or killed run therefore leaves the "
        "last published tables intact and consistent, and readers never see a build mid-way."
    ),
)
def serving_database(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    publication = publish(
        warehouse,
        PUBLIC_TABLES,
        publish_id=context.run_id,
        validate=functools.partial(validate_staged, freshness_days=warehouse.freshness_days),
    )
    rows = "\n".join(f"| {name} | {count:,} |" for name, count in publication.row_counts.items())
    if publication.removed_staging_files:
        context.log.warning(
            f"removed staging files of earlier failed publishes: "
            f"{publication.removed_staging_files[:MAX_ROWS_SHOWN]}"
        )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(publication.path)),
            "parquet_dir": MetadataValue.path(str(publication.parquet_dir)),
            "size_bytes": publication.size_bytes,
            "published_at_utc": publication.published_at.isoformat(sep=" "),
            "tables": MetadataValue.md("| table | rows |\n|---|---:|\n" + rows),
            "row_counts": MetadataValue.json(publication.row_counts),
            "dagster/row_count": sum(publication.row_counts.values()),
            "removed_staging_files": len(publication.removed_staging_files),
            "publish_seconds": round(publication.seconds, 3),
            "publish_phase_seconds": MetadataValue.json(publication.phase_seconds),
        }
    )


publish_assets = [serving_database]
