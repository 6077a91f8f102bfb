"""`attribution-dbt`: dbt's own command line, with the requests on one dbt-spark Thrift
connection one at a time (lib/dbt_cli.py), so fail-fast cannot hang a build."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from dagster_project.defs.dbt.project import DBT_EXECUTABLE
from dagster_project.lib.dbt_cli import OneRequestAtATime, serialise_thrift_requests


class _RecordingClient:
    """Counts requests that were in flight at the same time (as two threads sharing one
    socket would be)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.overlaps = 0
        self.calls = 0
        self.protocol = "binary"

    def GetOperationStatus(self, request: object) -> object:
        self.in_flight += 1
        self.overlaps += self.in_flight > 1
        time.sleep(0.02)
        self.calls += 1
        self.in_flight -= 1
        return request


def _two_threads_poll(client: object) -> None:
    start = threading.Barrier(2)

    def poll() -> None:
        start.wait()
        for _ in range(5):
            client.GetOperationStatus("request")  # type: ignore[attr-defined]

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_requests_on_one_connection_never_overlap() -> None:
    bare = _RecordingClient()
    _two_threads_poll(bare)
    assert bare.overlaps > 0, "the two threads never overlapped: the test proves nothing"

    client = _RecordingClient()
    locked = OneRequestAtATime(client)
    _two_threads_poll(locked)
    assert (client.calls, client.overlaps) == (10, 0)
    assert locked.protocol == "binary"  # attributes pass through unchanged


def test_dbt_spark_connections_get_the_locked_client() -> None:
    connections = pytest.importorskip("dbt.adapters.spark.connections")
    assert serialise_thrift_requests()
    assert serialise_thrift_requests()  # a second call wraps nothing twice

    class Handle:
        _client = _RecordingClient()

    handle = Handle()
    wrapper = connections.PyhiveConnectionWrapper(handle, poll_interval=1)
    assert isinstance(handle._client, OneRequestAtATime)
    assert wrapper.handle is handle
    connections.PyhiveConnectionWrapper(handle, poll_interval=1)
    assert not isinstance(handle._client._client, OneRequestAtATime)


def test_dagster_runs_dbt_through_it() -> None:
    assert Path(DBT_EXECUTABLE).name == "attribution-dbt"
    shown = subprocess.run(
        [DBT_EXECUTABLE, "--help"], capture_output=True, text=True, timeout=120, check=True
    )
    assert "build" in shown.stdout
