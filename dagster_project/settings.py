"""Paths and environment variables, in one place.

Everything a user may point elsewhere (their own exports, another warehouse file) is an
environment variable with a default inside the repository, so the same code runs from
`make run`, `make dev`, the tests and a scheduler without edits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"


def _path_from_env(name: str, default: Path) -> Path:
    """Absolute path: dbt's working directory differs between Dagster and the CLI."""
    value = os.environ.get(name, "").strip()
    return (Path(value) if value else default).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    """Resolved locations and dbt target for one process."""

    source_dir: Path
    data_dir: Path
    warehouse_path: Path
    raw_dir: Path
    dbt_target: str


def load_settings() -> Settings:
    """Read the environment now (tests change it between runs)."""
    data_dir = _path_from_env("ATTRIBUTION_DATA_DIR", REPO_ROOT / "data")
    return Settings(
        source_dir=_path_from_env("ATTRIBUTION_SOURCE_DIR", REPO_ROOT / "seeds"),
        data_dir=data_dir,
        warehouse_path=_path_from_env("ATTRIBUTION_WAREHOUSE_PATH", data_dir / "warehouse.duckdb"),
        raw_dir=_path_from_env("ATTRIBUTION_RAW_DIR", data_dir / "raw"),
        dbt_target=os.environ.get("DBT_TARGET", "duckdb").strip() or "duckdb",
    )
