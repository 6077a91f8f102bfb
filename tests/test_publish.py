"""Crash-safe publishing of the public marts and reports to the serving database.

No mocks: real Dagster runs of the sample, real processes killed with SIGKILL mid-build and
mid-publish, real readers holding the serving file open while it is replaced.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance

from dagster_project.definitions import build_definitions
from dagster_project.defs.publish.assets import (
    PUBLIC_TABLES,
    PUBLISHED_CHECKS,
    validate_staged,
)
from dagster_project.defs.publish.parquet_export import (
    LOOKUP_BYTES_PER_ROW,
    SLICED_VIEWS,
    slices_for,
    write_sliced_view,
)
from dagster_project.defs.publish.serving import PublishError, publish, staging_files
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.settings import REPO_ROOT
from tests.helpers.warehouse_build import AS_OF, SAMPLE_DIR, BuiltWarehouse

SERVING = AssetKey("serving_database")
PUBLIC_NAMES = [table.qualified_name for table in PUBLIC_TABLES]
BUILD_TIMEOUT = 300
MART_REBUILT = "OK created sql table model marts."


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checksums(path: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every row, per public table."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            name: tuple(con.execute(f"select count(*), sum(hash(t)) from {name} as t").fetchone())
            for name in PUBLIC_NAMES
        }


PUBLIC_RELATIONS_SQL = (
    "select name from ("
    "select schema_name || '.' || table_name as name, schema_name from duckdb_tables()"
    " union all select schema_name || '.' || view_name, schema_name from duckdb_views()"
    " where not internal) where schema_name in ('marts', 'reports')"
)


def _published_tables(path: Path) -> set[str]:
    """Public tables and views (fct_attribution is a view over public tables)."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(PUBLIC_RELATIONS_SQL).fetchall()
    return {name for (name,) in rows}


def _publish_ids(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select publish_id from publish_log group by 1 order by min(published_at)"
        ).fetchall()
    return [publish_id for (publish_id,) in rows]


def assert_consistent(path: Path) -> None:
    """The invariants leadership numbers rely on, read from the serving file alone."""
    with duckdb.connect(str(path), read_only=True) as con:
        off_one = con.execute(
            "select count(*) from (select model, opportunity_id from marts.fct_attribution"
            " group by all having sum(credit) != 1)"
        ).fetchone()
        assert off_one == (0,)
        revenue = con.execute(
            """
            select model, sum(attributed_revenue_usd) as revenue,
                (select sum(amount_usd) from marts.dim_opportunities where is_won) as won,
                count(distinct opportunity_id) as opportunities,
                (select count(*) from marts.dim_opportunities) as crm_opportunities
            from marts.fct_attribution group by model
            """
        ).df()
        assert len(revenue) > 0
        # DECIMAL money: exactly equal (the same cents give the same float).
        assert (revenue["revenue"] == revenue["won"]).all(), revenue
        assert (revenue["opportunities"] == revenue["crm_opportunities"]).all(), revenue
        report = con.execute(
            "select model, sum(attributed_revenue_usd) as revenue"
            " from reports.rpt_attribution_by_channel group by model"
        ).df()
        won = revenue["won"].iloc[0]
        assert (report["revenue"] == won).all(), report
        # The log's latest publish names exactly the tables present, with their row counts.
        logged = con.execute(
            "select table_name, row_count from publish_log"
            " where published_at = (select max(published_at) from publish_log)"
        ).fetchall()
    counts = {name: rows for name, (rows, _) in _checksums(path).items()}
    assert dict(logged) == counts


def assert_same_tables(serving: Path, warehouse: Path) -> None:
    """Every public table of the serving file equals the warehouse's, row for row."""
    with duckdb.connect() as con:
        con.execute(f"attach '{serving}' as serving (read_only)")
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        for name in PUBLIC_NAMES:
            types = [
                con.execute(
                    "select column_name, data_type from duckdb_columns()"
                    " where database_name = ? and schema_name || '.' || table_name = ?"
                    " order by column_index",
                    [database, name],
                ).fetchall()
                for database in ("serving", "warehouse")
            ]
            assert types[0] == types[1], name
            for left, right in (("serving", "warehouse"), ("warehouse", "serving")):
                extra = con.execute(
                    f"select count(*) from (select * from {left}.{name}"
                    f" except all select * from {right}.{name})"
                ).fetchone()
                assert extra == (0,), f"{name}: rows in {left} not in {right}"


def assert_parquet_matches(serving: Path, publish_id: str) -> None:
    """`<serving>_parquet/current` is this publish's folder, one file per table, equal to the
    serving database's table row for row."""
    root = serving.with_name(f"{serving.stem}_parquet")
    current = root / "current"
    assert current.is_symlink() and os.readlink(current) == publish_id
    files = {f"{path.parent.name}.{path.stem}" for path in current.glob("*/*.parquet")}
    assert files == set(PUBLIC_NAMES)
    with duckdb.connect() as con:
        con.execute(f"attach '{serving}' as serving (read_only)")
        for name in PUBLIC_NAMES:
            schema, table = name.split(".")
            parquet = f"read_parquet('{current / schema / table}.parquet')"
            for left, right in ((parquet, f"serving.{name}"), (f"serving.{name}", parquet)):
                extra = con.execute(
                    f"select count(*) from (select * from {left} except all select * from {right})"
                ).fetchone()
                assert extra == (0,), f"{name}: Parquet and serving database differ"


BI_TYPES = {"VARCHAR", "DOUBLE", "BIGINT", "INTEGER", "BOOLEAN", "TIMESTAMP", "DATE"}
# Money and credits are DECIMAL on purpose (exact sums); every BI tool and Parquet read it
# up to 38 digits.
BI_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


def _is_bi_type(data_type: str) -> bool:
    decimal = BI_DECIMAL.fullmatch(data_type)
    return data_type in BI_TYPES or (decimal is not None and int(decimal.group(1)) <= 38)


def test_bi_types_allow_decimal_but_not_hugeint() -> None:
    assert _is_bi_type("DECIMAL(18,2)") and _is_bi_type("DECIMAL(38,12)")
    assert not _is_bi_type("HUGEINT") and not _is_bi_type("DECIMAL(39,2)")
    assert not _is_bi_type("UHUGEINT") and not _is_bi_type("TIMESTAMP WITH TIME ZONE")


def test_public_tables_use_types_every_bi_tool_and_parquet_reads(
    built_warehouse: BuiltWarehouse,
) -> None:
    """No HUGEINT (DuckDB's sum of integers) or engine-specific type leaks out; DECIMAL (money,
    credits) up to 38 digits is fine."""
    with duckdb.connect(str(built_warehouse.warehouse_path), read_only=True) as con:
        types = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name, data_type"
            " from duckdb_columns() where schema_name in ('marts', 'reports')"
        ).fetchall()
    odd = [(name, data_type) for name, data_type in types if not _is_bi_type(data_type)]
    assert odd == []
    assert ("marts.fct_attribution.credit", "DECIMAL(13,12)") in types


def test_sample_build_publishes_every_public_table(built_warehouse: BuiltWarehouse) -> None:
    result = built_warehouse.result
    assert result.success
    serving = Path(built_warehouse.resource.serving_database_path)
    assert serving == built_warehouse.warehouse_path.parent / "serving.duckdb"
    [materialization] = result.asset_materializations_for_node("serving_database")
    metadata = materialization.metadata
    assert metadata["path"].value == str(serving)
    assert metadata["size_bytes"].value == serving.stat().st_size
    assert set(metadata["row_counts"].value) == set(PUBLIC_NAMES)
    assert {"marts.fct_attribution", "reports.rpt_marketing_contribution"} <= set(PUBLIC_NAMES)
    # Every table of the public schemas, and nothing half-written beside it.
    in_warehouse = _published_tables(built_warehouse.warehouse_path)
    assert _published_tables(serving) == in_warehouse == set(PUBLIC_NAMES)
    # Only the public relations are written into the serving file: no private table, and none
    # of their bytes (it is smaller than the warehouse, whose intermediate tables it leaves out).
    assert serving.stat().st_size < built_warehouse.warehouse_path.stat().st_size
    with duckdb.connect(str(serving), read_only=True) as con:
        relations = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
            " union all select schema_name || '.' || view_name from duckdb_views()"
            " where not internal"
        ).fetchall()
    assert {name for (name,) in relations} == {
        *PUBLIC_NAMES,
        "main.publish_log",
        "main.publish_checks",
    }
    assert_same_tables(serving, built_warehouse.warehouse_path)
    assert_consistent(serving)
    assert _publish_ids(serving) == [result.run_id]
    assert staging_files(serving) == []
    assert_parquet_matches(serving, result.run_id)
    assert metadata["parquet_dir"].value == str(serving.with_name("serving_parquet") / "current")
    with duckdb.connect(str(serving), read_only=True) as con, pytest.raises(duckdb.Error):
        con.execute("delete from marts.fct_attribution_credits")


def test_a_view_too_big_for_memory_is_exported_in_slices_equal_to_it(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """fct_attribution's join to the touchpoints is exported in slices of the touchpoint key
    once the touchpoints outgrow half the memory cap (at 50M touchpoints the one-statement
    export spilled until the disk was full). The sample fits in one statement; under a cap
    too small for its touchpoints, or with slices forced, the one file still holds exactly
    the view's rows."""
    serving = Path(built_warehouse.resource.serving_database_path)
    name = "marts.fct_attribution"
    view = SLICED_VIEWS[name]
    with duckdb.connect(str(serving), read_only=True) as con:
        touchpoints = con.execute(f"select count(*) from {view.lookup}").fetchone()[0]
        assert slices_for(con, touchpoints) == 1
        con.execute(f"set memory_limit = '{touchpoints * LOOKUP_BYTES_PER_ROW * 3 // 2000}KB'")
        assert slices_for(con, touchpoints) == 2
    exported = tmp_path / "fct_attribution.parquet"
    rows = write_sliced_view(serving, name, view, exported, "1GB", slices=3)
    with duckdb.connect(str(serving), read_only=True) as con:
        assert rows == con.execute(f"select count(*) from {name}").fetchone()[0] > 0
        for left, right in (
            (f"read_parquet('{exported}')", name),
            (name, f"read_parquet('{exported}')"),
        ):
            extra = con.execute(
                f"select count(*) from (select * from {left} except all select * from {right})"
            ).fetchone()
            assert extra == (0,)


# ---------------------------------------------------------------- killed runs, re-runs


def _run_env(root: Path) -> dict[str, str]:
    """`make run`'s environment, every path in `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTRIBUTION_", "DBT_"))}
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **env,
        "ATTRIBUTION_SOURCE_DIR": str(SAMPLE_DIR),
        "ATTRIBUTION_DATA_DIR": str(root / "data"),
        "ATTRIBUTION_WAREHOUSE_PATH": str(root / "data" / "warehouse.duckdb"),
        "ATTRIBUTION_RAW_DIR": str(root / "data" / "raw"),
        "ATTRIBUTION_SERVING_PATH": str(root / "serving" / "attribution.duckdb"),
        "ATTRIBUTION_AS_OF": AS_OF,
        "DAGSTER_HOME": str(home),
        "DBT_TARGET": "duckdb",
        "DO_NOT_TRACK": "1",
    }


def _make_run(env: dict[str, str], log: Path) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "dagster_project.run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    log.write_text(completed.stdout + completed.stderr)
    return completed


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run and everything it started (dbt), and wait until all are gone."""
    with contextlib.suppress(ProcessLookupError):  # nothing left of it already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("processes of the killed run still alive")


def test_killed_run_leaves_serving_intact_and_rerun_completes(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    env = _run_env(tmp_path)
    warehouse = Path(env["ATTRIBUTION_WAREHOUSE_PATH"])
    serving = Path(env["ATTRIBUTION_SERVING_PATH"])
    # The state a first successful run leaves (the session's build): a warehouse and a
    # published serving file.
    warehouse.parent.mkdir(parents=True)
    serving.parent.mkdir(parents=True)
    shutil.copy(built_warehouse.warehouse_path, warehouse)
    shutil.copy(built_warehouse.resource.serving_database_path, serving)
    published_hash, published_tables = _sha256(serving), _checksums(serving)
    [first_publish] = _publish_ids(serving)
    warehouse_mtime = warehouse.stat().st_mtime_ns
    wal = warehouse.with_name(warehouse.name + ".wal")

    # Second run: SIGKILL it (whole process group, dbt included) as soon as dbt has replaced
    # a first public mart in the warehouse, while the others and the reports are still old.
    killed_log = tmp_path / "killed.log"
    with killed_log.open("wb") as log:
        killed = subprocess.Popen(
            [sys.executable, "-m", "dagster_project.run"],
            cwd=REPO_ROOT,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + BUILD_TIMEOUT
            while MART_REBUILT not in killed_log.read_text(errors="replace"):
                assert killed.poll() is None, "the run ended before dbt rebuilt a mart"
                assert time.monotonic() < deadline, "dbt never rebuilt a mart"
                time.sleep(0.05)
        finally:
            _kill_group(killed)
    assert killed.returncode == -signal.SIGKILL
    progress = killed_log.read_text(errors="replace")
    assert "OK created sql table model reports." not in progress  # killed mid-way indeed
    assert warehouse.stat().st_mtime_ns != warehouse_mtime or wal.exists()

    # The published database is exactly what the first run published, and consistent.
    assert _sha256(serving) == published_hash
    assert _checksums(serving) == published_tables
    assert_consistent(serving)
    assert staging_files(serving) == []
    report = serving.with_name("leadership_report.html")
    assert not report.exists()  # the killed run never got to render one

    # A re-run recovers the warehouse (DuckDB replays or drops its WAL), completes, republishes.
    again = _make_run(env, tmp_path / "rerun.log")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert f"Serving:   {serving}" in again.stdout
    assert f"Report:    {report.as_uri()}" in again.stdout
    assert "<h1>Revenue attribution: leadership report</h1>" in report.read_text()
    assert "Plan vs actual, quarter starting 2026-07-01" in again.stdout
    assert "ok     bookings_reconcile_to_billing" in again.stdout
    assert _sha256(serving) != published_hash
    publishes = _publish_ids(serving)
    assert len(publishes) == 2
    assert publishes[0] == first_publish  # history carried over; the killed run left no row
    # Same inputs, same marts, row for row; reports' float sums may differ in the last bit.
    republished = _checksums(serving)
    for name, (rows, checksum) in published_tables.items():
        assert republished[name][0] == rows, name
        # dim_attribution_models records when its build started (built_at), so it differs.
        if name.startswith("marts.") and name != "marts.dim_attribution_models":
            assert republished[name][1] == checksum, name
    assert_consistent(serving)
    assert_same_tables(serving, warehouse)
    assert staging_files(serving) == []


def _serving_copy(built: BuiltWarehouse, serving: Path) -> WarehouseResource:
    """The fixture's warehouse, publishing to `serving` instead of its own serving file."""
    return built.resource.model_copy(update={"serving_path": str(serving)})


PUBLISH_FOREVER = textwrap.dedent(
    """
    import sys
    from dagster_project.defs.publish.assets import PUBLIC_TABLES, validate_staged
    from dagster_project.defs.publish.serving import publish
    from dagster_project.lib.warehouse import WarehouseResource

    warehouse = WarehouseResource.model_validate_json(sys.argv[1])
    while True:
        publish(warehouse, PUBLIC_TABLES, validate=validate_staged)
    """
)


def test_publish_killed_mid_copy_leaves_last_publish_and_litter_is_cleared(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    serving = tmp_path / "serving.duckdb"
    warehouse = _serving_copy(built_warehouse, serving)
    publisher = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_FOREVER, warehouse.model_dump_json()],
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (serving.exists() and staging_files(serving)):
            assert publisher.poll() is None, "the publisher died"
            assert time.monotonic() < deadline, "no publish in progress seen"
            time.sleep(0.01)
    finally:
        _kill_group(publisher)
    litter = staging_files(serving)
    assert_consistent(serving)
    assert_same_tables(serving, built_warehouse.warehouse_path)
    # The next publish takes the dead publisher's lock, clears its staged file, swaps anew.
    publication = publish(warehouse, PUBLIC_TABLES, validate=validate_staged)
    assert publication.removed_staging_files == [str(path) for path in litter]
    assert staging_files(serving) == []
    assert_consistent(serving)


def test_reader_keeps_old_tables_across_a_publish(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    serving = tmp_path / "serving.duckdb"
    warehouse = _serving_copy(built_warehouse, serving)
    publish(warehouse, PUBLIC_TABLES, publish_id="first")
    reader = duckdb.connect(str(serving), read_only=True)  # a BI tool, holding the file open
    # A Parquet reader mid-way: it resolved `current` to the first publish's folder.
    first_parquet = (tmp_path / "serving_parquet" / "current").resolve()
    try:
        assert reader.execute("select distinct publish_id from publish_log").fetchall() == [
            ("first",)
        ]
        publish(warehouse, PUBLIC_TABLES, publish_id="second", validate=validate_staged)
        # The old connection reads the old file: old log, and whole tables it had not read yet.
        assert reader.execute("select distinct publish_id from publish_log").fetchall() == [
            ("first",)
        ]
        expected = _checksums(built_warehouse.warehouse_path)
        for name in PUBLIC_NAMES:
            row = reader.execute(f"select count(*), sum(hash(t)) from {name} as t").fetchone()
            assert tuple(row) == expected[name], name
    finally:
        reader.close()
    # A new reader (another process, as a BI tool reconnecting) sees the new publish.
    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True);"
            " print(con.execute('select publish_id from publish_log group by 1"
            " order by min(published_at)').fetchall())",
            str(serving),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert seen.stdout.strip() == "[('first',), ('second',)]"
    assert _publish_ids(serving) == ["first", "second"]
    assert_parquet_matches(serving, "second")
    # The first publish's Parquet files are still whole for the reader that was using them.
    with duckdb.connect() as con:
        for name in PUBLIC_NAMES:
            schema, table = name.split(".")
            path = first_parquet / schema / f"{table}.parquet"
            row = con.execute(f"select count(*), sum(hash(t)) from '{path}' as t").fetchone()
            assert tuple(row) == expected[name], name


def test_publish_refuses_a_warehouse_that_does_not_reconcile(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """Started on its own after a bad or half-finished build, the asset still publishes
    nothing wrong: the blocking checks run on the staged copy before the swap."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.warehouse_path, copy)
    serving = tmp_path / "serving.duckdb"
    warehouse = built_warehouse.resource.model_copy(
        update={"warehouse_path": str(copy), "serving_path": str(serving)}
    )
    publish(warehouse, PUBLIC_TABLES, publish_id="good", validate=validate_staged)
    good = _sha256(serving)
    with duckdb.connect(str(serving), read_only=True) as con:  # the proof, kept in the file
        kept = con.execute(
            "select check_name, blocking, passed, publish_id from main.publish_checks"
        ).fetchall()
    assert {name for name, *_ in kept} == {
        spec.name for check in PUBLISHED_CHECKS for spec in check.check_specs
    }
    assert all(passed for _, blocking, passed, _ in kept if blocking)
    assert {publish_id for *_, publish_id in kept} == {"good"}
    # The sample ends 2026-10-01, long before today: the freshness warning is kept, not fatal.
    assert ("data_is_fresh", False, False, "good") in kept
    with duckdb.connect(str(copy)) as con:  # a deal won twice as big as the CRM says
        con.execute(
            "update marts.fct_attribution_credits"
            " set attributed_revenue_usd = 2 * attributed_revenue_usd"
            " where opportunity_id = (select min(opportunity_id) from marts.fct_attribution_credits"
            " where is_won)"
        )
    (serving.parent / f"{serving.name}.tmp-dead-run").write_bytes(b"litter of a killed run")
    with pytest.raises(PublishError, match="attribution_reconciles_to_crm"):
        publish(warehouse, PUBLIC_TABLES, publish_id="bad", validate=validate_staged)
    assert _sha256(serving) == good
    assert_parquet_matches(serving, "good")
    assert not (tmp_path / "serving_parquet" / "bad").exists()
    assert staging_files(serving) == []  # its own staged file and the old litter are gone


def test_failing_build_publishes_nothing(built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    """A contact of an account that does not exist: dbt's relationships test on staging
    fails, the run fails, and the serving file is not touched. (Landing cannot catch this:
    it checks each row alone, not references between sources.)"""
    source_dir = tmp_path / "exports"
    shutil.copytree(SAMPLE_DIR, source_dir)
    contacts_csv = source_dir / "crm" / "contacts.csv"
    contacts = pd.read_csv(contacts_csv, dtype=str, keep_default_na=False)
    contacts.loc[0, "account_id"] = "ACC-DOES-NOT-EXIST"
    contacts.to_csv(contacts_csv, index=False)
    serving = tmp_path / "serving.duckdb"
    shutil.copy(built_warehouse.resource.serving_database_path, serving)
    before = _sha256(serving)
    warehouse = WarehouseResource(
        source_dir=str(source_dir),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
        serving_path=str(serving),
        as_of=AS_OF,
    )
    job = build_definitions(warehouse).resolve_job_def("materialize_everything")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failed = {event.step_key for event in result.all_events if event.is_step_failure}
    assert "dbt_build" in failed
    materialized = {event.asset_key for event in result.all_events if event.is_step_materialization}
    assert SERVING not in materialized
    assert _sha256(serving) == before
    assert staging_files(serving) == []
    assert_consistent(serving)
    assert not (tmp_path / "leadership_report.html").exists()  # no report of a failed build


def test_bi_tools_connect_read_only_as_documented(built_warehouse: BuiltWarehouse) -> None:
    """The README's Superset URI (SQLAlchemy + duckdb-engine) and the Parquet path work, and
    a BI connection cannot write."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    serving = Path(built_warehouse.resource.serving_database_path)
    engine = sqlalchemy.create_engine(f"duckdb:///{serving}?access_mode=read_only")
    try:
        assert "rpt_plan_vs_actual" in sqlalchemy.inspect(engine).get_table_names(schema="reports")
        with engine.connect() as con:
            shortfalls = con.execute(
                sqlalchemy.text(
                    "select count(*) from reports.rpt_plan_vs_actual where is_shortfall"
                )
            ).scalar_one()
            assert shortfalls > 0
            with pytest.raises(sqlalchemy.exc.DBAPIError):
                con.execute(sqlalchemy.text("delete from reports.rpt_plan_vs_actual"))
    finally:
        engine.dispose()
    parquet = (
        serving.with_name("serving_parquet") / "current" / "reports" / "rpt_channel_roi.parquet"
    )
    assert len(pd.read_parquet(parquet)) > 0


def test_the_kept_checks_use_the_runs_freshness_limit(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """The freshness check on the staged copy uses the run's ATTRIBUTION_FRESHNESS_DAYS, as
    the run's own check does: a limit of a million days passes the sample, the default 2 not."""
    serving = tmp_path / "serving.duckdb"
    warehouse = _serving_copy(built_warehouse, serving)
    for days, fresh in ((1_000_000.0, True), (2.0, False)):
        publish(
            warehouse,
            PUBLIC_TABLES,
            validate=functools.partial(validate_staged, freshness_days=days),
        )
        with duckdb.connect(str(serving), read_only=True) as con:
            kept = con.execute(
                "select passed from main.publish_checks where check_name = 'data_is_fresh'"
            ).fetchall()
        assert kept == [(fresh,)], days
