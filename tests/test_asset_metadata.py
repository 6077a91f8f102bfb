"""What the Dagster UI shows on a materialisation: row counts that are the warehouse's own.

Reads the session's real Dagster build of the sample (conftest.built_warehouse), so the
numbers are the ones a person sees on the asset pages after `make run`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetKey

from dagster_project.defs.dbt.project import attribution_dbt_project
from dagster_project.defs.ingest.assets import ingestion_assets
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS
from tests.helpers.warehouse_build import BuiltWarehouse

ROW_COUNT = "dagster/row_count"


def _materializations(built: BuiltWarehouse) -> dict[AssetKey, dict[str, Any]]:
    """Metadata of each asset's materialisation in the build, as plain values."""
    return {
        event.asset_key: {k: v.value for k, v in event.materialization.metadata.items()}
        for event in built.result.all_events
        if event.is_step_materialization
    }


def _table_models() -> list[tuple[str, str]]:
    """(schema, name) of every dbt model materialised as a table (views are not counted)."""
    manifest = json.loads(Path(attribution_dbt_project.manifest_path).read_text())
    return sorted(
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "table"
    )


def test_fct_attribution_row_count_is_the_warehouse_count(built_warehouse: BuiltWarehouse) -> None:
    """On the stored rows: fct_attribution itself is a view, which dbt does not count."""
    metadata = _materializations(built_warehouse)[AssetKey(["marts", "fct_attribution_credits"])]
    real = built_warehouse.resource.query("select count(*) as n from marts.fct_attribution")
    assert metadata[ROW_COUNT] == int(real["n"].iloc[0]) > 0


def test_every_dbt_table_model_reports_its_row_count(built_warehouse: BuiltWarehouse) -> None:
    tables = _table_models()
    assert {schema for schema, _ in tables} >= {"intermediate", "marts", "reports"}
    counts = built_warehouse.resource.query(
        " union all ".join(
            f"select '{schema}' as s, '{name}' as t, count(*) as n from {schema}.{name}"
            for schema, name in tables
        )
    )
    real = {(row.s, row.t): int(row.n) for row in counts.itertuples()}
    metadata = _materializations(built_warehouse)
    reported = {
        (schema, name): metadata[AssetKey([schema, name])].get(ROW_COUNT) for schema, name in tables
    }
    assert reported == real


def test_ingestion_row_counts_reconcile(built_warehouse: BuiltWarehouse) -> None:
    """Each landing reports rows read = rows landed (the row count) + rows quarantined, and
    the row count is what the landed Parquet holds."""
    metadata = _materializations(built_warehouse)
    keys = [key for assets_def in ingestion_assets for key in assets_def.keys]
    assert len(keys) == len(SOURCE_CONTRACTS)
    with duckdb.connect() as con:
        for key in keys:
            entry = metadata[key]
            assert entry["rows_read"] == entry[ROW_COUNT] + entry["rows_quarantined"], key
            sql = f"select count(*) from read_parquet('{entry['output_path']}')"
            assert entry[ROW_COUNT] == con.execute(sql).fetchall()[0][0], key
