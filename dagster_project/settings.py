"""Paths and environment variables, in one place.

Everything a user may point elsewhere (their own exports, another warehouse file) is an
environment variable with a default inside the repository, so the same code runs from
`make run`, `make dev`, the tests and a scheduler without edits.

This is the only module that reads the project's environment variables (tests/test_imports.py
holds every other module to that); the rest of the code gets them as a `Settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
# DuckDB's memory cap for dbt's build and every DuckDB connection of a run; beyond it DuckDB
# spills to disk beside the warehouse. DuckDB's own default, 80% of RAM, let a 10M-touchpoint
# build peak at 20 GB. (dbt/profiles.yml repeats it for dbt run by hand, outside Dagster.)
DEFAULT_DUCKDB_MEMORY_LIMIT = "6GB"


def _path_from_env(name: str, default: Path) -> Path:
    """Absolute path: dbt's working directory differs between Dagster and the CLI."""
    value = os.environ.get(name, "").strip()
    return (Path(value) if value else default).expanduser().resolve()


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot take."""


def _text_from_env(name: str) -> str | None:
    """The variable's value, None when it is unset or empty."""
    return os.environ.get(name) or None


def _number_from_env(name: str, kind: type[int] | type[float]) -> float | None:
    """The variable as a number, None when it is unset or empty; a clear error if not one."""
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise SettingError(
            f"environment variable {name}={value!r} is not a valid {kind.__name__}"
        ) from None


def _float_from_env(name: str, default: float) -> float:
    found = _number_from_env(name, float)
    return default if found is None else found


def _int_from_env(name: str) -> int | None:
    found = _number_from_env(name, int)
    return None if found is None else int(found)


@dataclass(frozen=True)
class Settings:
    """Resolved locations, dbt target and run options for one process."""

    source_dir: Path
    data_dir: Path
    warehouse_path: Path
    raw_dir: Path
    dbt_target: str
    # Spark's warehouse and metastore (DBT_TARGET=spark); None: beside the DuckDB file.
    spark_dir: str | None = None
    # Spark over the network (DBT_TARGET=spark_thrift): the HiveServer2 endpoint, and where
    # the cluster reads the raw area the landing writes (None: the raw folder's own path).
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
    # The read-only serving database BI tools open; None: beside the DuckDB file.
    serving_path: str | None = None
    # dbt vars; None keeps the default of dbt_project.yml.
    as_of: str | None = None
    lookback_days: int | None = None
    scope: str | None = None
    half_life_days: float | None = None
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    # dbt's own log file level (info; debug writes every SQL statement to it).
    dbt_log_level_file: str = "info"
    # Dagster's instance folder (run history, dagster.yaml); the Makefile sets it.
    dagster_home: str | None = None


def load_settings() -> Settings:
    """Read the environment now (tests change it between runs)."""
    data_dir = _path_from_env("ATTRIBUTION_DATA_DIR", REPO_ROOT / "data")
    return Settings(
        source_dir=_path_from_env("ATTRIBUTION_SOURCE_DIR", REPO_ROOT / "seeds"),
        data_dir=data_dir,
        warehouse_path=_path_from_env("ATTRIBUTION_WAREHOUSE_PATH", data_dir / "warehouse.duckdb"),
        raw_dir=_path_from_env("ATTRIBUTION_RAW_DIR", data_dir / "raw"),
        dbt_target=os.environ.get("DBT_TARGET", "duckdb").strip() or "duckdb",
        spark_dir=_text_from_env("ATTRIBUTION_SPARK_DIR"),
        spark_host=_text_from_env("ATTRIBUTION_SPARK_HOST") or "127.0.0.1",
        spark_port=_int_from_env("ATTRIBUTION_SPARK_PORT") or 10000,
        spark_user=_text_from_env("ATTRIBUTION_SPARK_USER") or "dbt",
        spark_auth=_text_from_env("ATTRIBUTION_SPARK_AUTH") or "NONE",
        raw_location=_text_from_env("ATTRIBUTION_RAW_LOCATION"),
        spark_query_timeout=_float_from_env("ATTRIBUTION_SPARK_QUERY_TIMEOUT", 3600.0),
        quarantine_error_rate=_float_from_env("ATTRIBUTION_QUARANTINE_ERROR_RATE", 0.01),
        freshness_days=_float_from_env("ATTRIBUTION_FRESHNESS_DAYS", 2.0),
        serving_path=_text_from_env("ATTRIBUTION_SERVING_PATH"),
        as_of=_text_from_env("ATTRIBUTION_AS_OF"),
        lookback_days=_int_from_env("ATTRIBUTION_LOOKBACK_DAYS"),
        scope=_text_from_env("ATTRIBUTION_SCOPE"),
        half_life_days=_number_from_env("ATTRIBUTION_HALF_LIFE_DAYS", float),
        dbt_log_level_file=os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
        duckdb_memory_limit=_text_from_env("ATTRIBUTION_DUCKDB_MEMORY_LIMIT")
        or DEFAULT_DUCKDB_MEMORY_LIMIT,
        dagster_home=_text_from_env("DAGSTER_HOME"),
    )


@dataclass(frozen=True)
class SparkClusterSettings:
    """The local Spark cluster of `make cluster-up` (lib/spark_cluster.py): its folder, ports
    and worker size."""

    root: Path
    master_port: int = 7077
    thrift_port: int = 10000
    master_ui_port: int = 8080
    worker_ui_port: int = 8081
    worker_cores: int = 2
    worker_memory: str = "4g"
    executor_memory: str = "3g"
    driver_memory: str = "2g"


def load_spark_cluster_settings() -> SparkClusterSettings:
    """The defaults above, for each variable that is not set."""
    settings = load_settings()
    given = {
        "master_port": _int_from_env("ATTRIBUTION_SPARK_MASTER_PORT"),
        "master_ui_port": _int_from_env("ATTRIBUTION_SPARK_MASTER_UI_PORT"),
        "worker_ui_port": _int_from_env("ATTRIBUTION_SPARK_WORKER_UI_PORT"),
        "worker_cores": _int_from_env("ATTRIBUTION_SPARK_WORKER_CORES"),
        "worker_memory": _text_from_env("ATTRIBUTION_SPARK_WORKER_MEMORY"),
        "executor_memory": _text_from_env("ATTRIBUTION_SPARK_EXECUTOR_MEMORY"),
        "driver_memory": _text_from_env("ATTRIBUTION_SPARK_DRIVER_MEMORY"),
    }
    return SparkClusterSettings(
        root=_path_from_env(
            "ATTRIBUTION_SPARK_CLUSTER_DIR", settings.warehouse_path.parent / "spark_cluster"
        ),
        thrift_port=settings.spark_port,
        **{name: value for name, value in given.items() if value is not None},
    )


def inherited_environment() -> dict[str, str]:
    """This process's whole environment, for a child that needs it as it is (the cluster's
    JVMs: PATH, JAVA_HOME)."""
    return dict(os.environ)
