"""Header checks: the column names of each input file, read and judged before any row.

A bad header (missing required column, duplicate, empty or reserved name, unreadable first
line) makes every row of the file meaningless, so it is the one content problem that stops
a landing (``SourceFileError``) instead of quarantining rows. Reading only the header keeps
that check cheap, and it runs on every file before anything is written, so a failing
landing leaves the previous one in place.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contracts import SourceContract
from dagster_project.defs.ingest.raw_layout import LINEAGE_COLUMNS
from dagster_project.defs.ingest.source_files import SourceFileError, relative_path


@dataclass(frozen=True)
class InputFile:
    """One input file with the column names found in its header (or Parquet schema)."""

    path: Path
    rel: str  # relative to the source directory, as in _source_file
    header: tuple[str, ...]
    header_lines: int  # physical lines taken by the CSV header (0 for Parquet)


def read_header(path: Path, source_dir: Path) -> InputFile:
    """Read only the column names of a file (CSV header row or Parquet schema)."""
    rel = relative_path(path, source_dir)
    if path.suffix.lower() == ".parquet":
        try:
            names = tuple(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as exc:
            raise SourceFileError(f"{rel}: cannot read Parquet file: {exc}") from exc
        return InputFile(path, rel, names, 0)
    try:
        # surrogateescape: a bad byte further down is a row problem, not a header problem.
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            reader = csv.reader(fh, delimiter=",", quotechar='"', doublequote=True, strict=True)
            header = next(reader, None)
            header_lines = reader.line_num
        if header:
            "".join(header).encode("utf-8")  # invalid UTF-8 in the header itself is fatal
    except (UnicodeError, csv.Error) as exc:
        raise SourceFileError(f"{rel}: cannot read CSV header: {exc}") from exc
    if not header:
        raise SourceFileError(f"{rel}: empty file or blank first line, expected a header row")
    return InputFile(path, rel, tuple(header), header_lines)


def check_header(contract: SourceContract, item: InputFile) -> None:
    """Reject files that lack a required column or whose header is ambiguous."""
    seen: set[str] = set()
    for name in item.header:
        if name in seen:
            raise SourceFileError(f"{item.rel}: column {name!r} appears more than once")
        if name in LINEAGE_COLUMNS:
            raise SourceFileError(f"{item.rel}: column name {name!r} is reserved for lineage")
        if name == "":
            raise SourceFileError(f"{item.rel}: header has an empty column name")
        seen.add(name)
    for required in contract.required_columns:
        if required not in seen:
            raise SourceFileError(f"{item.rel}: missing required column {required!r}")


def extra_columns(contract: SourceContract, inputs: Sequence[InputFile]) -> list[str]:
    """Columns not in the contract, in order of first appearance across the sorted files.

    They are landed as text rather than dropped: an export that grew a column loses nothing.
    """
    known = set(contract.column_names)
    extras: list[str] = []
    for item in inputs:
        extras += [c for c in item.header if c not in known and c not in extras]
    return extras
