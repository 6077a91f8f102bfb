"""The `serving_database` asset: publishes every public mart and report once they are proven.

It depends on every dbt model in the `marts` and `reports` schemas, so in a run it starts
only after the whole dbt build and after the blocking contribution checks passed (a
failed blocking check, or a failed dbt step, skips it). It then re-runs those checks on
the staged copy itself before swapping it in, so what readers get reconciles whichever
way the asset was started (for instance on its own, after a half-finished build).
"""

import json
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.checks.contribution import contribution_checks
from dagster_project.defs.checks.on_file import run_checks_on
from dagster_project.defs.dbt.assets import attribution_dbt_models, leadership_reports
from dagster_project.defs.dbt.project import attribution_dbt_project
from dagster_project.defs.groups import PUBLISHING
from dagster_project.defs.publish.serving import PublicTable, PublishError, publish
from dagster_project.lib.warehouse import WarehouseResource

PUBLIC_SCHEMAS = ("marts", "reports")
MAX_ROWS_SHOWN = 5


def public_models() -> list[tuple[AssetKey, PublicTable]]:
    """Every dbt model that lands in a public schema, with its asset key and documentation."""
    manifest = json.loads(Path(attribution_dbt_project.manifest_path).read_text())
    found = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] not in PUBLIC_SCHEMAS:
            continue
        # Whichever of the two dbt steps builds it (reports come after the gating checks).
        step = leadership_reports if node["schema"] == "reports" else attribution_dbt_models
        key = get_asset_key_for_model([step], node["name"])
        table = PublicTable(
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            description=node.get("description") or "",
            columns={
                name: column.get("description") or ""
                for name, column in node.get("columns", {}).items()
            },
        )
        found.append((key, table))
    return sorted(found, key=lambda pair: pair[1].qualified_name)


PUBLIC_MODELS = public_models()
PUBLIC_TABLES = [table for _, table in PUBLIC_MODELS]


def validate_staged(staged: Path) -> None:
    """Run every blocking contribution check on the staged copy; refuse it if one fails."""
    failures = []
    for spec, result in run_checks_on(staged, contribution_checks, has_staging=False):
        if not result.passed:
            preview = result.metadata.get("offending_preview")
            shown = getattr(preview, "value", "")
            failures.append(f"{spec.name}:\n{shown}")
    if failures:
        raise PublishError(
            "not published: the staged copy fails blocking checks\n" + "\n".join(failures)
        )


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
        warehouse, PUBLIC_TABLES, publish_id=context.run_id, validate=validate_staged
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
        }
    )


publish_assets = [serving_database]
