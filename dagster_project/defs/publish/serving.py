"""Publishing the public tables to a separate, read-only serving database, crash-safely.

BI tools never read the warehouse that dbt is rebuilding: they open the serving database,
a DuckDB file that only this module writes, and only by replacing it whole:

1. take an exclusive lock (`<serving>.lock`, flock: released by the kernel if we die), so
   publishes run one at a time and any `<serving>.tmp-*` file left is a dead run's litter,
   which is removed;
2. write a NEW file `<serving>.tmp-<publish id>` beside the target: every public table,
   with its column types (DuckDB target: each public table created with the warehouse's DDL
   and its rows inserted from the warehouse, attached read-only so no writer can start;
   Spark in session mode: a table per public table from the Parquet files Spark wrote;
   Spark over the network: from Parquet the cluster writes into the shared raw area),
   its documentation as comments, and `main.publish_log` (this publish's tables and row
   counts, after the history carried over from the file being replaced);
3. CHECKPOINT and close it, let the caller validate it (the asset runs the Python checks on
   the copy: a failed blocking one refuses it), keep their results in it
   (`main.publish_checks`, what the leadership report shows), fsync it;
4. export every table of the validated copy as Parquet into a new folder
   `<serving>_parquet/<publish id>/<schema>/<table>.parquet`, fsynced (parquet_export.py:
   a view whose join outgrows memory is written in slices of its key);
5. `os.replace` the staged file onto the serving path (one atomic rename on POSIX), then
   point the symlink `<serving>_parquet/current` at the new folder (another atomic
   rename), and fsync both folders. The previous Parquet folder is kept, so a reader in the
   middle of it finishes; older ones are removed by the next publish.

A run that fails or is killed before step 5 never touches the serving file nor `current`;
readers that hold the old file open keep reading the old inode until they reconnect.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.defs.ingest.sql_text import lit, read_parquet_files
from dagster_project.defs.publish.parquet_export import export_parquet, fsync
from dagster_project.lib.engines import SparkEngine, ThriftEngine, cap_memory
from dagster_project.lib.warehouse import WarehouseResource

PUBLISH_LOG = "main.publish_log"
PUBLISH_CHECKS = "main.publish_checks"
STAGING_INFIX = ".tmp-"
CURRENT_LINK = "current"
_SOURCE = "publish_source"  # the warehouse, attached read-only while its tables are copied


class PublishError(RuntimeError):
    """The staged copy is incomplete or invalid; the serving file was left as it was."""


@dataclass(frozen=True)
class PublicTable:
    """One table to publish, with the documentation dbt holds for it."""

    schema: str
    name: str
    description: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)  # column -> description

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class ProvenCheck:
    """One check's result on the staged copy, kept in it (`main.publish_checks`): the report
    shows the checks behind the file it reads without running them again."""

    asset: str
    check_name: str
    blocking: bool
    severity: str  # ERROR | WARN
    passed: bool
    description: str  # what the check asserts
    explanation: str  # why it failed ('' when it passed)


@dataclass(frozen=True)
class Publication:
    """What one publish swapped in."""

    path: Path
    publish_id: str
    published_at: datetime
    row_counts: dict[str, int]
    parquet_dir: Path
    size_bytes: int
    removed_staging_files: list[str]
    seconds: float
    phase_seconds: dict[str, float] = field(default_factory=dict)  # copy, validate, parquet


def staging_path(target: Path, publish_id: str) -> Path:
    return target.with_name(f"{target.name}{STAGING_INFIX}{publish_id}")


def staging_files(target: Path) -> list[Path]:
    """Staged files (and their WALs) beside the target: in progress or left by a dead run."""
    return sorted(target.parent.glob(f"{target.name}{STAGING_INFIX}*"))


@contextlib.contextmanager
def _exclusive_lock(target: Path) -> Iterator[None]:
    """One publisher at a time per serving file; the kernel drops the lock if we are killed."""
    with (target.parent / f"{target.name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _discard(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _copy_from_duckdb(
    con: duckdb.DuckDBPyConnection, warehouse_path: Path, tables: Sequence[PublicTable]
) -> dict[tuple[str, str], str]:
    """Create each public relation in the staged file with the warehouse's own DDL (types, NOT
    NULL constraints) and insert its rows; return what each is ('table' or 'view').

    Only the public tables are written, never a copy of the whole file: at 50M touchpoints the
    warehouse is 24 GB, of which the intermediate tables are ~10 GB, and a byte copy carried
    them (and their bytes, in free blocks) into the serving file and filled the disk. Rows are
    inserted without keeping their order (no reader relies on it), which lets DuckDB stream
    them on every thread under the memory cap. A public view stays a view (fct_attribution):
    it names its tables without their database, so in the copy it reads the copy's tables."""
    wanted = {(table.schema, table.name) for table in tables}
    con.execute("set preserve_insertion_order = false")
    con.execute(f"attach {lit(str(warehouse_path))} as {_SOURCE} (read_only)")
    try:
        relations = con.execute(
            "select schema_name, table_name, 'table', sql from duckdb_tables()"
            " where database_name = ?"
            " union all"
            " select schema_name, view_name, 'view', sql from duckdb_views()"
            " where database_name = ? and not internal",
            [_SOURCE, _SOURCE],
        ).fetchall()
        public = [row for row in relations if (row[0], row[1]) in wanted]
        kinds = {(schema, name): kind for schema, name, kind, _ in public}
        missing = sorted(f"{schema}.{name}" for schema, name in wanted - kinds.keys())
        if missing:
            raise PublishError(f"not in the warehouse: {', '.join(missing)}")
        _create_schemas(con, tables)  # every one is in the warehouse
        for schema, name, kind, ddl in sorted(public, key=lambda row: row[2]):  # tables first
            con.execute(ddl)
            if kind == "table":
                con.execute(
                    f'insert into "{schema}"."{name}" select * from {_SOURCE}."{schema}"."{name}"'
                )
    finally:
        con.execute(f"detach {_SOURCE}")
    return kinds


def _table_from_parquet(
    con: duckdb.DuckDBPyConnection, table: PublicTable, parquet: str, expected: int
) -> None:
    """Create `table` from `parquet` (a read_parquet call) with the types Spark wrote, and
    check that it holds the `expected` rows."""
    con.execute(f'create table "{table.schema}"."{table.name}" as select * from {parquet}')
    copied = _row_count(con, table)
    if copied != expected:
        raise PublishError(f"{table.qualified_name}: copied {copied} of {expected} rows")


def _create_schemas(con: duckdb.DuckDBPyConnection, tables: Sequence[PublicTable]) -> None:
    for schema in sorted({table.schema for table in tables}):
        con.execute(f'create schema if not exists "{schema}"')


def _copy_from_spark(
    con: duckdb.DuckDBPyConnection, warehouse: WarehouseResource, tables: Sequence[PublicTable]
) -> None:
    """Spark's tables are Parquet files: read each from its folder."""
    spark = SparkEngine(warehouse.spark_path)
    _create_schemas(con, tables)
    for table in tables:
        parquet = f"read_parquet({lit(spark.parquet_files(table.qualified_name))})"
        row = con.execute(f"select count(*) from {parquet}").fetchone()
        _table_from_parquet(con, table, parquet, int(row[0]) if row else -1)


EXPORT_FOLDER = "_export"  # in the raw area: where the cluster writes what a publish reads


def _copy_from_thrift(
    con: duckdb.DuckDBPyConnection,
    warehouse: WarehouseResource,
    tables: Sequence[PublicTable],
    publish_id: str,
) -> None:
    """Over the network, through the storage both sides share: the cluster writes each table
    as Parquet into the raw area (`INSERT OVERWRITE DIRECTORY`, under the name the cluster
    uses for it, ATTRIBUTION_RAW_LOCATION) and this machine reads the files from its own path
    to it (ATTRIBUTION_RAW_DIR); the rows are counted on the cluster. Fetching the rows over
    Thrift instead decodes them in Python: 10 s for the sample's 0.2M attribution rows. An
    empty table is written too, as one file holding its columns."""
    engine = ThriftEngine(warehouse.spark_endpoint)
    local = Path(warehouse.raw_dir) / EXPORT_FOLDER / publish_id
    cluster_root = (warehouse.raw_location or warehouse.raw_dir).rstrip("/")
    remote = f"{cluster_root}/{EXPORT_FOLDER}/{publish_id}"
    _create_schemas(con, tables)
    try:
        for table in tables:
            name = table.qualified_name
            engine.query(
                f"insert overwrite directory {lit(f'{remote}/{name}')}"
                f" using parquet select * from {name}"
            )
            files = sorted((local / name).glob("*.parquet"))
            if not files:
                raise PublishError(f"{name}: the cluster wrote no Parquet into {local / name}")
            expected = engine.query(f"select count(*) as n from {name}")
            _table_from_parquet(con, table, read_parquet_files(files), int(expected["n"].iloc[0]))
    finally:
        shutil.rmtree(local, ignore_errors=True)


def _row_count(con: duckdb.DuckDBPyConnection, table: PublicTable) -> int:
    row = con.execute(f'select count(*) from "{table.schema}"."{table.name}"').fetchone()
    return int(row[0]) if row else -1


def _copy_tables(
    con: duckdb.DuckDBPyConnection,
    warehouse: WarehouseResource,
    tables: Sequence[PublicTable],
    publish_id: str,
) -> tuple[dict[str, int], set[str]]:
    """Write exactly the public tables into the staged file, documented; return their row
    counts and which of them are views."""
    if warehouse.dbt_target == "spark":
        _copy_from_spark(con, warehouse, tables)  # tables only
        kinds = {}
    elif warehouse.dbt_target == "spark_thrift":
        _copy_from_thrift(con, warehouse, tables, publish_id)
        kinds = {}
    else:
        kinds = _copy_from_duckdb(con, Path(warehouse.warehouse_path), tables)
    counts = {}
    for table in tables:
        counts[table.qualified_name] = _row_count(con, table)
        _comment(con, table, kinds.get((table.schema, table.name), "table"))
    views = {f"{schema}.{name}" for (schema, name), kind in kinds.items() if kind == "view"}
    return counts, views


def _comment(con: duckdb.DuckDBPyConnection, table: PublicTable, kind: str) -> None:
    """dbt's descriptions as table (or view) and column comments, for BI tools that show them."""
    target = f'"{table.schema}"."{table.name}"'
    if table.description:
        con.execute(f"comment on {kind} {target} is {lit(table.description)}")
    present = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [table.schema, table.name],
        ).fetchall()
    }
    for column, description in table.columns.items():
        if column in present and description:
            con.execute(f'comment on column {target}."{column}" is {lit(description)}')


def _write_log(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    warehouse: WarehouseResource,
    publish_id: str,
    published_at: datetime,
    counts: Mapping[str, int],
) -> None:
    """One row per published table; earlier publishes' rows carried over from the old file."""
    con.execute(
        f"""
        create table {PUBLISH_LOG} (
            published_at timestamp not null,  -- UTC
            publish_id varchar not null,      -- the Dagster run id
            engine varchar not null,
            source varchar not null,          -- the warehouse the tables were copied from
            table_name varchar not null,
            row_count bigint not null
        )
        """
    )
    con.execute(
        f"comment on table {PUBLISH_LOG} is"
        " 'Every publish of this serving database: when (UTC), by which run, what it copied.'"
    )
    if target.exists():
        try:
            con.execute(f"attach {lit(str(target))} as previous (read_only)")
            con.execute(f"insert into {PUBLISH_LOG} by name select * from previous.{PUBLISH_LOG}")
            con.execute("detach previous")
        except duckdb.Error:
            # Unreadable or pre-log serving file: history restarts, the publish goes on.
            with contextlib.suppress(duckdb.Error):
                con.execute("detach database if exists previous")
    source = warehouse.source_name
    con.executemany(
        f"insert into {PUBLISH_LOG} values (?, ?, ?, ?, ?, ?)",
        [
            [published_at, publish_id, warehouse.dbt_target, source, name, rows]
            for name, rows in counts.items()
        ],
    )


def _record_checks(
    staged: Path, checks: Sequence[ProvenCheck], publish_id: str, published_at: datetime
) -> None:
    """Keep the checks' results on the staged copy in it, checkpointed: the copy and the proof
    about it are swapped in together."""
    with duckdb.connect(str(staged)) as con:
        con.execute(
            f"""
            create table {PUBLISH_CHECKS} (
                published_at timestamp not null,  -- UTC
                publish_id varchar not null,
                asset varchar not null,
                check_name varchar not null,
                blocking boolean not null,
                severity varchar not null,
                passed boolean not null,
                description varchar not null,
                explanation varchar not null
            )
            """
        )
        con.execute(
            f"comment on table {PUBLISH_CHECKS} is 'The checks run on this file before it was"
            " published, and how each ended.'"
        )
        con.executemany(
            f"insert into {PUBLISH_CHECKS} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [published_at, publish_id, c.asset, c.check_name, c.blocking, c.severity,
                 c.passed, c.description, c.explanation]
                for c in checks
            ],
        )  # fmt: skip
        con.execute("checkpoint")


def _point_current_at(parquet_root: Path, publish_id: str) -> None:
    """Atomically repoint `current` (a relative symlink) at this publish's folder."""
    link = parquet_root / CURRENT_LINK
    new_link = parquet_root / f".{CURRENT_LINK}{STAGING_INFIX}{publish_id}"
    new_link.unlink(missing_ok=True)
    new_link.symlink_to(publish_id, target_is_directory=True)
    os.replace(new_link, link)


def _prune_parquet(parquet_root: Path, keep: Sequence[str]) -> None:
    """Remove Parquet folders of older publishes and of dead runs (called under the lock)."""
    for path in parquet_root.iterdir():
        if path.name == CURRENT_LINK or path.name in keep:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def publish(
    warehouse: WarehouseResource,
    tables: Sequence[PublicTable],
    *,
    publish_id: str | None = None,
    validate: Callable[[Path], Sequence[ProvenCheck]] | None = None,
) -> Publication:
    """Copy `tables` into a new file and atomically swap it in as the serving database.

    `validate(staged_path)` may raise to refuse the publish; the serving file is then left
    untouched and the staged file removed. What it returns is kept in the file
    (`main.publish_checks`).
    """
    started = time.perf_counter()
    target = Path(warehouse.serving_database_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    parquet_root = Path(warehouse.serving_parquet_dir)
    parquet_root.mkdir(parents=True, exist_ok=True)
    publish_id = publish_id or uuid.uuid4().hex
    with _exclusive_lock(target):
        # Under the lock no one else is publishing: any staged file is a dead run's.
        removed = [str(path) for path in staging_files(target)]
        for path in staging_files(target):
            path.unlink(missing_ok=True)
        current = parquet_root / CURRENT_LINK
        previous = os.readlink(current) if current.is_symlink() else None
        _prune_parquet(parquet_root, keep=[previous] if previous else [])
        staged = staging_path(target, publish_id)
        parquet_dir = parquet_root / publish_id
        swapped = False
        phases: dict[str, float] = {}
        try:
            published_at = datetime.now(UTC).replace(tzinfo=None)
            with duckdb.connect(str(staged)) as con:
                cap_memory(con, warehouse.duckdb_memory_limit)
                counts, views = _copy_tables(con, warehouse, tables, publish_id)
                _write_log(con, target, warehouse, publish_id, published_at, counts)
                con.execute("checkpoint")
            phases["copy"] = time.perf_counter() - started
            if validate is not None:
                _record_checks(staged, validate(staged), publish_id, published_at)
            if staged.with_name(staged.name + ".wal").exists():
                raise PublishError(f"{staged}: write-ahead log left after checkpoint and close")
            phases["validate"] = time.perf_counter() - started - sum(phases.values())
            try:
                export_parquet(staged, parquet_dir, counts, views, warehouse.duckdb_memory_limit)
            except ValueError as error:
                raise PublishError(str(error)) from error
            phases["parquet"] = time.perf_counter() - started - sum(phases.values())
            fsync(staged)
            os.replace(staged, target)  # the steps readers can observe: atomic renames
            swapped = True
            _point_current_at(parquet_root, publish_id)
            with contextlib.suppress(OSError):  # not every platform fsyncs a directory
                fsync(target.parent)
                fsync(parquet_root)
        finally:
            _discard(staged)  # nothing left once replaced; the whole attempt otherwise
            if not swapped:
                shutil.rmtree(parquet_dir, ignore_errors=True)
    return Publication(
        path=target,
        publish_id=publish_id,
        published_at=published_at,
        row_counts=counts,
        parquet_dir=parquet_root / CURRENT_LINK,
        size_bytes=target.stat().st_size,
        removed_staging_files=removed,
        seconds=time.perf_counter() - started,
        phase_seconds={phase: round(seconds, 3) for phase, seconds in phases.items()},
    )
