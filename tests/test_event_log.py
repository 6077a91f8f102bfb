"""`make run`'s Dagster instance: the stock SQLite files, written through kept-open connections.

Real Dagster runs on a real DAGSTER_HOME: what a run writes through the kept-open event log
must read back through Dagster's stock storage (what `make dev`'s UI and daemon use), and a
dagster.yaml that chose its own storage keeps it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, asset, materialize
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from dagster_project.lib.event_log import (
    KEPT_DATABASES,
    KeptOpenSqliteEventLogStorage,
    run_instance,
)

TELEMETRY_OFF = "telemetry:\n  enabled: false\n"


@asset
def tiny() -> int:
    return 1


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(config)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_runs_written_with_kept_open_connections_read_back_through_the_stock_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, monkeypatch, TELEMETRY_OFF)
    runs = KEPT_DATABASES + 2  # more run databases than it keeps open
    with run_instance() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, KeptOpenSqliteEventLogStorage)
        run_ids = [materialize([tiny], instance=instance).run_id for _ in range(runs)]
        assert 0 < len(storage._engines) <= KEPT_DATABASES
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as stock:
        assert type(stock.event_log_storage) is SqliteEventLogStorage
        for run_id in run_ids:
            run = stock.get_run_by_id(run_id)
            assert run is not None and run.status == DagsterRunStatus.SUCCESS
            assert any(record.is_dagster_event for record in stock.all_logs(run_id))
        latest = stock.get_latest_materialization_event(AssetKey("tiny"))
        assert latest is not None and latest.run_id == run_ids[-1]


def test_a_storage_chosen_in_dagster_yaml_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage_dir = tmp_path / "storage"
    _home(
        tmp_path, monkeypatch, TELEMETRY_OFF + f"storage:\n  sqlite:\n    base_dir: {storage_dir}\n"
    )
    with run_instance() as instance:
        assert not isinstance(instance.event_log_storage, KeptOpenSqliteEventLogStorage)
        materialize([tiny], instance=instance)
    assert (storage_dir / "history" / "runs").is_dir()
