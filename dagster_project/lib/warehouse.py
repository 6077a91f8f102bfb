"""The warehouse resource: where files live, how dbt is parameterised, how checks read.

Assets and checks get every path from here rather than from module globals, so a test
can point a whole run at a temporary directory.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from dagster import ConfigurableResource

from dagster_project.lib.engines import Engine, ThriftEndpoint, engine_for, reading
from dagster_project.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, Settings, load_settings


class WarehouseResource(ConfigurableResource):
    """Locations of the source exports, the raw Parquet area and the DuckDB warehouse."""

    source_dir: str
    raw_dir: str
    warehouse_path: str
    dbt_target: str = "duckdb"
    # Spark's warehouse and metastore (DBT_TARGET=spark); default: beside the DuckDB file.
    spark_dir: str | None = None
    # Spark over the network (DBT_TARGET=spark_thrift): the HiveServer2 endpoint that dbt, the
    # checks and publishing all use; the password only ever comes from
    # ATTRIBUTION_SPARK_PASSWORD. raw_location: the raw folder as the cluster names it
    # (object storage on a real cluster); None: the raw folder's own path.
    spark_host: str = "127.0.0.1"
    spark_port: int = 10000
    spark_user: str = "dbt"
    spark_auth: str = "NONE"
    raw_location: str | None = None
    spark_query_timeout: float = 3600.0
    # A source whose quarantined share exceeds this fails its check; below it, warns.
    quarantine_error_rate: float = 0.01
    # The data's end may lag the build by this many days before the freshness check warns.
    freshness_days: float = 2.0
    # The read-only serving database that BI tools open; default: beside the DuckDB file.
    serving_path: str | None = None
    # The warehouse holds dbt's staging layer (the CRM as landed), which checks reconcile the
    # marts to; a published copy (marts and reports only) does not.
    has_staging: bool = True
    # dbt vars; None keeps the default of dbt_project.yml.
    as_of: str | None = None
    lookback_days: int | None = None
    scope: str | None = None
    half_life_days: float | None = None
    # dbt unit tests check SQL logic on fixed fixtures, not the data: `make test` runs them
    # (and the Spark comparison); a production build leaves them out unless this is set.
    dbt_unit_tests: bool = False
    # dbt's data tests (not_null, unique, reconciliations). Only a build whose tables are
    # proven otherwise leaves them out: the Spark comparison, equal row for row to a DuckDB
    # build whose tests passed.
    dbt_data_tests: bool = True
    # dbt's own log file at info, not debug: writing every SQL statement to it cost about a
    # tenth of a build. DBT_LOG_LEVEL_FILE=debug brings the SQL back.
    dbt_log_level_file: str = "info"
    # DuckDB's memory cap (dbt's build, every DuckDB connection of a run); settings.py says why.
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> WarehouseResource:
        """Build from the environment (see settings.py and the README)."""
        settings = settings or load_settings()
        return cls(
            source_dir=str(settings.source_dir),
            raw_dir=str(settings.raw_dir),
            warehouse_path=str(settings.warehouse_path),
            dbt_target=settings.dbt_target,
            spark_dir=settings.spark_dir,
            spark_host=settings.spark_host,
            spark_port=settings.spark_port,
            spark_user=settings.spark_user,
            spark_auth=settings.spark_auth,
            raw_location=settings.raw_location,
            spark_query_timeout=settings.spark_query_timeout,
            quarantine_error_rate=settings.quarantine_error_rate,
            freshness_days=settings.freshness_days,
            serving_path=settings.serving_path,
            as_of=settings.as_of,
            lookback_days=settings.lookback_days,
            scope=settings.scope,
            half_life_days=settings.half_life_days,
            dbt_log_level_file=settings.dbt_log_level_file,
            duckdb_memory_limit=settings.duckdb_memory_limit,
        )

    @property
    def spark_path(self) -> str:
        return self.spark_dir or str(Path(self.warehouse_path).parent / "spark")

    @property
    def serving_database_path(self) -> str:
        """Where publishing swaps in the serving database (defs/publish)."""
        path = self.serving_path or Path(self.warehouse_path).parent / "serving.duckdb"
        return str(Path(path).expanduser().resolve())

    @property
    def serving_parquet_dir(self) -> str:
        """Where publishing writes the Parquet copies: `<dir>/current/<schema>/<table>.parquet`."""
        serving = Path(self.serving_database_path)
        return str(serving.with_name(f"{serving.stem}_parquet"))

    @property
    def leadership_report_path(self) -> str:
        """The leadership report (defs/publish/report.py): an HTML file beside the serving file."""
        return str(Path(self.serving_database_path).with_name("leadership_report.html"))

    def ensure_dirs(self) -> None:
        Path(self.raw_dir).mkdir(parents=True, exist_ok=True)
        Path(self.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
        if self.dbt_target == "spark":
            Path(self.spark_path).mkdir(parents=True, exist_ok=True)

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt: profiles.yml and the sources read these."""
        return {
            "ATTRIBUTION_WAREHOUSE_PATH": self.warehouse_path,
            "ATTRIBUTION_RAW_DIR": self.raw_dir,
            "ATTRIBUTION_SPARK_DIR": self.spark_path,
            "ATTRIBUTION_SPARK_HOST": self.spark_host,
            "ATTRIBUTION_SPARK_PORT": str(self.spark_port),
            "ATTRIBUTION_SPARK_USER": self.spark_user,
            "ATTRIBUTION_SPARK_AUTH": self.spark_auth,
            "ATTRIBUTION_SPARK_QUERY_TIMEOUT": str(int(self.spark_query_timeout)),
            "DBT_TARGET": self.dbt_target,
            "DO_NOT_TRACK": "1",
            "DBT_LOG_LEVEL_FILE": self.dbt_log_level_file,
            "ATTRIBUTION_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            # Unset, the sources read the raw folder itself.
            **({"ATTRIBUTION_RAW_LOCATION": self.raw_location} if self.raw_location else {}),
        }

    def dbt_vars(self) -> dict[str, object]:
        given = {
            "as_of": self.as_of,
            "attribution_lookback_days": self.lookback_days,
            "attribution_scope": self.scope,
            "attribution_half_life_days": self.half_life_days,
        }
        return {name: value for name, value in given.items() if value is not None}

    def dbt_vars_args(self) -> list[str]:
        dbt_vars = self.dbt_vars()
        return ["--vars", json.dumps(dbt_vars)] if dbt_vars else []

    def dbt_build_args(self) -> list[str]:
        """`dbt build` as the Dagster steps run it (dagster-dbt adds each step's selection)."""
        skipped = [
            *([] if self.dbt_unit_tests else ["unit_test"]),
            *([] if self.dbt_data_tests else ["test"]),
        ]
        excluded = [arg for kind in skipped for arg in ("--exclude-resource-type", kind)]
        return ["build", *self.dbt_vars_args(), *excluded]

    @property
    def dbt_target_path(self) -> str:
        """dbt's target folder for this warehouse's builds (artifacts, the saved parse)."""
        return str(Path(self.warehouse_path).parent / "dbt_target")

    @property
    def spark_endpoint(self) -> ThriftEndpoint:
        return ThriftEndpoint(
            self.spark_host,
            self.spark_port,
            self.spark_user,
            self.spark_auth,
            self.spark_query_timeout,
        )

    @property
    def source_name(self) -> str:
        """What the marts are read from: the DuckDB file, the Spark folder or the endpoint."""
        if self.dbt_target == "spark_thrift":
            return self.spark_endpoint.url
        return self.spark_path if self.dbt_target == "spark" else self.warehouse_path

    def _engine(self) -> Engine:
        return engine_for(
            self.dbt_target,
            self.warehouse_path,
            self.spark_path,
            self.duckdb_memory_limit,
            self.spark_endpoint,
        )

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """A block whose queries share one read-only connection (DuckDB; engines.reading)."""
        if self.dbt_target == "duckdb":
            return reading(self.warehouse_path, self.duckdb_memory_limit)
        return contextlib.nullcontext()

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run one read-only query on whichever engine built the marts (lib/engines.py)."""
        return self._engine().query(sql, params)

    def batches(self, sql: str, rows: int = 200_000) -> Iterator[pd.DataFrame]:
        """The result of one read-only query in frames of about `rows` rows (engines.py)."""
        return self._engine().batches(sql, rows)

    def exists(self) -> bool:
        """Whether dbt has built the warehouse yet."""
        return self._engine().exists()

    def has_table(self, table: str) -> bool:
        """Whether `schema.table` is in the warehouse (False when there is no warehouse)."""
        return self.exists() and self._engine().has_table(table)
