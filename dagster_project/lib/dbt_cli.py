"""dbt's command line (`attribution-dbt`), with dbt-spark's Thrift connections safe to cancel.

dbt-spark 1.11 lets two threads use one Thrift connection at the same time. When a build
fails under fail-fast (or is interrupted), dbt's main thread cancels and then closes every
open connection while the worker threads are still polling their statements on them. The
two threads' requests and replies interleave on the one socket, and each can wait for ever
for a reply the other has read: the build hangs instead of failing. Seen here with the
cluster's worker killed in the middle of a build (tests/test_spark_cluster.py): dbt had
logged its error and sat in `CloseOperation` for minutes.

This entry point is dbt's own `cli`, with one change: every request on a connection's Thrift
client holds that connection's lock, so a cancel or a close waits for the poll in flight (a
poll returns at once; a statement runs asynchronously on the server), and the next poll sees
the statement cancelled. Nothing changes for other adapters. Dagster runs dbt through it
(defs/dbt/project.py: DBT_EXECUTABLE).
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import Any


class OneRequestAtATime:
    """A Thrift client whose requests (each a send and its reply) never overlap."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def request(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return request


def serialise_thrift_requests() -> bool:
    """Wrap the client of every Thrift connection dbt-spark opens from now on (False when
    dbt-spark or PyHive is not installed: then there is nothing to wrap)."""
    try:
        from dbt.adapters.spark.connections import PyhiveConnectionWrapper
    except ImportError:
        return False
    original: Callable[..., None] = PyhiveConnectionWrapper.__init__
    if getattr(original, "serialised", False):
        return True

    @functools.wraps(original)
    def init(self: Any, handle: Any, *args: Any, **kwargs: Any) -> None:
        original(self, handle, *args, **kwargs)
        if hasattr(handle, "_client") and not isinstance(handle._client, OneRequestAtATime):
            handle._client = OneRequestAtATime(handle._client)

    init.serialised = True  # type: ignore[attr-defined]
    PyhiveConnectionWrapper.__init__ = init  # type: ignore[method-assign]
    return True


def main() -> None:
    from dbt.cli.main import cli

    serialise_thrift_requests()
    sys.exit(cli())


if __name__ == "__main__":
    main()
