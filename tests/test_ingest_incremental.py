"""Incremental landing (one part per input file, skip unchanged files) and its sensor.

Real files: a copy of the committed ``seeds/`` web sessions folder is landed, then files are
added, changed and removed, and the raw folder is compared with a from-scratch landing.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, SkipReason, build_sensor_context

from dagster_project.definitions import build_definitions
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS
from dagster_project.defs.ingest.landing import LandingResult, land_source
from dagster_project.defs.ingest.raw_layout import part_name
from dagster_project.defs.ingest.sensors import new_source_files
from dagster_project.lib.warehouse import WarehouseResource

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SESSIONS = SOURCE_CONTRACTS["campaign/web_sessions"]
HEADER = "session_id,anonymous_id,started_at,utm_source"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / "campaign" / "web_sessions"
    folder.mkdir(parents=True)
    for name in sorted(p.name for p in (SEEDS / "campaign/web_sessions").glob("*.csv"))[:3]:
        shutil.copy(SEEDS / "campaign/web_sessions" / name, folder / name)
    return tmp_path / "src"


def table(folder: Path) -> list[tuple]:
    return sorted(
        duckdb.sql(f"SELECT * FROM read_parquet('{folder}/*.parquet')").fetchall(), key=repr
    )


def assert_consistent(result: LandingResult, raw: Path) -> None:
    """Manifest, parts and result agree; rows read = loaded + quarantined per file."""
    manifest = json.loads(result.manifest_path.read_text())
    assert [e["file"] for e in manifest["files"]] == result.files
    loaded = dict(
        duckdb.sql(
            f"SELECT _source_file, count(*) FROM '{result.output_path}' GROUP BY 1"
        ).fetchall()
    )
    bad = dict(
        duckdb.sql(f"SELECT file, count(*) FROM '{result.quarantine_path}' GROUP BY 1").fetchall()
    )
    for entry in manifest["files"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_quarantined"]
        assert entry["rows_loaded"] == loaded.get(entry["file"], 0)
        assert entry["rows_quarantined"] == bad.get(entry["file"], 0)
    assert manifest["rows_loaded"] == result.rows_loaded == sum(loaded.values())
    parts = sorted(part_name(rel) for rel in result.files)
    assert sorted(p.name for p in result.output_path.parent.glob("*.parquet")) == parts
    assert sorted(p.name for p in result.quarantine_path.parent.glob("*.parquet")) == parts


def assert_same_as_from_scratch(result: LandingResult, src: Path, tmp_path: Path) -> None:
    fresh = land_source(SESSIONS, src, tmp_path / "fresh")
    paths = ("output_path", "quarantine_path", "manifest_path", "log_path")
    same_paths = dataclasses.replace(fresh, **{k: getattr(result, k) for k in paths})
    assert same_paths == result
    assert table(result.output_path.parent) == table(fresh.output_path.parent)
    assert table(result.quarantine_path.parent) == table(fresh.quarantine_path.parent)
    shutil.rmtree(tmp_path / "fresh")


def test_new_changed_removed_files_are_landed_incrementally(src: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    folder = src / "campaign/web_sessions"
    first = land_source(SESSIONS, src, raw)
    assert first.files_landed == first.files and first.files_skipped == []
    out = first.output_path.parent
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}

    # A new daily file: only it is read; the old parts are untouched.
    new = folder / "2099-01-01.csv"
    new.write_text(f"{HEADER}\nnew1,anon1,2099-01-01T10:00:00Z,google\nnew2,anon2,nope,x\n")
    second = land_source(SESSIONS, src, raw)
    assert second.files_landed == ["campaign/web_sessions/2099-01-01.csv"]
    assert second.files_skipped == first.files
    assert {n: (out / n).stat().st_mtime_ns for n in mtimes} == mtimes
    assert second.rows_loaded == first.rows_loaded + 1
    assert second.rows_quarantined == first.rows_quarantined + 1
    assert second.rows_read == first.rows_read + 2
    assert_consistent(second, raw)
    assert_same_as_from_scratch(second, src, tmp_path)

    # Nothing changed: nothing landed.
    third = land_source(SESSIONS, src, raw)
    assert third.files_landed == [] and third == second

    # A changed file is re-landed alone and its rows replaced.
    new.write_text(f"{HEADER}\nnew3,anon3,2099-01-02,bing\n")
    fourth = land_source(SESSIONS, src, raw)
    assert fourth.files_landed == ["campaign/web_sessions/2099-01-01.csv"]
    ids = duckdb.sql(
        f"SELECT session_id FROM '{fourth.output_path}' WHERE _source_file LIKE '%2099%'"
    ).fetchall()
    assert ids == [("new3",)]
    assert fourth.rows_quarantined == first.rows_quarantined
    assert_consistent(fourth, raw)
    assert_same_as_from_scratch(fourth, src, tmp_path)

    # A removed file: its rows are gone.
    removed = sorted(folder.glob("*.csv"))[0]
    removed.unlink()
    fifth = land_source(SESSIONS, src, raw)
    assert fifth.files_landed == []
    assert f"campaign/web_sessions/{removed.name}" not in fifth.files
    assert_consistent(fifth, raw)
    assert_same_as_from_scratch(fifth, src, tmp_path)


def test_extra_column_change_relands_every_file(src: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = land_source(SESSIONS, src, raw)
    new = src / "campaign/web_sessions/2099-01-01.csv"
    new.write_text(f"{HEADER},campaign_code\nn1,a1,2099-01-01,g,SPRING\n")
    second = land_source(SESSIONS, src, raw)
    assert second.extra_columns == ["campaign_code"]
    assert second.files_landed == second.files  # every part gets the new column
    assert_consistent(second, raw)
    assert_same_as_from_scratch(second, src, tmp_path)
    new.unlink()
    third = land_source(SESSIONS, src, raw)
    assert third.extra_columns == [] and third.files_landed == third.files
    assert third == first


def test_former_single_data_file_is_migrated(src: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = land_source(SESSIONS, src, raw)
    old = first.output_path.parent / "data.parquet"
    shutil.copy(first.output_path.parent / part_name(first.files[0]), old)
    for part in first.output_path.parent.glob("part-*.parquet"):
        part.unlink()
    second = land_source(SESSIONS, src, raw)
    assert second.files_landed == second.files and not old.exists()
    assert_consistent(second, raw)


# --------------------------------------------------------------------------- sensor


def _copy_all_seeds(root: Path) -> Path:
    shutil.copytree(SEEDS, root, ignore=shutil.ignore_patterns("*.md"))
    return root


def test_sensor_requests_changed_sources_and_downstream(tmp_path: Path) -> None:
    src = _copy_all_seeds(tmp_path / "src")
    warehouse = WarehouseResource(
        source_dir=str(src),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
    )
    defs = build_definitions(warehouse)

    def tick(cursor: str | None):
        context = build_sensor_context(
            cursor=cursor, resources={"warehouse": warehouse}, definitions=defs
        )
        return new_source_files(context), context

    # First tick, nothing landed yet: everything is requested.
    result, _ = tick(None)
    [request] = result.run_requests
    raw_keys = {k for k in request.asset_selection if k.path[0] == "raw"}
    # Every landing, and the ingestion log over them all (dbt's source `ingestion`).
    log_keys = {AssetKey(["raw", "ingestion", n]) for n in ("landed_sources", "quarantined_rows")}
    assert raw_keys == {AssetKey(["raw", *q.split("/")]) for q in SOURCE_CONTRACTS} | log_keys
    # Same state again (the run has not landed anything yet): same run key, so no second run.
    again, _ = tick(result.cursor)
    assert again.run_requests[0].run_key == request.run_key

    # What the run does: land every source. Then a tick sees nothing to do.
    for contract in SOURCE_CONTRACTS.values():
        land_source(contract, src, Path(warehouse.raw_dir))
    quiet, _ = tick(result.cursor)
    assert not quiet.run_requests and isinstance(quiet.skip_reason, SkipReason)
    # A touched but identical file is confirmed by hash: still nothing.
    touched = src / "crm/accounts.csv"
    touched.write_bytes(touched.read_bytes())
    quiet2, _ = tick(quiet.cursor)
    assert not quiet2.run_requests

    # A new daily file: one request for web_sessions and what depends on it.
    (src / "campaign/web_sessions/2099-01-01.csv").write_text(
        f"{HEADER}\nnew1,anon1,2099-01-01T10:00:00Z,google\n"
    )
    after, _ = tick(quiet2.cursor)
    [request] = after.run_requests
    keys = set(request.asset_selection)
    assert AssetKey(["raw", "campaign", "web_sessions"]) in keys
    assert AssetKey(["marts", "fct_touchpoints"]) in keys
    assert AssetKey(["raw", "crm", "accounts"]) not in keys
    assert request.job_name == "materialize_everything"
    assert request.asset_check_keys and all(c.asset_key in keys for c in request.asset_check_keys)
