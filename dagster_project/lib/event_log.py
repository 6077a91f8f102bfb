"""Dagster's SQLite event log with its connections kept open for the life of the process.

Dagster's `SqliteEventLogStorage` creates an engine and a SQLite connection for every read and
write and disposes of it at once. The databases are in WAL mode, where closing a database's
last connection checkpoints its log into the file, with an fsync: a run of the sample stores
about 1,500 events (each dbt model and test, each check, each planned asset), each opening 2
to 5 connections. Measured on the sample (`make run`, 2 cores, disk busy with a benchmark):
105 s per run with the stock storage, 60 s with this one.

This subclass keeps one engine (a pool of one connection) per database, for the few a process
writes at a time (a run's own database and the cross-run index), and commits with
`synchronous = normal`, which in WAL mode survives a crash of the process; a power cut may
lose the last commits, never the database. The files are the stock storage's, so the UI and
the daemon (stock storage) read what a run wrote with this one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as db
import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from dagster_project.settings import load_settings

# Engines kept at once: a run writes its own database and the index; the rest are closed.
KEPT_DATABASES = 4
# dagster.yaml keys that choose a storage: when a user set one, their choice stands.
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose connections stay open between reads and writes."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # Before the stock initialiser, which already reads the index through _connect. The
        # engines are used and changed under the storage's own lock (`_db_lock`).
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                connect_args={
                    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                    "check_same_thread": False,  # used under the storage's own lock
                },
            )
            db.event.listen(engine, "connect", _commit_without_full_sync)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > KEPT_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """The stock method opens a new connection to the index for every call, and the
        storage asks before each check evaluation and asset event it writes (726 calls, 1.2 s
        of a sample run). A table, once there, stays: only a present one is remembered. (The
        stock lookup stands otherwise: it is called while a connection is held, under the
        lock `_connect` takes.)"""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def _close_all(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._close_all()
        self._tables_present.clear()  # the files are deleted: no connection may outlive them
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def _commit_without_full_sync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("pragma synchronous = normal")


def run_instance() -> DagsterInstance:
    """DAGSTER_HOME's instance, with this event log unless its dagster.yaml chose a storage
    (Postgres, say), which then stands as configured."""
    home = load_settings().dagster_home
    config_file = Path(home or ".") / "dagster.yaml"
    config = (yaml.safe_load(config_file.read_text()) if config_file.is_file() else None) or {}
    if not home or any(key in config for key in STORAGE_KEYS):
        return DagsterInstance.get()  # and its own error when DAGSTER_HOME is not set
    event_log = {
        "module": __name__,
        "class": KeptOpenSqliteEventLogStorage.__name__,
        "config": {"base_dir": str(Path(home) / "history" / "runs")},
    }
    return DagsterInstance.from_ref(
        InstanceRef.from_dir(home, overrides={"event_log_storage": event_log})
    )
