"""Files as users meet them: written so readers see the old content or the new, never half;
shown by the path they would type."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.settings import REPO_ROOT


def write_text_atomically(path: Path, text: str) -> Path:
    """Write beside the target, then rename onto it (atomic on POSIX, same folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def write_parquet_atomically(path: Path, table: pa.Table) -> Path:
    """Replace a Parquet file the same way: a reader (dbt's source) sees one whole table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    pq.write_table(table, staged)
    os.replace(staged, path)
    return path


def shown_path(path: Path | str) -> str:
    """A path as a user should read it: relative to the repository when inside it (where
    `make run` runs: `data/raw/...`), absolute otherwise. Not relative to the working
    directory, which dbt's in-process adapter may have moved by the time a step reports."""
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(REPO_ROOT))
    except ValueError:
        return str(absolute)
