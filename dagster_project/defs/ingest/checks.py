"""Checks that prove ingestion lost nothing: per source and file, rows read = rows loaded +
rows quarantined, and a quarantine rate that warns under a threshold and fails above it.

They trust neither the landing's row counts nor its files alone: the manifest the landing
wrote (`_landing.json`) is compared with the rows actually present in the raw and quarantine
Parquet files, so a broken export cannot quietly shrink revenue.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from dagster_project.defs.asset_keys import raw_asset_key
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, SourceContract
from dagster_project.defs.ingest.raw_layout import (
    PARTS_GLOB,
    SOURCE_FILE_COLUMN,
    manifest_path,
    output_dir,
    quarantine_dir,
)
from dagster_project.lib.files import shown_path
from dagster_project.lib.warehouse import WarehouseResource

QUARANTINE_RATE_VARIABLE = "ATTRIBUTION_QUARANTINE_ERROR_RATE"


def percent(rate: float) -> str:
    """27%, 1%, 0.5%, 0.02%: whole percents from 10%, two significant digits below."""
    value = rate * 100
    if value >= 10 or value == 0:
        return f"{value:.0f}%"
    return f"{value:.2g}%" if value >= 0.01 else "<0.01%"


def _rows_per_file(folder: Path, file_column: str) -> dict[str, int]:
    if not any(folder.glob(PARTS_GLOB)):
        return {}
    with duckdb.connect() as con:
        rows = con.execute(
            f"select {file_column}, count(*) from read_parquet('{folder / PARTS_GLOB}') group by 1"
        ).fetchall()
    return {str(file): int(count) for file, count in rows}


FILE_COUNTS = ["file", "rows_read", "rows_loaded", "rows_quarantined"]


def _manifest(contract: SourceContract, raw_dir: Path) -> dict:
    return json.loads(manifest_path(contract, raw_dir).read_text())


def manifest_files(contract: SourceContract, raw_dir: Path) -> pd.DataFrame:
    """Per input file, the counts the landing recorded in its manifest (none if not provided)."""
    return pd.DataFrame(_manifest(contract, raw_dir)["files"], columns=FILE_COUNTS)


def source_status(contract: SourceContract, raw_dir: Path) -> str:
    """``provided`` or ``not provided``, as the last landing recorded it."""
    return "provided" if _manifest(contract, raw_dir).get("provided", True) else "not provided"


def reconciliation(contract: SourceContract, raw_dir: Path) -> pd.DataFrame:
    """Per input file: what the manifest says and what the Parquet files hold.

    Rows in the Parquet files from a file the manifest does not list (a stale part) get a
    row of their own with zero recorded counts, so they fail the check instead of hiding.
    """
    frame = manifest_files(contract, raw_dir)
    loaded = _rows_per_file(output_dir(contract, raw_dir), SOURCE_FILE_COLUMN)
    quarantined = _rows_per_file(quarantine_dir(contract, raw_dir), "file")
    unlisted = sorted((set(loaded) | set(quarantined)) - set(frame["file"]))
    if unlisted:
        extra = pd.DataFrame({"file": unlisted, **dict.fromkeys(FILE_COUNTS[1:], 0)})
        frame = pd.concat([frame, extra], ignore_index=True)
    frame["rows_in_raw"] = frame["file"].map(loaded).fillna(0).astype(int)
    frame["rows_in_quarantine"] = frame["file"].map(quarantined).fillna(0).astype(int)
    return frame


def _reconcile_check(contract: SourceContract) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_asset_key(contract.family, contract.name),
        name="rows_read_equal_loaded_plus_quarantined",
        blocking=True,
        description=(
            f"Per file of `{contract.qualified_name}`: rows read = rows loaded + rows "
            "quarantined, and the raw and quarantine Parquet files hold exactly those rows "
            "(none at all when the source was not provided)."
        ),
    )
    def _check(warehouse: WarehouseResource) -> AssetCheckResult:
        frame = reconciliation(contract, Path(warehouse.raw_dir))
        bad = frame[
            (frame["rows_read"] != frame["rows_loaded"] + frame["rows_quarantined"])
            | (frame["rows_in_raw"] != frame["rows_loaded"])
            | (frame["rows_in_quarantine"] != frame["rows_quarantined"])
        ]
        return AssetCheckResult(
            passed=bad.empty,
            description=None if bad.empty else _reconcile_explanation(contract, bad, len(frame)),
            metadata={
                "status": source_status(contract, Path(warehouse.raw_dir)),
                "rows_read": int(frame["rows_read"].sum()),
                "rows_loaded": int(frame["rows_loaded"].sum()),
                "rows_quarantined": int(frame["rows_quarantined"].sum()),
                "files": MetadataValue.md(frame.to_markdown(index=False)),
            },
        )

    return _check


def _reconcile_explanation(contract: SourceContract, bad: pd.DataFrame, files: int) -> str:
    """Which file, which counts differ, and what to do: the first file that differs."""
    row = bad.iloc[0]
    read, loaded, quarantined = (
        int(row[c]) for c in ("rows_read", "rows_loaded", "rows_quarantined")
    )
    differences = []
    if read != loaded + quarantined:
        differences.append(f"read {read} but loaded {loaded} + quarantined {quarantined}")
    if int(row["rows_in_raw"]) != loaded:
        differences.append(f"{loaded} rows loaded but {int(row['rows_in_raw'])} in the raw files")
    if int(row["rows_in_quarantine"]) != quarantined:
        differences.append(
            f"{quarantined} rows quarantined but {int(row['rows_in_quarantine'])} in the"
            " quarantine files"
        )
    return (
        f"{raw_asset_key(contract.family, contract.name).to_user_string()}: {row['file']}: "
        f"{'; '.join(differences)} ({len(bad)} of {files} files differ): the raw area was "
        "changed outside the landing; run again to land the source afresh"
    )


def _quarantine_rate_check(contract: SourceContract) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_asset_key(contract.family, contract.name),
        name="quarantine_rate",
        blocking=True,  # at ERROR only: a warning lets the run go on
        description=(
            f"Share of `{contract.qualified_name}` rows quarantined: passes at 0, warns up to "
            "the threshold (ATTRIBUTION_QUARANTINE_ERROR_RATE, default 1%), fails above it."
        ),
    )
    def _check(warehouse: WarehouseResource) -> AssetCheckResult:
        # The manifest suffices here: the reconciliation check proves it matches the files.
        frame = manifest_files(contract, Path(warehouse.raw_dir))
        read = int(frame["rows_read"].sum())
        quarantined = int(frame["rows_quarantined"].sum())
        rate = quarantined / read if read else 0.0
        threshold = warehouse.quarantine_error_rate
        metadata: dict[str, object] = {
            "rows_read": read,
            "rows_quarantined": quarantined,
            "quarantine_rate": rate,
            "error_above_rate": threshold,
        }
        folder = quarantine_dir(contract, Path(warehouse.raw_dir))
        if quarantined:
            with duckdb.connect() as con:
                reasons = con.execute(
                    'select file, line, "column", reason'
                    f" from read_parquet('{folder / PARTS_GLOB}') order by file, line limit 20"
                ).df()
            metadata["first_quarantined_rows"] = MetadataValue.md(reasons.to_markdown(index=False))
        return AssetCheckResult(
            passed=quarantined == 0,
            severity=AssetCheckSeverity.ERROR if rate > threshold else AssetCheckSeverity.WARN,
            metadata=metadata,
            description=(
                _quarantine_explanation(contract, quarantined, read, threshold, folder)
                if quarantined
                else None
            ),
        )

    return _check


def _quarantine_explanation(
    contract: SourceContract, quarantined: int, read: int, threshold: float, folder: Path
) -> str:
    """The figures, the limit, where the rows are and, above the limit, how to raise it."""
    asset = raw_asset_key(contract.family, contract.name).to_user_string()
    rate = quarantined / read
    text = f"{asset}: {quarantined} of {read} rows quarantined ({percent(rate)}), "
    limit, where = percent(threshold), f"see {shown_path(folder)}/"
    if rate > threshold:
        return f"{text}above the {limit} limit: {where}, or set {QUARANTINE_RATE_VARIABLE}"
    return f"{text}within the {limit} limit: {where}"


ingestion_checks: list[AssetChecksDefinition] = [
    check
    for contract in SOURCE_CONTRACTS.values()
    for check in (_reconcile_check(contract), _quarantine_rate_check(contract))
]
