"""One small engine-neutral way to read the warehouse: `query(sql) -> DataFrame`.

Checks, the summary and the tests read marts through this, whichever engine dbt built
them on. DuckDB: a read-only connection to the warehouse file. Spark: a session in this
process whose settings come from the `spark` output of dbt/profiles.yml (one source of
truth), over the table folders dbt wrote. It uses an in-memory catalog rather than dbt's
Hive metastore because embedded Derby admits one JVM at a time and the next dbt step
needs it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterator
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

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        held = _HELD.get(self.warehouse_path)
        if held is not None:
            with held.cursor() as cursor:
                return cursor.execute(sql, params or []).df()
        with duckdb.connect(self.warehouse_path, read_only=True) as con:
            cap_memory(con, self.memory_limit)
            return con.execute(sql, params or []).df()

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


def engine_for(
    dbt_target: str,
    warehouse_path: str,
    spark_dir: str,
    memory_limit: str,
) -> Engine:
    if dbt_target == "spark":
        return SparkEngine(spark_dir)
    return DuckDBEngine(warehouse_path, memory_limit)
