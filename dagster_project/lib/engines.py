"""One small engine-neutral way to read the warehouse: `query(sql) -> DataFrame`.

Checks, the summary and the tests read marts through this, whichever engine dbt built
them on. DuckDB: a read-only connection to the warehouse file. Spark in session mode: a
session in this process whose settings come from the `spark` output of dbt/profiles.yml
(one source of truth), over the table folders dbt wrote. It uses an in-memory catalog
rather than dbt's Hive metastore because embedded Derby admits one JVM at a time and the
next dbt step needs it. Spark over the network (`spark_thrift`): SQL sent to the same
HiveServer2 endpoint dbt builds through; nothing of Spark runs in this process.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb
import jinja2
import pandas as pd
import yaml

from dagster_project.settings import DBT_PROJECT_DIR

TABLE_REFERENCE = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)


class Engine(Protocol):
    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame: ...

    def batches(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        """The result in frames of about `rows` rows, for a reader that keeps a few of many
        (lib/propensity/reading.py); the first frame holds the columns even when empty."""
        ...

    def exists(self) -> bool:
        """Whether dbt has built anything yet (a failed first run leaves nothing to read)."""
        ...

    def has_table(self, table: str) -> bool:
        """Whether `schema.table` has been built."""
        ...


def cap_memory(con: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
    """Cap the DuckDB instance behind `con` (dbt's cap, settings.py): uncapped, each instance
    in a process takes 80% of RAM as its own. A SET rather than connect(config=...), which
    DuckDB refuses while the same file is open in the process with another config."""
    con.execute("set memory_limit = '" + memory_limit.replace("'", "''") + "'")


# Read-only connections held open by `reading()`, by file path.
_HELD: dict[str, duckdb.DuckDBPyConnection] = {}


@contextlib.contextmanager
def reading(path: str | Path, memory_limit: str) -> Iterator[None]:
    """Within the block, every DuckDBEngine query on the file `path` shares one read-only
    connection. Opening a DuckDB file costs about 25 ms, and a run's checks, its re-run on
    the published copy and its summary ask ~50 queries; outside such a block each query
    opens and lets go, so no connection outlives it to block dbt, the only writer."""
    key = str(path)
    if key in _HELD or not Path(key).is_file():
        yield
        return
    with duckdb.connect(key, read_only=True) as con:
        cap_memory(con, memory_limit)
        _HELD[key] = con
        try:
            yield
        finally:
            del _HELD[key]


class DuckDBEngine:
    """Many readers or one writer: open read-only, per query (or per `reading()` block), and
    let go at once.

    Under the same memory cap as dbt's build: each DuckDB instance in this process otherwise
    takes 80% of RAM as its own, and the run's process peaked at 11 GB at 10M touchpoints."""

    def __init__(self, warehouse_path: str, memory_limit: str) -> None:
        self.warehouse_path = warehouse_path
        self.memory_limit = memory_limit

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the `reading()` block's connection, else on one of its own, capped."""
        held = _HELD.get(self.warehouse_path)
        if held is not None:
            with held.cursor() as cursor:
                yield cursor
            return
        with duckdb.connect(self.warehouse_path, read_only=True) as con:
            cap_memory(con, self.memory_limit)
            yield con

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        with self._cursor() as cursor:
            return cursor.execute(sql, params or []).df()

    def batches(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        """DuckDB's own chunks (2,048 rows a vector), typed as `query` types them."""
        vectors = max(1, rows // duckdb.__standard_vector_size__)
        with self._cursor() as cursor:
            cursor.execute(sql)
            frame = cursor.fetch_df_chunk(vectors)
            yield frame
            while len(frame):
                frame = cursor.fetch_df_chunk(vectors)
                if len(frame):
                    yield frame

    def exists(self) -> bool:
        return Path(self.warehouse_path).is_file()

    def has_table(self, table: str) -> bool:
        if not self.exists():
            return False
        schema, _, name = table.partition(".")
        found = self.query(
            "select count(*) as n from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [schema, name],
        )
        return int(found["n"].iloc[0]) > 0


def spark_profile_settings(spark_dir: str) -> dict[str, str]:
    """The `spark` output's server_side_parameters, rendered as dbt would render them."""
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text()

    def env_var(name: str, default: str | None = None) -> str:
        if name == "ATTRIBUTION_SPARK_DIR":
            return spark_dir
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(f"profiles.yml needs environment variable {name}")
        return value

    rendered = jinja2.Environment().from_string(profile).render(env_var=env_var)
    output = yaml.safe_load(rendered)["attribution"]["outputs"]["spark"]
    return {str(k): str(v) for k, v in output["server_side_parameters"].items()}


@functools.lru_cache(maxsize=1)
def _spark_session(settings: tuple[tuple[str, str], ...]) -> Any:
    from pyspark.sql import SparkSession  # optional extra: only needed on the Spark target

    builder = SparkSession.builder.appName("attribution-checks")
    for key, value in settings:
        if not key.startswith("spark.hadoop.javax.jdo"):  # no metastore here, see module doc
            builder = builder.config(key, value)
    builder = builder.config("spark.sql.catalogImplementation", "in-memory")
    # dbt-spark turns ANSI mode off for its session; read with the same semantics.
    return builder.config("spark.sql.ansi.enabled", "false").getOrCreate()


class SparkEngine:
    """Reads the tables dbt-spark wrote under spark.sql.warehouse.dir/<schema>.db/<table>."""

    def __init__(self, spark_dir: str) -> None:
        self.settings = spark_profile_settings(spark_dir)
        self.warehouse_dir = Path(self.settings["spark.sql.warehouse.dir"])

    def _register(self, spark: Any, sql: str) -> None:
        """(Re)register each table the query names, so it sees the latest files."""
        for schema, table in set(TABLE_REFERENCE.findall(sql)):
            location = self._location(schema, table)
            if not location.is_dir():
                continue
            spark.sql(f"create database if not exists {schema}")
            spark.sql(f"drop table if exists {schema}.{table}")
            spark.sql(f"create table {schema}.{table} using parquet location '{location}'")

    def _location(self, schema: str, table: str) -> Path:
        return self.warehouse_dir / f"{schema.lower()}.db" / table.lower()

    def exists(self) -> bool:
        return self.warehouse_dir.is_dir()

    def has_table(self, table: str) -> bool:
        schema, _, name = table.partition(".")
        return self._location(schema, name).is_dir()

    def parquet_files(self, table: str) -> str:
        """A glob of the Parquet files of `schema.table`, for readers other than Spark."""
        schema, _, name = table.partition(".")
        return str(self._location(schema, name) / "*.parquet")

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        spark = _spark_session(tuple(sorted(self.settings.items())))
        self._register(spark, sql)
        return spark.sql(sql, args=params or None).toPandas()

    def batches(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        """One frame: not streamed on Spark yet."""
        yield self.query(sql)


@dataclass(frozen=True)
class ThriftEndpoint:
    """A HiveServer2 endpoint: Spark's Thrift server (`make cluster-up`, or a cluster's).
    The password is read from ATTRIBUTION_SPARK_PASSWORD when connecting, never stored."""

    host: str = "127.0.0.1"
    port: int = 10000
    user: str = "dbt"
    auth: str = "NONE"  # NONE | NOSASL | LDAP | CUSTOM | KERBEROS, as dbt-spark's `auth`
    query_timeout: float = 3600.0  # seconds, as dbt's (ATTRIBUTION_SPARK_QUERY_TIMEOUT)

    @property
    def url(self) -> str:
        return f"thrift://{self.host}:{self.port}"


# How HiveServer2 types its result columns, and what the session engine's pandas holds for them.
_THRIFT_CONVERSIONS: dict[str, Any] = {
    "DECIMAL_TYPE": lambda value: Decimal(value) if isinstance(value, str) else value,
    "DATE_TYPE": lambda value: date.fromisoformat(value) if isinstance(value, str) else value,
}
_THRIFT_TIMESTAMPS = {"TIMESTAMP_TYPE", "TIMESTAMP_NTZ_TYPE"}


class ThriftEngine:
    """Spark SQL over HiveServer2 (PyHive): a connection per query, as the DuckDB engine's.

    Results come back typed as the session engine's: DECIMAL as Decimal (PyHive hands them
    over as text), dates as dates, timestamps as datetime64."""

    def __init__(self, endpoint: ThriftEndpoint) -> None:
        self.endpoint = endpoint

    def _fetch(self, sql: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        from pyhive import hive  # the spark extra; a DuckDB install never needs it

        endpoint = self.endpoint
        password = os.environ.get("ATTRIBUTION_SPARK_PASSWORD") or None
        connection = hive.connect(
            host=endpoint.host, port=endpoint.port, username=endpoint.user,
            auth=endpoint.auth, password=password if endpoint.auth in ("LDAP", "CUSTOM") else None,
        )  # fmt: skip
        with contextlib.closing(connection):
            cursor = connection.cursor()
            cursor.execute(sql, async_=True)
            self._wait(cursor, sql)
            rows = cursor.fetchall() if cursor.description else []
            return rows, list(cursor.description or [])

    def _wait(self, cursor: Any, sql: str) -> None:
        """Poll until the statement ends; cancel it and raise once it has run longer than
        the endpoint's timeout (a cluster that lost its workers never ends it)."""
        from TCLIService.ttypes import TOperationState

        running = (
            TOperationState.INITIALIZED_STATE,
            TOperationState.PENDING_STATE,
            TOperationState.RUNNING_STATE,
        )
        deadline = time.monotonic() + self.endpoint.query_timeout
        pause = 0.01
        while cursor.poll().operationState in running:
            if time.monotonic() > deadline:
                cursor.cancel()
                raise TimeoutError(
                    f"{self.endpoint.url}: no result after {self.endpoint.query_timeout:.0f} s"
                    f" (ATTRIBUTION_SPARK_QUERY_TIMEOUT) for: {sql[:200]}"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        if params:
            # HiveServer2 binds no parameters, and no query read on Spark passes any.
            raise ValueError(f"{self.endpoint.url} takes no query parameters: {sql}")
        rows, description = self._fetch(sql)
        names = [column[0].rpartition(".")[2] for column in description]
        frame = pd.DataFrame.from_records(rows, columns=names)
        for name, column in zip(names, description, strict=True):
            kind = str(column[1])
            if kind in _THRIFT_CONVERSIONS:
                frame[name] = frame[name].map(_THRIFT_CONVERSIONS[kind]).astype(object)
            elif kind in _THRIFT_TIMESTAMPS:
                frame[name] = pd.to_datetime(frame[name])
        return frame

    def batches(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        """One frame: not streamed over HiveServer2 yet."""
        yield self.query(sql)

    def exists(self) -> bool:
        try:
            schemas = self.query("show schemas")
        except Exception:  # an endpoint that does not answer has built nothing
            return False
        return bool(set(schemas.iloc[:, 0]) & {"staging", "intermediate", "marts", "reports"})

    def has_table(self, table: str) -> bool:
        schema, _, name = table.partition(".")
        try:
            found = self.query(f"show tables in {schema} like '{name}'")
        except Exception:  # no such schema
            return False
        return len(found) > 0


def engine_for(
    dbt_target: str,
    warehouse_path: str,
    spark_dir: str,
    memory_limit: str,
    endpoint: ThriftEndpoint | None = None,
) -> Engine:
    if dbt_target == "spark":
        return SparkEngine(spark_dir)
    if dbt_target == "spark_thrift":
        return ThriftEngine(endpoint or ThriftEndpoint())
    return DuckDBEngine(warehouse_path, memory_limit)
