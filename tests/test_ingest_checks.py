"""Ingestion checks in Dagster: counts reconcile per file, and the quarantine rate warns
under the threshold and fails (blocking) above it. Real files, real landing, real checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, materialize

from dagster_project.defs.dbt.translator import raw_asset_key
from dagster_project.defs.ingest.assets import ingestion_assets
from dagster_project.defs.ingest.checks import ingestion_checks
from dagster_project.lib.warehouse import WarehouseResource
from tests.helpers.warehouse_build import SAMPLE_DIR

KEY = raw_asset_key("crm", "opportunities")


def _land_opportunities(tmp_path: Path, bad_rows: int, error_rate: float):
    exports = tmp_path / "exports"
    shutil.copytree(SAMPLE_DIR, exports)
    path = exports / "crm" / "opportunities.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[: bad_rows - 1, "currency"] = "XYZ"  # not an ISO 4217 code
    frame.to_csv(path, index=False)
    warehouse = WarehouseResource(
        source_dir=str(exports),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
        quarantine_error_rate=error_rate,
    )
    asset = next(a for a in ingestion_assets if KEY in a.keys)
    checks = [c for c in ingestion_checks if KEY in {k.asset_key for k in c.check_keys}]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [asset, *checks], resources={"warehouse": warehouse}, instance=instance,
            raise_on_error=False,
        )  # fmt: skip
    return result, {e.check_name: e for e in result.get_asset_check_evaluations()}, len(frame)


@pytest.mark.parametrize(
    ("bad_rows", "severity", "explanation"),
    [
        (3, AssetCheckSeverity.WARN, "3 of 673 rows quarantined (0.45%), within the 5% limit"),
        (60, AssetCheckSeverity.ERROR, "60 of 673 rows quarantined (8.9%), above the 5% limit"),
    ],
)
def test_quarantine_rate_warns_below_and_fails_above_threshold(
    tmp_path: Path, bad_rows: int, severity: AssetCheckSeverity, explanation: str
) -> None:
    result, checks, total = _land_opportunities(tmp_path, bad_rows, error_rate=0.05)
    # Under the threshold the run goes on with a warning; above it the blocking check fails
    # the run, so nothing downstream is built from a shrunken export.
    assert result.success == (severity == AssetCheckSeverity.WARN)
    reconcile = checks["rows_read_equal_loaded_plus_quarantined"]
    assert reconcile.passed
    assert reconcile.metadata["rows_read"].value == total
    assert reconcile.metadata["rows_quarantined"].value == bad_rows
    assert reconcile.metadata["rows_loaded"].value == total - bad_rows
    rate = checks["quarantine_rate"]
    assert not rate.passed
    assert rate.severity == severity
    assert "ISO 4217" in rate.metadata["first_quarantined_rows"].value
    # Its own words for the run summary: figures, limit, where the rows are, the setting.
    folder = tmp_path / "raw" / "_quarantine" / "crm" / "opportunities"
    fix = (
        ", or set ATTRIBUTION_QUARANTINE_ERROR_RATE" if severity == AssetCheckSeverity.ERROR else ""
    )
    assert rate.description == f"raw/crm/opportunities: {explanation}: see {folder}/{fix}"
    assert reconcile.description is None


def test_reconciliation_says_which_file_and_which_counts_differ(tmp_path: Path) -> None:
    _, checks, _ = _land_opportunities(tmp_path, bad_rows=3, error_rate=0.05)
    assert checks["rows_read_equal_loaded_plus_quarantined"].passed
    # Quarantined rows removed behind the landing's back: the check must notice and say so.
    for part in (tmp_path / "raw" / "_quarantine" / "crm" / "opportunities").glob("*.parquet"):
        part.unlink()
    warehouse = WarehouseResource(
        source_dir="", raw_dir=str(tmp_path / "raw"), warehouse_path=str(tmp_path / "w.duckdb")
    )
    [check] = [
        c
        for c in ingestion_checks
        if KEY in {k.asset_key for k in c.check_keys}
        and {k.name for k in c.check_keys} == {"rows_read_equal_loaded_plus_quarantined"}
    ]
    outcome = check(warehouse=warehouse)
    assert not outcome.passed
    assert outcome.description == (
        "raw/crm/opportunities: crm/opportunities.csv: 3 rows quarantined but 0 in the"
        " quarantine files (1 of 1 files differ): the raw area was changed outside the"
        " landing; run again to land the source afresh"
    )
