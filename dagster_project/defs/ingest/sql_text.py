"""Quoting for the SQL the landing builds as text: headers, values and paths are user data.

Column names come from export headers and paths from wherever a user put the files, so
every one of them is quoted here before it reaches DuckDB; nothing is spliced in raw.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def ident(name: str) -> str:
    """Quote a column name as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a Python string as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def read_parquet_files(paths: Sequence[Path]) -> str:
    """``read_parquet`` over the files, in order (DuckDB preserves insertion order)."""
    return "read_parquet([" + ", ".join(lit(str(p)) for p in paths) + "])"
