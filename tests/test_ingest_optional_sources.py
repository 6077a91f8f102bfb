"""Optional sources and the ingestion log, at the landing: real exports written by the tests
(tests/helpers/exports.py), real landings, the Parquet read back as dbt and Spark read it.

Only accounts, contacts, opportunities and at least one touch source are required; any other
source may be absent and then lands as an empty, typed table recorded as not provided.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context, materialize

from dagster_project.definitions import build_definitions
from dagster_project.defs.ingest import contracts
from dagster_project.defs.ingest.assets import ingestion_assets
from dagster_project.defs.ingest.checks import ingestion_checks, reconciliation
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS
from dagster_project.defs.ingest.incremental import read_manifest
from dagster_project.defs.ingest.landing import land_source
from dagster_project.defs.ingest.raw_layout import (
    LANDED_SOURCES_SCHEMA,
    LINEAGE_COLUMNS,
    NOT_PROVIDED_PART,
    QUARANTINE_SCHEMA,
    landed_source_path,
    output_dir,
    quarantine_dir,
)
from dagster_project.defs.ingest.sensors import new_source_files
from dagster_project.defs.ingest.source_files import SourceFileError
from dagster_project.lib.warehouse import WarehouseResource
from tests.helpers.exports import (
    OPTIONAL_SOURCES,
    REQUIRED_SOURCES,
    TOUCH_SOURCES,
    Exports,
    one_deal,
)


def every_source() -> Exports:
    """one_deal plus a row in every optional source, so each can be landed provided."""
    exports = one_deal(currency="EUR")
    exports.stage("OPP-1", "Proposal", "2025-02-01 10:00:00", amount=12_000.0)
    exports.campaign("CMP-1", start_date="2025-01-01", end_date="2025-01-31", currency="USD")
    exports.response("MEM-1", "CMP-1", "CON-1", "2025-01-08 10:00:00")
    exports.spend("2025-01-09", "google_ads", 250.0, campaign_id="CMP-1", impressions=10)
    exports.invoice("INV-1", "ACC-1", opportunity_id="OPP-1", invoice_date="2025-05-20",
                    amount=12_000.0, currency="EUR", service_start="2025-06-01")  # fmt: skip
    exports.fx_rate("EUR", "2025-01-01", 1.08)
    exports.target("2025-05", "bookings_usd", 10_000.0, segment="SMB")
    return exports


def land_all(src: Path, raw: Path, only: tuple[str, ...] | None = None) -> dict:
    return {
        name: land_source(contract, src, raw)
        for name, contract in SOURCE_CONTRACTS.items()
        if only is None or name in only
    }


def arrow_fields(folder: Path) -> list[tuple[str, pa.DataType]]:
    """(name, type) of every part of a landed folder; all parts of a source must agree."""
    schemas = {
        tuple((f.name, f.type) for f in pq.read_schema(part)) for part in folder.glob("*.parquet")
    }
    assert len(schemas) == 1, schemas
    return list(schemas.pop())


def log_row(contract: contracts.SourceContract, raw: Path) -> dict:
    table = pq.read_table(landed_source_path(contract, raw))
    assert table.schema == LANDED_SOURCES_SCHEMA
    [row] = table.to_pylist()
    return row


# --------------------------------------------------------------------------- the contract


def test_required_and_touch_sources_are_declared_in_the_contracts() -> None:
    assert contracts.REQUIRED_SOURCES == REQUIRED_SOURCES
    assert set(contracts.TOUCH_SOURCES) == set(TOUCH_SOURCES)
    assert {c.qualified_name for c in SOURCE_CONTRACTS.values() if c.presence == "optional"} == (
        set(OPTIONAL_SOURCES) - set(TOUCH_SOURCES)
    )
    text = contracts.contract_markdown()
    assert text.startswith(contracts.presence_markdown())
    assert "### crm/accounts\n\nSource: required." in text
    assert "### revenue/targets\n\nSource: optional." in text
    assert (
        "### campaign/web_sessions\n\nSource: optional, but at least one touch source is required."
    ) in text


# --------------------------------------------------------------------------- absent sources


@pytest.mark.parametrize("absent", OPTIONAL_SOURCES)
def test_absent_optional_source_lands_empty_typed_and_not_provided(
    tmp_path: Path, absent: str
) -> None:
    contract = SOURCE_CONTRACTS[absent]
    exports = every_source()
    provided_raw, raw = tmp_path / "provided", tmp_path / "raw"
    full = exports.write(tmp_path / "full", omit=())
    land_source(contract, full, provided_raw)
    src = exports.write(tmp_path / "src", omit=(absent,))

    result = land_source(contract, src, raw)

    assert not result.provided
    assert (result.rows_loaded, result.rows_read, result.rows_quarantined) == (0, 0, 0)
    assert result.files == [] and result.files_stats == {}
    data, quarantine = output_dir(contract, raw), quarantine_dir(contract, raw)
    assert [p.name for p in data.glob("*.parquet")] == [NOT_PROVIDED_PART]
    assert [p.name for p in quarantine.glob("*.parquet")] == [NOT_PROVIDED_PART]
    # The same columns and Parquet types as a landing of the provided source.
    fields = arrow_fields(data)
    assert [name for name, _ in fields] == [*contract.column_names, *LINEAGE_COLUMNS]
    assert fields == arrow_fields(output_dir(contract, provided_raw))
    assert duckdb.sql(f"select count(*) from '{result.output_path}'").fetchall() == [(0,)]
    empty_quarantine = pq.read_table(quarantine)
    assert empty_quarantine.num_rows == 0 and empty_quarantine.schema == QUARANTINE_SCHEMA
    manifest = read_manifest(contract, raw)
    assert manifest is not None
    assert (manifest["provided"], manifest["files"], manifest["rows_read"]) == (False, [], 0)
    assert log_row(contract, raw) == {
        "source": absent,
        "source_family": contract.family,
        "source_name": contract.name,
        "is_provided": False,
        "file_count": 0,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "landed_at": result.landed_at,
    }
    assert reconciliation(contract, raw).empty


def test_absent_source_asset_says_not_provided_and_its_checks_pass(tmp_path: Path) -> None:
    key = AssetKey(["raw", "revenue", "targets"])
    src = one_deal().write(tmp_path / "src")
    assert not (src / "revenue").exists()
    warehouse = WarehouseResource(
        source_dir=str(src),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
    )
    asset = next(a for a in ingestion_assets if key in a.keys)
    checks = [c for c in ingestion_checks if key in {k.asset_key for k in c.check_keys}]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [asset, *checks], resources={"warehouse": warehouse}, instance=instance
        )
    [event] = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    assert metadata["status"] == "not provided"
    assert (metadata["dagster/row_count"], metadata["rows_read"]) == (0, 0)
    assert metadata["source_files"] == []
    evaluations = result.get_asset_check_evaluations()
    assert sorted(e.check_name for e in evaluations) == [
        "quarantine_rate",
        "rows_read_equal_loaded_plus_quarantined",
    ]
    assert all(e.passed for e in evaluations)
    reconciled = next(e for e in evaluations if e.check_name.startswith("rows_read"))
    assert reconciled.metadata["status"].value == "not provided"


def test_no_touch_source_fails_naming_the_three_and_the_source_directory(tmp_path: Path) -> None:
    src = one_deal().write(tmp_path / "src", omit=(*OPTIONAL_SOURCES,))
    raw = tmp_path / "raw"
    for name in TOUCH_SOURCES:
        contract = SOURCE_CONTRACTS[name]
        with pytest.raises(SourceFileError) as err:
            land_source(contract, src, raw)
        message = str(err.value)
        assert message.startswith(f"{name}: no touch source in {src}: provide at least one of ")
        assert all(touch in message for touch in TOUCH_SOURCES)
        assert not output_dir(contract, raw).exists()
        assert not landed_source_path(contract, raw).exists()


def test_one_touch_source_is_enough(tmp_path: Path) -> None:
    omit = tuple(s for s in OPTIONAL_SOURCES if s != "campaign/campaign_members")
    exports = every_source()
    src = exports.write(tmp_path / "src", omit=omit)
    results = land_all(src, tmp_path / "raw")
    assert {name for name, r in results.items() if r.provided} == {
        *REQUIRED_SOURCES,
        "campaign/campaign_members",
    }


@pytest.mark.parametrize("missing", REQUIRED_SOURCES)
def test_missing_required_source_fails_naming_its_expected_paths(
    tmp_path: Path, missing: str
) -> None:
    contract = SOURCE_CONTRACTS[missing]
    src = one_deal().write(tmp_path / "src", omit=(missing,))
    base = src / contract.family / contract.name
    with pytest.raises(SourceFileError) as err:
        land_source(contract, src, tmp_path / "raw")
    assert str(err.value) == (
        f"{missing}: no input found for this required source; expected one of "
        f"{base}.csv, {base}.parquet, {base}/"
    )
    assert not output_dir(contract, tmp_path / "raw").exists()


def test_an_empty_folder_is_not_an_absent_source(tmp_path: Path) -> None:
    """A folder of daily drops without any file means someone meant to provide the source."""
    src = one_deal().write(tmp_path / "src")
    (src / "revenue/invoices").mkdir(parents=True)
    with pytest.raises(SourceFileError, match=r"holds no \.csv or \.parquet file"):
        land_source(SOURCE_CONTRACTS["revenue/invoices"], src, tmp_path / "raw")


# --------------------------------------------------------------------------- disappearing


def test_a_source_that_disappears_becomes_not_provided_and_loses_its_parts(
    tmp_path: Path,
) -> None:
    contract = SOURCE_CONTRACTS["revenue/invoices"]
    raw = tmp_path / "raw"
    src = every_source().write(tmp_path / "src", omit=())
    first = land_source(contract, src, raw)
    assert first.provided and first.rows_loaded == 1
    old_parts = sorted(p.name for p in output_dir(contract, raw).glob("*.parquet"))
    assert old_parts and NOT_PROVIDED_PART not in old_parts

    (src / "revenue/invoices.csv").unlink()
    gone = land_source(contract, src, raw)

    assert not gone.provided and gone.rows_loaded == 0
    for folder in (output_dir(contract, raw), quarantine_dir(contract, raw)):
        assert [p.name for p in folder.glob("*.parquet")] == [NOT_PROVIDED_PART]
    assert duckdb.sql(f"select count(*) from '{gone.output_path}'").fetchall() == [(0,)]
    assert read_manifest(contract, raw)["provided"] is False
    assert log_row(contract, raw)["is_provided"] is False
    assert reconciliation(contract, raw).empty

    # And back: the empty part goes, the file's part returns.
    every_source().write(tmp_path / "again", omit=())
    (src / "revenue").mkdir(exist_ok=True)
    (src / "revenue/invoices.csv").write_bytes(
        (tmp_path / "again/revenue/invoices.csv").read_bytes()
    )
    back = land_source(contract, src, raw)
    assert back.provided and back.rows_loaded == 1
    assert sorted(p.name for p in output_dir(contract, raw).glob("*.parquet")) == old_parts
    assert log_row(contract, raw)["is_provided"] is True


def test_stale_rows_in_the_raw_folder_fail_the_reconciliation(tmp_path: Path) -> None:
    """A part no manifest file accounts for (here: left beside a not-provided landing) is
    counted, so the check cannot pass over rows dbt would read."""
    contract = SOURCE_CONTRACTS["revenue/invoices"]
    raw = tmp_path / "raw"
    land_source(contract, every_source().write(tmp_path / "full", omit=()), raw)
    [part] = output_dir(contract, raw).glob("*.parquet")
    stale = part.read_bytes()
    land_source(contract, one_deal().write(tmp_path / "src"), raw)
    (output_dir(contract, raw) / part.name).write_bytes(stale)
    frame = reconciliation(contract, raw)
    assert frame.to_dict("records") == [
        {
            "file": "revenue/invoices.csv",
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_in_raw": 1,
            "rows_in_quarantine": 0,
        }
    ]


def test_sensor_lands_a_source_that_disappeared(tmp_path: Path) -> None:
    src = every_source().write(tmp_path / "src", omit=())
    warehouse = WarehouseResource(
        source_dir=str(src),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
    )
    land_all(src, Path(warehouse.raw_dir))
    defs = build_definitions(warehouse)

    def tick(cursor: str | None):
        context = build_sensor_context(
            cursor=cursor, resources={"warehouse": warehouse}, definitions=defs
        )
        return new_source_files(context)

    quiet = tick(None)
    assert not quiet.run_requests
    (src / "revenue/targets.csv").unlink()
    [request] = tick(quiet.cursor).run_requests
    assert request.tags["sources"] == "revenue/targets"
    assert AssetKey(["raw", "revenue", "targets"]) in request.asset_selection
    assert AssetKey(["marts", "dim_sources"]) in request.asset_selection
    # Once landed as not provided, nothing is pending any more.
    land_source(SOURCE_CONTRACTS["revenue/targets"], src, Path(warehouse.raw_dir))
    assert not tick(quiet.cursor).run_requests


# --------------------------------------------------------------------------- ingestion log


def test_ingestion_log_row_equals_the_manifest(tmp_path: Path) -> None:
    contract = SOURCE_CONTRACTS["campaign/web_sessions"]
    src, raw = tmp_path / "src", tmp_path / "raw"
    folder = src / "campaign/web_sessions"
    folder.mkdir(parents=True)
    header = "session_id,anonymous_id,started_at"
    (folder / "a.csv").write_text(f"{header}\ns1,x,2025-01-01\ns2,x,yesterday\ns3,,2025-01-02\n")
    (folder / "b.csv").write_text(f"{header}\ns4,x,2025-01-03\ns5,x\n")

    result = land_source(contract, src, raw)

    manifest = json.loads(result.manifest_path.read_text())
    assert result.log_path == landed_source_path(contract, raw)
    assert log_row(contract, raw) == {
        "source": "campaign/web_sessions",
        "source_family": "campaign",
        "source_name": "web_sessions",
        "is_provided": True,
        "file_count": len(manifest["files"]),
        "rows_read": manifest["rows_read"],
        "rows_loaded": manifest["rows_loaded"],
        "rows_quarantined": manifest["rows_quarantined"],
        "landed_at": result.landed_at,
    }
    assert manifest["landed_at"] == result.landed_at.isoformat()
    # The numbers themselves: 5 read, 2 loaded, 3 quarantined (parse, required, malformed).
    assert (manifest["rows_read"], manifest["rows_loaded"], manifest["rows_quarantined"]) == (
        5,
        2,
        3,
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)


def test_every_landing_writes_one_log_part(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    land_all(one_deal().write(tmp_path / "src"), raw)
    log = duckdb.sql(
        f"select source, is_provided, rows_read, rows_loaded + rows_quarantined as accounted "
        f"from read_parquet('{raw}/_ingestion/landed_sources/*.parquet') order by source"
    ).fetchall()
    assert [row[0] for row in log] == sorted(SOURCE_CONTRACTS)
    provided = {row[0] for row in log if row[1]}
    assert provided == set(one_deal().rows)
    assert provided >= set(REQUIRED_SOURCES)
    assert all(row[2] == row[3] for row in log)
