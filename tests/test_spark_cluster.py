"""The whole job against a Spark cluster over the network (DBT_TARGET=spark_thrift).

A real cluster from the pinned pyspark (`make cluster-up`: a standalone master, one worker
and the Thrift server, on free ports of 127.0.0.1) and the real Dagster job: landing, dbt
over Thrift, every Python check's SQL sent to the same endpoint, publishing reading the
marts over it into the serving database, the leadership report. pyspark cannot be
imported in this process while the job runs: nothing of Spark runs here. Then every
public mart and report equals the DuckDB build of the same sample, and a worker killed in
the middle of a build fails that run and leaves the serving database as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import duckdb
import pytest

from dagster_project.lib.dbt_cli import serialise_thrift_requests
from dagster_project.lib.spark_cluster import down, read_pids, running
from dagster_project.settings import SparkClusterSettings
from tests.helpers.engine_comparison import (
    differences,
    normalised,
    public_relations,
    published_tables,
    serving_differences,
)
from tests.helpers.ports import free_port
from tests.helpers.processes import descendants
from tests.helpers.warehouse_build import AS_OF, BuiltWarehouse, materialize_all

pytest.importorskip("pyhive", reason="Spark extra not installed: pip install -e '.[spark]'")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkClusterSettings]:
    config = SparkClusterSettings(
        root=tmp_path_factory.mktemp("spark_cluster"),
        master_port=free_port(),
        thrift_port=free_port(),
        master_ui_port=free_port(),
        worker_ui_port=free_port(),
    )
    with running(config):
        yield config


class _NoPyspark(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, *_: object) -> None:
        if name.split(".")[0] == "pyspark":
            raise ImportError(f"{name} imported while the job runs on the cluster")


@contextlib.contextmanager
def _without_pyspark() -> Iterator[None]:
    """Any import of pyspark fails in the block, also of a module of it this worker loaded
    earlier (hidden for the block, then put back: sys.modules is otherwise left as it is)."""
    loaded = {
        name: module for name, module in sys.modules.items() if name.split(".")[0] == "pyspark"
    }
    blocker = _NoPyspark()
    sys.meta_path.insert(0, blocker)
    for name in loaded:
        del sys.modules[name]
    try:
        yield
    finally:
        sys.meta_path.remove(blocker)
        sys.modules.update(loaded)


def _build(
    root: Path,
    cluster: SparkClusterSettings,
    timeout: float | None = None,
    as_of: str | None = None,
) -> BuiltWarehouse:
    # The data tests are left out: every table is compared with the DuckDB build, whose tests
    # pass. So are the dbt unit tests (2 of the build's 4.5 minutes on the cluster, and make
    # test's time budget): `make test-spark-session` runs them on Spark.
    with _without_pyspark():
        return materialize_all(
            root,
            dbt_target="spark_thrift",
            spark_port=cluster.thrift_port,
            spark_query_timeout=timeout,
            as_of=as_of,
            dbt_unit_tests=False,
            dbt_data_tests=False,
        )


@pytest.fixture(scope="module")
def cluster_build(
    cluster: SparkClusterSettings, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    return _build(tmp_path_factory.mktemp("cluster_build"), cluster)


def test_the_whole_job_runs_over_the_network(cluster_build: BuiltWarehouse) -> None:
    result = cluster_build.result
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    evaluations = result.get_asset_check_evaluations()
    assert "credits_sum_to_one" in {e.check_name for e in evaluations}
    # The sample ends on 2026-09-30: only the freshness check may warn that it is old.
    assert {e.check_name for e in evaluations if not e.passed} <= {"data_is_fresh"}
    # Nothing was built in a local file: the marts are on the cluster, the serving copy and
    # the report beside where the warehouse would be.
    resource = cluster_build.resource
    assert not cluster_build.warehouse_path.exists()
    assert Path(resource.serving_database_path).is_file()
    assert Path(resource.leadership_report_path).is_file()


def test_every_mart_and_report_equals_duckdb(
    built_warehouse: BuiltWarehouse, cluster_build: BuiltWarehouse
) -> None:
    """What the cluster build published equals what the DuckDB build published, row by row:
    the same tables, columns and rows. Each serving file is read locally: the cluster's holds
    the cluster's own Parquet output of its marts (publishing checked each table's row count
    against the cluster); fetching every row over Thrift instead decoded them in Python (a
    minute of the suite for the same comparison)."""
    tables = published_tables(built_warehouse)
    assert {"marts.fct_attribution", "reports.rpt_marketing_contribution"} <= set(tables)
    problems = serving_differences(built_warehouse, cluster_build)
    assert problems == [], "\n".join(problems)


def test_the_serving_copy_holds_what_the_cluster_holds(cluster_build: BuiltWarehouse) -> None:
    """Read back over the network, independently of publishing: each public table's row
    count on the cluster, and every row of the leadership's first table, equal the serving
    file's."""
    cluster = cluster_build.resource
    with duckdb.connect(cluster.serving_database_path, read_only=True) as serving:
        tables = public_relations(serving)
        assert "marts.fct_attribution" in tables
        for table in tables:
            count = f"select count(*) as n from {table}"
            assert int(cluster.query(count)["n"].iloc[0]) == serving.execute(count).fetchone()[0]  # type: ignore[index]
        first_page = "select * from reports.rpt_marketing_contribution"
        over_thrift = normalised(cluster.query(first_page))
        in_file = normalised(serving.execute(first_page).df())
    assert differences("reports.rpt_marketing_contribution", in_file, over_thrift) == []


def test_a_statement_cancelled_from_another_thread_fails_instead_of_hanging(
    cluster: SparkClusterSettings,
) -> None:
    """What dbt's fail-fast does to every other thread's connection, on the real server: the
    main thread cancels and closes it while its thread polls a running statement. With the
    requests one at a time (lib/dbt_cli.py) the poll sees the cancel and fails; both threads
    end (the bare connection can hang both, each waiting for a reply the other read)."""
    from dbt.adapters.spark.connections import PyhiveConnectionWrapper
    from pyhive import hive

    assert serialise_thrift_requests()
    connection = PyhiveConnectionWrapper(
        hive.connect(host="127.0.0.1", port=cluster.thrift_port, username="dbt"),
        poll_interval=0.05,  # type: ignore[arg-type]
        query_timeout=120,
        query_retries=0,
    )
    connection.cursor()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            connection.execute("select sum(id % 7) from range(0, 10000000000000)")
        except BaseException as error:  # what the thread ended with
            failure.append(error)

    polling = threading.Thread(target=run, daemon=True)
    polling.start()
    time.sleep(3)
    closer = threading.Thread(target=lambda: (connection.cancel(), connection.close()), daemon=True)
    closer.start()
    closer.join(timeout=60)
    polling.join(timeout=60)
    assert not closer.is_alive() and not polling.is_alive(), "cancel and close hung"
    assert failure, "the cancelled statement did not fail"


# The first model of the build that needs an executor (the views before it need only the
# metastore): killing the worker once dbt starts it leaves the build half done, a minute
# sooner than waiting for the marts' inputs did.
FIRST_TABLE = "stg_crm__opportunities"


def _kill_worker_once_dbt_builds(
    cluster: SparkClusterSettings, dbt_log: Path, started: float, killed: threading.Event
) -> None:
    """Wait for dbt to start on its first table, then kill the worker (and its executor)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if dbt_log.exists() and dbt_log.stat().st_mtime > started:
            text = dbt_log.read_text(errors="replace")
            if FIRST_TABLE in text[text.rfind("Running with dbt") :]:
                os.killpg(read_pids(cluster)["worker"], signal.SIGKILL)
                killed.set()
                return
        time.sleep(0.5)


@contextlib.contextmanager
def _dbt_hang_fails_the_test(seconds: float) -> Iterator[None]:
    """A dbt that has not ended after `seconds` is killed and the test fails, instead of the
    suite waiting for ever (what dbt-spark's fail-fast did before lib/dbt_cli.py)."""
    hung = threading.Event()

    def kill_dbt() -> None:
        hung.set()
        for pid in descendants(os.getpid()):
            with contextlib.suppress(OSError):
                if b"attribution-dbt" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)

    watchdog = threading.Timer(seconds, kill_dbt)
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
    assert not hung.is_set(), f"dbt had not ended {seconds:.0f} s into the build: killed"


def test_a_killed_worker_fails_the_run_and_leaves_the_serving_database(
    cluster: SparkClusterSettings, cluster_build: BuiltWarehouse
) -> None:
    serving = Path(cluster_build.resource.serving_database_path)
    before = hashlib.sha256(serving.read_bytes()).hexdigest()
    root = cluster_build.warehouse_path.parent
    dbt_log = Path(cluster_build.resource.dbt_target_path) / "dbt.log"
    killed = threading.Event()
    killer = threading.Thread(
        target=_kill_worker_once_dbt_builds,
        args=(cluster, dbt_log, time.time(), killed),
        daemon=True,
    )
    killer.start()
    # A cluster without workers queues the statement: it fails at the query timeout (dbt's
    # and the checks'), and dbt's fail-fast (README) stops the build there instead of
    # waiting on every other node.
    with patch.dict(os.environ, {"DBT_FAIL_FAST": "true"}), _dbt_hang_fails_the_test(600):
        # The as-of given: the helper would otherwise ask the workerless cluster for it.
        rebuilt = _build(root, cluster, timeout=20, as_of=AS_OF)
    killer.join(timeout=5)
    assert killed.is_set(), "the build failed before the worker was killed"
    assert not rebuilt.result.success
    failed = {e.step_key for e in rebuilt.result.all_events if e.is_step_failure}
    assert "dbt_build" in failed, failed
    assert "serving_database" not in {
        e.step_key for e in rebuilt.result.all_events if e.is_successful_output
    }
    assert hashlib.sha256(serving.read_bytes()).hexdigest() == before


def test_comparison_notices_a_difference(built_warehouse: BuiltWarehouse) -> None:
    """The comparison itself can fail: a cent and a credit off are both reported."""
    frame = normalised(built_warehouse.resource.query("select * from marts.fct_attribution"))
    changed = frame.copy()
    changed.loc[0, "credit"] += 1e-6
    changed.loc[1, "attributed_revenue_usd"] += 0.01
    problems = differences("marts.fct_attribution", frame, changed)
    assert len(problems) == 2


def test_down_stops_only_what_up_started(tmp_path: Path) -> None:
    """A process id in pids.json that no longer runs the cluster's class (ids are reused) is
    left alone, and the file is removed."""
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        config = SparkClusterSettings(root=tmp_path)
        (tmp_path / "pids.json").write_text(json.dumps({"worker": stranger.pid}))
        assert down(config) == []
        assert stranger.poll() is None
        assert not (tmp_path / "pids.json").exists()
    finally:
        stranger.kill()
        stranger.wait()
