"""Landing: read one source export (CSV or Parquet files) and write it typed to the raw area.

``land_source`` is the only entry point the Dagster assets need. It finds the input files
of a source (``NAME.csv``, ``NAME.parquet`` and/or a folder ``NAME/`` of such files), checks
their headers against the declared contract (``contracts.py``), types every value per the
raw landing contract with DuckDB and atomically writes, per input file (``part-<key>`` where
key is a short hash of the file's path relative to the source directory):

* ``<raw_dir>/<family>/<name>/part-<key>.parquet``: the rows that meet the contract, typed,
  with lineage columns ``_source_file`` and ``_source_line`` (physical line of the row's
  start). Every part of a source has the same column list, so ``*.parquet`` globs (dbt-duckdb)
  and folder readers (Spark) see one table;
* ``<raw_dir>/_quarantine/<family>/<name>/part-<key>.parquet``: one row per input row that
  breaks the contract (``QUARANTINE_COLUMNS``: source, file, line, column, reason,
  raw_record, problem_count); written, empty, even when nothing was quarantined;
* ``<raw_dir>/<family>/<name>/_landing.json``: the landing's own record (per file sha256 and
  rows read / loaded / quarantined), written after the parts. Rows read = loaded +
  quarantined, exactly, per file;
* ``<raw_dir>/_ingestion/landed_sources/part-<family>-<name>.parquet``: the same totals as
  one row (``LANDED_SOURCES_SCHEMA``), written last: the ingestion log dbt reads as the
  source ``ingestion.landed_sources`` (the quarantine parts are ``ingestion.quarantined_rows``).

Sources may be absent (``SourceContract.required`` / ``touch_source``): an absent optional
source lands as one empty part (``part-not-provided.parquet``, the typed column list of the
contract, so every reader sees the same table) and an empty quarantine part, and its manifest
and log row say it was not provided. A source that disappears thus loses its old parts.

Loading is incremental: a file whose path and sha256 are in the manifest (and whose parts
exist) is not read again; only new or changed files are landed, and the parts of files that
left the source folder are deleted. A change of the output column list re-lands every file.
The sensor in ``sensors.py`` uses the same file discovery and manifest to trigger runs.

Only whole-file problems are fatal (``SourceFileError`` naming the file and column): no input
for a required source, none of the touch sources provided, a source folder without any input
file, a missing required column or a bad header, a file that cannot be read as CSV or
Parquet. Nothing is then written, so the previous landing stays in place.

Why it is built this way:

* Nothing is guessed: CSV files are read as VARCHAR with explicit dialect options, and the
  typing is done by one explicit SQL expression per column, so a value either matches the
  contract or its row is quarantined with file, line, column and value.
* Line numbers must be exact and deterministic. DuckDB's CSV reader has no row-number
  column and ``row_number() over ()`` is not guaranteed to follow file order, so each CSV is
  streamed (insertion order is preserved) as Arrow batches, a running physical line number
  is attached (embedded newlines in quoted fields are counted), and the result is written to
  an intermediate Parquet file (under ``<raw_dir>/.landing_tmp/``, removed afterwards).
* Malformed rows (wrong field count, broken quoting, invalid UTF-8) are detected by DuckDB's
  own reader (``store_rejects``). DuckDB 2.0's ``reject_errors`` cannot number them
  exactly, though: its ``line`` counts records, not physical lines (quoted newlines and
  blank lines are not counted), and a whitespace-only line stops the scan with "invalid
  state" even with rejects on. So a file whose DuckDB read has any reject, fails, or skipped
  a blank line (a cheap newline count tells) is re-staged by an exact streaming RFC 4180
  tokenizer (``_csv_records``) that numbers every record and splits good from malformed
  records; files without such problems never take that slower path.
* It must scale: the typing runs as one streaming DuckDB ``COPY`` over the intermediate
  files with a memory limit and spilling, so tens of millions of rows never need to fit in
  memory. The contract check rides along in that same pass (``error()``); only when it trips
  are the bad rows selected into the quarantine and the good rows copied with a filter.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contracts import (
    EMAIL_PATTERN,
    ISO_4217_CODES,
    SOURCE_CONTRACTS,
    TOUCH_SOURCES,
    Column,
    LogicalType,
    SourceContract,
    ValueKind,
)
from dagster_project.lib.files import write_text_atomically

SOURCE_FILE_COLUMN = "_source_file"
SOURCE_LINE_COLUMN = "_source_line"
LINEAGE_COLUMNS = (SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN)  # after the contract's, in every part
PART_PREFIX = "part-"  # <raw_dir>/<family>/<name>/part-<hash of the input path>.parquet
PARTS_GLOB = "*.parquet"
MANIFEST_FILE_NAME = "_landing.json"  # underscore: Spark and *.parquet globs skip it
QUARANTINE_DIR_NAME = "_quarantine"  # <raw_dir>/_quarantine/<family>/<name>/part-*.parquet
WORK_DIR_NAME = ".landing_tmp"  # under raw_dir; per-landing temp dirs, removed when done
NOT_PROVIDED_PART = f"{PART_PREFIX}not-provided.parquet"  # the one, empty part of an absent source
INGESTION_DIR_NAME = "_ingestion"  # <raw_dir>/_ingestion/landed_sources/part-<family>-<name>
LANDED_SOURCES_DIR_NAME = "landed_sources"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),  # family/name
        pa.field("file", pa.string()),  # relative path, as _source_file
        pa.field("line", pa.int64()),  # physical start line (Parquet: 1-based row number)
        pa.field("column", pa.string()),  # NULL for row-level problems
        pa.field("reason", pa.string()),  # the first problem, in column order, row rules last
        pa.field("raw_record", pa.string()),  # JSON: {column: text} or [fields] if malformed
        pa.field("problem_count", pa.int32()),  # problems found in the row (>= 1)
    ]
)
QUARANTINE_COLUMNS = tuple(QUARANTINE_SCHEMA.names)

# One row per source in the ingestion log: what its last landing found (same totals as the
# manifest). landed_at is UTC without a zone, like every timestamp of the raw area.
LANDED_SOURCES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),  # family/name
        pa.field("source_family", pa.string()),
        pa.field("source_name", pa.string()),
        pa.field("is_provided", pa.bool_()),  # false: no input file, landed empty
        pa.field("file_count", pa.int64()),
        pa.field("rows_read", pa.int64()),
        pa.field("rows_loaded", pa.int64()),
        pa.field("rows_quarantined", pa.int64()),
        pa.field("landed_at", pa.timestamp("us")),
    ]
)

_INPUT_SUFFIXES = (".csv", ".parquet")
_BATCH_ROWS = 500_000

# Accepted spellings (a value must match the pattern in full before it is cast).
_TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_DOUBLE_RE = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_BIGINT_RE = r"[+-]?\d+(\.0*)?"
_VIOLATION_MARKER = "landing: contract violation"
_TRUE_SPELLINGS = ("true", "1", "yes")
_FALSE_SPELLINGS = ("false", "0", "no")

_TYPE_WORDS = {
    LogicalType.TIMESTAMP: "timestamp",
    LogicalType.DATE: "date",
    LogicalType.DOUBLE: "number",
    LogicalType.BIGINT: "integer",
    LogicalType.BOOLEAN: "boolean",
}


class SourceFileError(ValueError):
    """A source export cannot be landed at all (missing file or column, unreadable file).

    The message always names the file (relative to the source directory) and, for header
    problems, the column, so a user can fix the export. Row-level problems are never raised:
    those rows are quarantined.
    """


@dataclass(frozen=True)
class FileStats:
    """Per input file: its content hash and rows read = rows loaded + rows quarantined."""

    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    sha256: str


@dataclass(frozen=True)
class LandingResult:
    """What one landing produced; every field is cheap and meant as Dagster metadata.

    Counts cover every current input file, landed now or skipped as unchanged.
    ``row_count`` == ``rows_loaded``; ``rows_per_file`` holds rows loaded per file.
    ``provided`` is False for an absent optional source (no files, landed empty).
    ``output_path`` and ``quarantine_path`` are ``*.parquet`` globs over the part files (DuckDB
    reads them as they are; their ``.parent`` is the folder). ``files_landed`` and
    ``files_skipped`` say what this call did and are left out of equality: two landings of the
    same inputs are equal whether or not the second one had anything to do.
    """

    family: str
    name: str
    output_path: Path
    row_count: int
    files: list[str]
    rows_per_file: dict[str, int]
    extra_columns: list[str]
    columns: list[str]
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    files_stats: dict[str, FileStats] = field(default_factory=dict)
    quarantine_path: Path | None = None
    manifest_path: Path | None = None
    provided: bool = True
    log_path: Path | None = None
    landed_at: datetime | None = field(default=None, compare=False)
    files_landed: list[str] = field(default_factory=list, compare=False)
    files_skipped: list[str] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class _InputFile:
    """One input file with the column names found in its header (or Parquet schema)."""

    path: Path
    rel: str
    header: tuple[str, ...]
    header_lines: int  # physical lines taken by the CSV header (0 for Parquet)


@dataclass(frozen=True)
class _Staged:
    """One staged input: candidate rows (all VARCHAR) and its malformed rows, if any."""

    path: Path
    rel: str  # the input file, as in _source_file
    rows: int  # rows in the staged Parquet (well-formed, not yet checked against values)
    malformed: Path | None  # quarantine-schema Parquet of malformed rows (CSV only)
    malformed_rows: int
    sha256: str


# --------------------------------------------------------------------------- public API


def find_input_files(contract: SourceContract, source_dir: Path) -> list[Path]:
    """All input files of a source, sorted by their path relative to ``source_dir``.

    A source may be ``NAME.csv``, ``NAME.parquet`` and/or a folder ``NAME/`` of such files
    (daily drops); all that exist are read together, so nothing a user dropped is ignored.
    An optional source with none of them has no input (``[]``); a required one is an error,
    and so is a folder without input files (someone meant to provide the source).
    """
    base = Path(source_dir) / contract.family
    candidates = [base / f"{contract.name}{suffix}" for suffix in _INPUT_SUFFIXES]
    files = [p for p in candidates if p.is_file()]
    folder = base / contract.name
    folder_exists = folder.is_dir()
    if folder_exists:
        files += [
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _INPUT_SUFFIXES
        ]
    if not files:
        expected = ", ".join(str(p) for p in [*candidates, folder])
        if folder_exists:
            raise SourceFileError(
                f"{contract.qualified_name}: folder {folder} holds no .csv or .parquet file"
            )
        if contract.required:
            raise SourceFileError(
                f"{contract.qualified_name}: no input found for this required source; "
                f"expected one of {expected}/"
            )
    return sorted(files, key=lambda p: _relative(p, source_dir))


def relative_path(path: Path, source_dir: Path) -> str:
    """An input file's path relative to the source directory, as in ``_source_file``."""
    return _relative(Path(path), Path(source_dir))


def part_name(rel: str) -> str:
    """The part file that holds the rows of input file ``rel``: stable, one per input file."""
    return f"{PART_PREFIX}{hashlib.sha256(rel.encode('utf-8')).hexdigest()[:16]}.parquet"


def output_dir(contract: SourceContract, raw_dir: Path) -> Path:
    """The folder of a source's landed part files and manifest."""
    return Path(raw_dir) / contract.family / contract.name


def manifest_path(contract: SourceContract, raw_dir: Path) -> Path:
    """Where a source's landing manifest (``_landing.json``) is written."""
    return output_dir(contract, raw_dir) / MANIFEST_FILE_NAME


def quarantine_dir(contract: SourceContract, raw_dir: Path) -> Path:
    """The folder of a source's quarantine part files."""
    return Path(raw_dir) / QUARANTINE_DIR_NAME / contract.family / contract.name


def quarantine_path(contract: SourceContract, raw_dir: Path) -> Path:
    """Glob over the quarantine part files of a source (what DuckDB reads)."""
    return quarantine_dir(contract, raw_dir) / PARTS_GLOB


def quarantine_area_glob(raw_dir: Path) -> Path:
    """Glob over every source's quarantine parts (``<raw_dir>/_quarantine/<family>/<name>/``)."""
    return Path(raw_dir) / QUARANTINE_DIR_NAME / "*" / "*" / PARTS_GLOB


def landed_sources_dir(raw_dir: Path) -> Path:
    """The folder of the ingestion log: one one-row part per landed source."""
    return Path(raw_dir) / INGESTION_DIR_NAME / LANDED_SOURCES_DIR_NAME


def landed_source_path(contract: SourceContract, raw_dir: Path) -> Path:
    """A source's row of the ingestion log, rewritten by each of its landings."""
    return landed_sources_dir(raw_dir) / f"{PART_PREFIX}{contract.family}-{contract.name}.parquet"


def read_manifest(contract: SourceContract, raw_dir: Path) -> dict | None:
    """The last landing's manifest, or None when there is none (or it is unreadable)."""
    path = manifest_path(contract, raw_dir)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("source") != contract.qualified_name:
        return None
    return body


def land_source(
    contract: SourceContract,
    source_dir: Path,
    raw_dir: Path,
    *,
    memory_limit: str = "2GB",
) -> LandingResult:
    """Land one source incrementally: one data part and one quarantine part per input file.

    A file whose relative path and sha256 match the previous manifest (same output columns,
    parts present) is skipped without being read; new and changed files are landed, and the
    parts of files gone from the source folder are deleted. If the output column list changes
    (an extra column appears or disappears), every file is landed again so all parts keep the
    same schema. The manifest and the log row, rewritten last, cover all current files.

    An absent optional source is landed empty (``NOT_PROVIDED_PART``) and recorded as not
    provided. Every landing ends by writing the source's row of the ingestion log.

    Raises ``SourceFileError`` only when a required source (or every touch source) is
    missing, a file lacks a required column (or has a bad header) or a file cannot be read
    at all; in that case nothing is written and the previous landing (if any) is left
    untouched.
    """
    source_dir, raw_dir = Path(source_dir), Path(raw_dir)
    found = find_input_files(contract, source_dir)
    if not found and contract.touch_source:
        _require_a_touch_source(contract, source_dir)
    inputs = [_read_header(p, source_dir) for p in found]
    for item in inputs:
        _check_header(contract, item)
    extras = _extra_columns(contract, inputs)
    columns = [*contract.column_names, *extras, SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN]
    out_dir = output_dir(contract, raw_dir)
    q_dir = quarantine_dir(contract, raw_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    q_dir.mkdir(parents=True, exist_ok=True)

    previous = read_manifest(contract, raw_dir) or {}
    known = {entry["file"]: entry for entry in previous.get("files", [])}
    stats: dict[str, FileStats] = {}
    to_land: list[_InputFile] = []
    for item in inputs:
        digest = file_sha256(item.path)
        entry = known.get(item.rel)
        part = part_name(item.rel)
        if (
            entry is not None
            and entry.get("sha256") == digest
            and _part_columns(out_dir / part) == columns  # else the column list changed
            and (q_dir / part).is_file()
        ):
            stats[item.rel] = FileStats(
                int(entry["rows_read"]),
                int(entry["rows_loaded"]),
                int(entry["rows_quarantined"]),
                digest,
            )
        else:
            to_land.append(item)
    if to_land and any(
        _part_columns(out_dir / part_name(rel)) != columns for rel in stats
    ):  # an unchanged file's part has another column list: land everything again
        stats, to_land = {}, list(inputs)

    # Intermediates live beside the raw area (same disk, not a possibly RAM-backed /tmp) but
    # outside the source folder, so a reader of <family>/<name>/ only ever sees part files.
    work_root = raw_dir / WORK_DIR_NAME
    work_root.mkdir(parents=True, exist_ok=True)
    prefix = f"{contract.family}-{contract.name}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=work_root) as tmp:
        landed = _land_files(contract, extras, to_land, Path(tmp), memory_limit)
        stats.update({rel: st for rel, (st, _, _) in landed.items()})
        parts = {part_name(rel): (data, q) for rel, (_, data, q) in landed.items()}
        keep = {part_name(item.rel) for item in inputs}
        if not inputs:  # not provided: one empty part, so readers still see the table
            parts = {NOT_PROVIDED_PART: _write_empty_parts(contract, Path(tmp), memory_limit)}
            keep = {NOT_PROVIDED_PART}
        # Publish: the new parts, then drop parts of no current file, then the manifest and
        # the ingestion log.
        for name, (data_tmp, q_tmp) in parts.items():
            os.replace(data_tmp, out_dir / name)
            os.replace(q_tmp, q_dir / name)
        for folder in (out_dir, q_dir):
            for other in folder.glob("*.parquet"):  # old parts and the former data.parquet
                if other.name not in keep:
                    other.unlink()
        ordered = {item.rel: stats[item.rel] for item in inputs}
        landed_at = datetime.now(UTC).replace(tzinfo=None)
        manifest = _write_manifest(contract, out_dir, ordered, bool(inputs), landed_at)
        log = _write_log_row(contract, raw_dir, ordered, bool(inputs), landed_at, Path(tmp))

    return LandingResult(
        family=contract.family,
        name=contract.name,
        output_path=out_dir / PARTS_GLOB,
        row_count=sum(s.rows_loaded for s in ordered.values()),
        files=[item.rel for item in inputs],
        rows_per_file={rel: s.rows_loaded for rel, s in ordered.items()},
        extra_columns=extras,
        columns=columns,
        rows_read=sum(s.rows_read for s in ordered.values()),
        rows_loaded=sum(s.rows_loaded for s in ordered.values()),
        rows_quarantined=sum(s.rows_quarantined for s in ordered.values()),
        files_stats=ordered,
        quarantine_path=q_dir / PARTS_GLOB,
        manifest_path=manifest,
        provided=bool(inputs),
        log_path=log,
        landed_at=landed_at,
        files_landed=[item.rel for item in to_land],
        files_skipped=[item.rel for item in inputs if item not in to_land],
    )


def _require_a_touch_source(contract: SourceContract, source_dir: Path) -> None:
    """Fail when no touch source has input: attribution without touches is meaningless.

    A touch source whose folder is empty counts as provided here: its own landing fails
    with the more precise message.
    """
    for qualified in TOUCH_SOURCES:
        try:
            if find_input_files(SOURCE_CONTRACTS[qualified], source_dir):
                return
        except SourceFileError:
            return
    accepted = ", ".join(TOUCH_SOURCES)
    raise SourceFileError(
        f"{contract.qualified_name}: no touch source in {source_dir}: provide at least one of "
        f"{accepted} (each as <family>/<name>.csv, <family>/<name>.parquet or a folder "
        "<family>/<name>/ of such files)"
    )


def _write_empty_parts(contract: SourceContract, tmp: Path, memory_limit: str) -> tuple[Path, Path]:
    """An empty data part typed by the same SQL as real parts, and an empty quarantine part.

    Typing an empty, all-VARCHAR relation with ``_typed_select`` gives exactly the column
    names and Parquet types of a landed file, so staging (DuckDB globs, Spark folder tables)
    reads a not-provided source like any other.
    """
    data_tmp, q_tmp = tmp / "empty-data.parquet", tmp / "empty-quarantine.parquet"
    texts = ", ".join(f"NULL::VARCHAR AS {_ident(name)}" for name in contract.column_names)
    empty = (
        f"SELECT {texts}, NULL::VARCHAR AS {SOURCE_FILE_COLUMN}, "
        f"NULL::BIGINT AS {SOURCE_LINE_COLUMN} WHERE false"
    )
    con = _connect(tmp, memory_limit)
    try:
        con.execute(
            f"COPY (SELECT {_typed_select(contract, [])}, {SOURCE_LINE_COLUMN} FROM ({empty})) "
            f"TO {_lit(str(data_tmp))} (FORMAT parquet, COMPRESSION zstd)"
        )
    finally:
        con.close()
    pq.write_table(QUARANTINE_SCHEMA.empty_table(), q_tmp)
    return data_tmp, q_tmp


def _part_columns(path: Path) -> list[str] | None:
    """Column names of a landed part (its footer only), None if it is missing or unreadable."""
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException):
        return None


def _land_files(
    contract: SourceContract,
    extras: Sequence[str],
    items: Sequence[_InputFile],
    tmp: Path,
    memory_limit: str,
) -> dict[str, tuple[FileStats, Path, Path]]:
    """Stage and type each file on its own; per file: stats, data part and quarantine part.

    The parts are written into ``tmp``; ``land_source`` publishes them once all succeeded.
    """
    if not items:
        return {}
    landed: dict[str, tuple[FileStats, Path, Path]] = {}
    con = _connect(tmp, memory_limit)
    try:
        for i, item in enumerate(items):
            staged = _stage_file(con, contract, extras, item, tmp, i)
            data_tmp, q_tmp = _write_outputs(con, contract, extras, [staged], tmp, tmp)
            data_part = data_tmp.rename(tmp / f"data-{i:06d}.parquet")
            q_part = q_tmp.rename(tmp / f"quarantine-{i:06d}.parquet")
            for path in (staged.path, staged.malformed):
                if path is not None:
                    path.unlink(missing_ok=True)
            rows_read = staged.rows + staged.malformed_rows
            n_loaded = _count_by_file(con, data_part, SOURCE_FILE_COLUMN).get(item.rel, 0)
            n_bad = _count_by_file(con, q_part, "file").get(item.rel, 0)
            if rows_read != n_loaded + n_bad:  # an internal invariant, never a data problem
                raise RuntimeError(
                    f"{item.rel}: landing lost rows: read {rows_read}, "
                    f"loaded {n_loaded}, quarantined {n_bad}"
                )
            stats = FileStats(rows_read, n_loaded, n_bad, staged.sha256)
            landed[item.rel] = (stats, data_part, q_part)
    finally:
        con.close()
    return landed


def _count_by_file(con: duckdb.DuckDBPyConnection, path: Path, column: str) -> dict[str, int]:
    """Rows per file in a written Parquet (what was really written, not what was planned)."""
    return dict(
        con.execute(
            f"SELECT {_ident(column)}, count(*) FROM read_parquet({_lit(str(path))}) GROUP BY 1"
        ).fetchall()
    )


def _write_manifest(
    contract: SourceContract,
    out_dir: Path,
    stats: dict[str, FileStats],
    provided: bool,
    landed_at: datetime,
) -> Path:
    """Write ``_landing.json`` atomically: per-file hashes and row reconciliation.

    A file's parts are named by ``part_name(file)``; the column list is read from the parts.
    """
    body = {
        "source": contract.qualified_name,
        "provided": provided,
        "landed_at": landed_at.isoformat(),
        "files": [
            {
                "file": rel,
                "sha256": s.sha256,
                "rows_read": s.rows_read,
                "rows_loaded": s.rows_loaded,
                "rows_quarantined": s.rows_quarantined,
            }
            for rel, s in stats.items()
        ],
        "rows_read": sum(s.rows_read for s in stats.values()),
        "rows_loaded": sum(s.rows_loaded for s in stats.values()),
        "rows_quarantined": sum(s.rows_quarantined for s in stats.values()),
    }
    return write_text_atomically(out_dir / MANIFEST_FILE_NAME, json.dumps(body, indent=2) + "\n")


def _write_log_row(
    contract: SourceContract,
    raw_dir: Path,
    stats: dict[str, FileStats],
    provided: bool,
    landed_at: datetime,
    tmp: Path,
) -> Path:
    """Write (atomically) the source's one-row part of the ingestion log: the manifest's totals."""
    row = {
        "source": contract.qualified_name,
        "source_family": contract.family,
        "source_name": contract.name,
        "is_provided": provided,
        "file_count": len(stats),
        "rows_read": sum(s.rows_read for s in stats.values()),
        "rows_loaded": sum(s.rows_loaded for s in stats.values()),
        "rows_quarantined": sum(s.rows_quarantined for s in stats.values()),
        "landed_at": landed_at,
    }
    target = landed_source_path(contract, raw_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = tmp / target.name
    pq.write_table(pa.Table.from_pylist([row], schema=LANDED_SOURCES_SCHEMA), partial)
    os.replace(partial, target)
    return target


# --------------------------------------------------------------------------- headers


def _relative(path: Path, source_dir: Path) -> str:
    """Path relative to the source directory with forward slashes (stable lineage value)."""
    return Path(os.path.relpath(path, source_dir)).as_posix()


def _read_header(path: Path, source_dir: Path) -> _InputFile:
    """Read only the column names of a file (CSV header row or Parquet schema)."""
    rel = _relative(path, source_dir)
    if path.suffix.lower() == ".parquet":
        try:
            names = tuple(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as exc:
            raise SourceFileError(f"{rel}: cannot read Parquet file: {exc}") from exc
        return _InputFile(path, rel, names, 0)
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
    return _InputFile(path, rel, tuple(header), header_lines)


def _check_header(contract: SourceContract, item: _InputFile) -> None:
    """Reject files that lack a required column or whose header is ambiguous."""
    seen: set[str] = set()
    for name in item.header:
        if name in seen:
            raise SourceFileError(f"{item.rel}: column {name!r} appears more than once")
        if name in (SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN):
            raise SourceFileError(f"{item.rel}: column name {name!r} is reserved for lineage")
        if name == "":
            raise SourceFileError(f"{item.rel}: header has an empty column name")
        seen.add(name)
    for required in contract.required_columns:
        if required not in seen:
            raise SourceFileError(f"{item.rel}: missing required column {required!r}")


def _extra_columns(contract: SourceContract, inputs: Sequence[_InputFile]) -> list[str]:
    """Columns not in the contract, in order of first appearance across the sorted files."""
    known = set(contract.column_names)
    extras: list[str] = []
    for item in inputs:
        extras += [c for c in item.header if c not in known and c not in extras]
    return extras


# --------------------------------------------------------------------------- staging


def _connect(tmp: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with bounded memory, spilling into the landing's temp dir, in UTC."""
    con = duckdb.connect(":memory:")
    spill = tmp / "duckdb_spill"
    spill.mkdir()
    con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    con.execute(f"SET temp_directory = {_lit(str(spill))}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


# --------------------------------------------------------------------------- staging


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: _InputFile,
    tmp: Path,
    index: int,
) -> _Staged:
    """Write one input as an all-VARCHAR Parquet in the uniform column layout.

    Every staged file has the same columns (contract, extras, lineage), so the typing step can
    read them all with a single order-preserving ``read_parquet`` over the list.
    """
    target = tmp / f"stage-{index:06d}.parquet"
    if item.path.suffix.lower() == ".parquet":
        rows = _stage_parquet(con, contract, extras, item, target)
        return _Staged(target, item.rel, rows, None, 0, _sha256(item.path))
    return _stage_csv(con, contract, extras, item, target, index)


def _uniform_select(
    contract: SourceContract, extras: Sequence[str], present: set[str], exprs: dict[str, str]
) -> str:
    """Select list in output layout: contract columns, extras, then ``_source_file``."""
    parts = []
    for name in [*contract.column_names, *extras]:
        value = exprs.get(name, _ident(name)) if name in present else "NULL::VARCHAR"
        parts.append(f"{value} AS {_ident(name)}")
    return ", ".join(parts)


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: _InputFile,
    target: Path,
    index: int,
) -> _Staged:
    """Stage a CSV: DuckDB's reader on the fast path, the exact tokenizer when it must.

    The fast path streams DuckDB's strict read through Arrow, attaching the physical line
    number of every row. It is kept only if DuckDB rejected nothing and the newline count
    proves no blank line was skipped; otherwise the file is re-staged by ``_stage_csv_exact``.
    """
    newlines, trailing, digest = _scan_file(item.path)
    rejects, scans = f"landing_rejects_{index}", f"landing_scans_{index}"
    columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in item.header) + "}"
    select = _uniform_select(contract, extras, set(item.header), {})
    query = (
        f"SELECT {select}, {_lit(item.rel)} AS {SOURCE_FILE_COLUMN} "
        f"FROM read_csv({_lit(str(item.path))}, header = true, auto_detect = false, "
        f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = {_lit(rejects)}, rejects_scan = {_lit(scans)})"
    )
    rows = 0
    lines = _LineCounter(first_line=item.header_lines + 1)
    exact = True
    try:
        reader = con.sql(query).to_arrow_reader(_BATCH_ROWS)
        schema = reader.schema.append(pa.field(SOURCE_LINE_COLUMN, pa.int64()))
        with pq.ParquetWriter(target, schema, compression="lz4", use_dictionary=False) as writer:
            for batch in reader:
                # The last column is the _source_file literal, not file content.
                starts = lines.starts(batch.columns[:-1])
                writer.write_batch(
                    pa.RecordBatch.from_arrays([*batch.columns, starts], schema=schema)
                )
                rows += batch.num_rows
        rejected = con.execute(f"SELECT count(*) FROM {_ident(rejects)}").fetchall()[0][0]
        exact = rejected == 0 and newlines == lines.next_line - 2 + trailing
    except duckdb.Error:
        exact = False  # e.g. "invalid state" on a whitespace-only line: let the tokenizer see
    finally:
        for table in (rejects, scans):
            con.execute(f"DROP TABLE IF EXISTS {_ident(table)}")
    if exact:
        return _Staged(target, item.rel, rows, None, 0, digest)
    return _stage_csv_exact(contract, extras, item, target, digest)


class _LineCounter:
    """Running physical line numbers for streamed CSV rows.

    A row starts one line after the previous row started plus the newlines embedded in the
    previous row's quoted fields, so the numbers match what an editor shows.
    """

    def __init__(self, first_line: int) -> None:
        self.next_line = first_line

    def starts(self, columns: Sequence[pa.Array]) -> pa.Array:
        """Start line of each row of a batch given its text columns."""
        n = len(columns[0]) if columns else 0
        newlines = np.zeros(n, dtype=np.int64)
        for col in columns:
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                counts = pc.count_substring(col, "\n").fill_null(0)
                newlines += counts.to_numpy(zero_copy_only=False).astype(np.int64)
        spans = newlines + 1
        starts = self.next_line + np.cumsum(spans) - spans
        self.next_line += int(spans.sum())
        return pa.array(starts, type=pa.int64())


def _scan_file(path: Path) -> tuple[int, int, str]:
    """One pass over a file's bytes: ``\\n`` count, line ends at its very end, sha256."""
    total, digest, tail = 0, hashlib.sha256(), b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            total += chunk.count(b"\n")
            digest.update(chunk)
            tail = (tail + chunk)[-4096:]
    trailing = tail[len(tail.rstrip(b"\r\n")) :].count(b"\n")
    return total, trailing, digest.hexdigest()


def _sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return _scan_file(path)[2]


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes, streamed (as recorded in the manifest)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- exact CSV path


class _Record(NamedTuple):
    """One CSV record as the tokenizer saw it."""

    line: int  # physical line where it starts
    fields: list[str]  # decoded values; "" = empty field (NULL)
    problem: str | None = None  # quoting or encoding problem found while reading it
    problem_field: int | None = None  # 0-based field of an encoding problem


def _decode_fields(line: int, fields: list[bytes], problem: str | None) -> _Record:
    """Decode a record's fields; a field that is not UTF-8 is kept (replaced) and reported."""
    out, bad = [], None
    for i, value in enumerate(fields):
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(value.decode("utf-8", "replace"))
            bad = i if bad is None else bad
    if bad is not None and problem is None:
        return _Record(line, out, f"invalid UTF-8 in field {bad + 1}", bad)
    return _Record(line, out, problem)


def _csv_records(path: Path, header_lines: int) -> Iterator[_Record]:
    """Stream the data records of a CSV with exact physical start lines (RFC 4180).

    Same dialect as the DuckDB read: ``,`` delimiter, ``"`` quotes doubled inside quoted
    fields, ``\\n`` or ``\\r\\n`` line ends, blank lines skipped, empty field = NULL, a quote
    inside an unquoted field kept as text. Text after a closing quote, a quote left open at
    the end of the file and invalid UTF-8 are reported as the record's problem, never raised.
    """
    with path.open("rb") as fh:
        for _ in range(header_lines):
            fh.readline()
        line_no = header_lines
        start = 0
        fields: list[bytes] | None = None
        problem: str | None = None
        buf = bytearray()
        in_quotes = closed = at_start = False
        for raw in fh:
            line_no += 1
            end = len(raw)
            if raw.endswith(b"\n"):
                end -= 2 if raw.endswith(b"\r\n") else 1
            body = raw[:end]
            if fields is None:
                if not body:
                    continue  # blank line between records
                if b'"' not in body:  # the common case: no quoting at all
                    try:
                        yield _Record(line_no, body.decode("utf-8").split(","))
                    except UnicodeDecodeError:
                        yield _decode_fields(line_no, body.split(b","), None)
                    continue
                start, fields, problem, at_start = line_no, [], None, True
                buf.clear()
            pos, n = 0, len(body)
            while pos < n:
                if in_quotes:
                    q = body.find(b'"', pos)
                    if q < 0:
                        buf += body[pos:]
                        pos = n
                    elif q + 1 < n and body[q + 1] == 0x22:
                        buf += body[pos : q + 1]
                        pos = q + 2
                    else:
                        buf += body[pos:q]
                        in_quotes, closed, pos = False, True, q + 1
                    continue
                if closed and body[pos] != 0x2C:
                    problem = problem or "unexpected text after a closing quote"
                closed = False
                if at_start and body[pos] == 0x22:
                    in_quotes, at_start, pos = True, False, pos + 1
                    continue
                at_start = False
                comma = body.find(b",", pos)
                if comma < 0:
                    buf += body[pos:]
                    pos = n
                else:
                    buf += body[pos:comma]
                    fields.append(bytes(buf))
                    buf.clear()
                    at_start, pos = True, comma + 1
            if in_quotes:
                buf += raw[end:]  # the line end belongs to the quoted value
                continue
            fields.append(bytes(buf))
            buf.clear()
            yield _decode_fields(start, fields, problem)
            fields, closed = None, False
        if fields is not None:
            fields.append(bytes(buf))
            yield _decode_fields(
                start, fields, problem or "quoted field is not closed before end of file"
            )


def _record_problem(record: _Record, header: Sequence[str]) -> tuple[str | None, str, int]:
    """(column, reason, problem count) of a malformed record; reason '' if it is well formed."""
    problems: list[tuple[str | None, str]] = []
    if record.problem:
        i = record.problem_field
        problems.append((header[i] if i is not None and i < len(header) else None, record.problem))
    if len(record.fields) != len(header):
        problems.append((None, f"row has {len(record.fields)} fields, expected {len(header)}"))
    if not problems:
        return None, "", 0
    return problems[0][0], problems[0][1], len(problems)


def _stage_csv_exact(
    contract: SourceContract,
    extras: Sequence[str],
    item: _InputFile,
    target: Path,
    digest: str,
) -> _Staged:
    """Re-stage a CSV with ``_csv_records``: good records staged, malformed ones quarantined."""
    layout = [*contract.column_names, *extras]
    position = {name: i for i, name in enumerate(item.header)}
    schema = pa.schema(
        [pa.field(name, pa.string()) for name in layout]
        + [pa.field(SOURCE_FILE_COLUMN, pa.string()), pa.field(SOURCE_LINE_COLUMN, pa.int64())]
    )
    malformed_path = target.with_suffix(".malformed.parquet")
    good: list[list[str]] = []
    lines: list[int] = []
    bad: list[dict] = []
    rows = 0
    null = pa.scalar(None, pa.string())

    def flush(writer: pq.ParquetWriter) -> None:
        columns = list(zip(*good, strict=True)) if good else [()] * len(item.header)
        arrays = []
        for name in layout:
            i = position.get(name)
            if i is None:
                arrays.append(pa.nulls(len(lines), pa.string()))
            else:
                values = pa.array(columns[i], pa.string())
                arrays.append(pc.if_else(pc.equal(values, ""), null, values))  # empty = NULL
        arrays.append(pa.array([item.rel] * len(lines), type=pa.string()))
        arrays.append(pa.array(lines, type=pa.int64()))
        writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
        good.clear()
        lines.clear()

    with pq.ParquetWriter(target, schema, compression="lz4", use_dictionary=False) as writer:
        for record in _csv_records(item.path, item.header_lines):
            column, reason, count = _record_problem(record, item.header)
            if not reason:
                good.append(record.fields)
                lines.append(record.line)
                rows += 1
                if len(lines) >= _BATCH_ROWS:
                    flush(writer)
                continue
            bad.append(
                {
                    "source": contract.qualified_name,
                    "file": item.rel,
                    "line": record.line,
                    "column": column,
                    "reason": reason,
                    "raw_record": json.dumps([f or None for f in record.fields]),
                    "problem_count": count,
                }
            )
        flush(writer)
    pq.write_table(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), malformed_path)
    return _Staged(target, item.rel, rows, malformed_path, len(bad), digest)


def _stage_parquet(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: _InputFile,
    target: Path,
) -> int:
    """Copy a Parquet input to the staged layout, rendering typed columns as text.

    Typed values are turned into the same text a CSV would hold, so both formats go through
    exactly one typing path. ``_source_line`` is the 1-based row number in the file.
    """
    source = f"read_parquet({_lit(str(item.path))}, file_row_number = true)"
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    types = {row[0]: row[1] for row in described}
    declared = {c.name: c for c in contract.columns}
    exprs = {
        name: _parquet_text_expr(name, types[name], declared.get(name)) for name in item.header
    }
    select = _uniform_select(contract, extras, set(item.header), exprs)
    query = (
        f"SELECT {select}, {_lit(item.rel)} AS {SOURCE_FILE_COLUMN}, "
        f"file_row_number + 1 AS {SOURCE_LINE_COLUMN} FROM {source}"
    )
    try:
        con.execute(f"COPY ({query}) TO {_lit(str(target))} (FORMAT parquet, COMPRESSION lz4)")
        return int(pq.ParquetFile(target).metadata.num_rows)
    except duckdb.Error as exc:
        raise SourceFileError(f"{item.rel}: cannot read Parquet: {_first_line(exc)}") from exc


def _parquet_text_expr(name: str, source_type: str, column: Column | None) -> str:
    """SQL rendering a (possibly typed) Parquet column as contract text.

    Two common export quirks are accepted: dates written as midnight timestamps, and counts
    written as floats because the writer (pandas) had NULLs in an integer column.
    """
    ident = _ident(name)
    target = column.type if column else LogicalType.VARCHAR
    is_timestamp = source_type.startswith("TIMESTAMP")
    is_float = source_type in ("FLOAT", "DOUBLE")
    if target == LogicalType.DATE and is_timestamp:
        return (
            f"CASE WHEN {ident} = date_trunc('day', {ident}) "
            f"THEN strftime({ident}, '%Y-%m-%d') ELSE {ident}::VARCHAR END"
        )
    if target == LogicalType.BIGINT and is_float:
        return (
            f"coalesce(CASE WHEN {ident} = trunc({ident}) "
            f"THEN try_cast({ident} AS BIGINT)::VARCHAR END, {ident}::VARCHAR)"
        )
    if source_type == "VARCHAR":
        return ident
    return f"{ident}::VARCHAR"


# --------------------------------------------------------------------------- typing


# Per type: the strict pattern a text value must match, then the cast that types it.
_PATTERN_CASTS: dict[LogicalType, tuple[str, str]] = {
    LogicalType.TIMESTAMP: (_TIMESTAMP_RE, "try_cast({} AS TIMESTAMPTZ)::TIMESTAMP"),
    LogicalType.DATE: (_DATE_RE, "try_cast({} AS DATE)"),
    # An overflowing spelling (1e999) would cast to infinity: not a number an export means.
    LogicalType.DOUBLE: (
        _DOUBLE_RE,
        "CASE WHEN isfinite(try_cast({0} AS DOUBLE)) THEN try_cast({0} AS DOUBLE) END",
    ),
    LogicalType.BIGINT: (_BIGINT_RE, "try_cast({} AS BIGINT)"),
}


def _parse_expr(column: Column, raw: str) -> str:
    """SQL turning the text ``raw`` into the column's contract type; NULL if it does not parse.

    A strict pattern is checked before the cast so that DuckDB's lenient casts (e.g. '1e3'
    as a date part or named time zones) cannot let odd spellings through silently.
    """
    kind = column.type
    if kind in _PATTERN_CASTS:
        pattern, cast = _PATTERN_CASTS[kind]
        return f"CASE WHEN regexp_full_match({raw}, {_lit(pattern)}) THEN {cast.format(raw)} END"
    if kind == LogicalType.BOOLEAN:
        trues = ", ".join(_lit(v) for v in _TRUE_SPELLINGS)
        falses = ", ".join(_lit(v) for v in _FALSE_SPELLINGS)
        norm = f"lower(trim({raw}))"
        return f"CASE WHEN {norm} IN ({trues}) THEN true WHEN {norm} IN ({falses}) THEN false END"
    return raw


def _staged_source(paths: Sequence[Path]) -> str:
    """``read_parquet`` over the staged files, in order (insertion order is preserved)."""
    return "read_parquet([" + ", ".join(_lit(str(p)) for p in paths) + "])"


def _quoted(raw: str) -> str:
    """SQL for the value in single quotes, for reasons: ``'yesterday'``."""
    return f"'''' || {raw} || ''''"


def _column_problems(col: Column) -> list[tuple[str, str]]:
    """(condition, reason) SQL pairs for one column, in the order they are reported.

    Conditions are never NULL (wrapped in ``coalesce``), so ``NOT (a OR b)`` filters exactly.
    Value sets are matched with one regular expression, not ``IN (...)`` or
    ``list_contains``: with the 177 currency codes as a constant list, DuckDB 2.0's multi-file
    COPY lost insertion order in ~10% of runs (``_ensure_lineage_order`` guards anyway).
    """
    raw = _ident(col.name)
    parsed = _parse_expr(col, raw)
    problems: list[tuple[str, str]] = []
    if col.required:
        problems.append((f"{raw} IS NULL", _lit("required value is empty")))
    if col.type != LogicalType.VARCHAR:
        problems.append(
            (
                f"({raw} IS NOT NULL AND ({parsed}) IS NULL)",
                f"'cannot parse ' || {_quoted(raw)} || {_lit(' as ' + _TYPE_WORDS[col.type])}",
            )
        )
    if col.allowed_values:
        if col.case_insensitive:
            norm, allowed = f"lower(trim({raw}))", [v.lower() for v in col.allowed_values]
        else:
            norm, allowed = raw, list(col.allowed_values)
        listed = ", ".join(col.allowed_values)
        problems.append(
            (
                f"coalesce(NOT regexp_full_match({norm}, {_lit(_alternation(allowed))}), false)",
                f"{_quoted(raw)} || {_lit(' is not one of ' + listed)}",
            )
        )
    if col.kind == ValueKind.CURRENCY:
        codes = _lit(_alternation(sorted(ISO_4217_CODES)))
        problems.append(
            (
                f"coalesce(NOT regexp_full_match(upper(trim({raw})), {codes}), false)",
                f"{_quoted(raw)} || ' is not an ISO 4217 currency code'",
            )
        )
    elif col.kind == ValueKind.EMAIL:
        problems.append(
            (
                f"coalesce(NOT regexp_full_match(trim({raw}), {_lit(EMAIL_PATTERN)}), false)",
                f"{_quoted(raw)} || ' is not an email'",
            )
        )
    if col.min_value is not None:
        bound = repr(float(col.min_value))
        op = "<=" if col.min_exclusive else "<"
        if col.min_exclusive:
            words = f"{col.name} must be greater than {_number(col.min_value)}, got "
        elif col.min_value == 0:
            words = f"negative {col.name} "
        else:
            words = f"{col.name} must be at least {_number(col.min_value)}, got "
        problems.append(
            (f"coalesce(({parsed}) {op} {bound}, false)", f"{_lit(words)} || trim({raw})")
        )
    return problems


def _alternation(values: Sequence[str]) -> str:
    """A regular expression matching exactly one of ``values`` (metacharacters escaped)."""
    special = set("\\.^$|?*+()[]{}")
    escaped = ["".join(f"\\{ch}" if ch in special else ch for ch in v) for v in values]
    return "(?:" + "|".join(escaped) + ")"


def _number(value: float) -> str:
    """``0`` rather than ``0.0`` in reasons."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _row_problems(contract: SourceContract) -> list[tuple[str, str]]:
    """(condition, reason) SQL pairs for the contract's row rules (reported after columns)."""
    problems = []
    for rule in contract.row_rules:
        if_true = _parse_expr(contract.column(rule.if_true), _ident(rule.if_true))
        then_true = _parse_expr(contract.column(rule.then_true), _ident(rule.then_true))
        problems.append(
            (f"coalesce(({if_true}) AND NOT ({then_true}), false)", _lit(rule.violation()))
        )
    return problems


def _checks(contract: SourceContract) -> tuple[list[tuple[str | None, str]], str]:
    """Per check: (column or None for row rules, SQL reason-or-NULL); and the any-bad condition.

    A column's reason is its first failing problem (required, parse, allowed, kind, bound).
    """
    reasons: list[tuple[str | None, str]] = []
    conditions: list[str] = []
    for col in contract.columns:
        problems = _column_problems(col)
        if problems:
            whens = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in problems)
            reasons.append((col.name, f"CASE {whens} END"))
            conditions += [cond for cond, _ in problems]
    for cond, reason in _row_problems(contract):
        reasons.append((None, f"CASE WHEN {cond} THEN {reason} END"))
        conditions.append(cond)
    return reasons, " OR ".join(conditions) or "false"


def _quarantine_query(
    contract: SourceContract, extras: Sequence[str], staged: Sequence[Path]
) -> str:
    """Rows of the staged files that break a value rule, in the quarantine layout."""
    reasons, any_bad = _checks(contract)
    pairs = ", ".join(f"{_lit(n)}, {_ident(n)}" for n in [*contract.column_names, *extras])
    inner = ", ".join(f"{sql} AS p{i}" for i, (_, sql) in enumerate(reasons))
    ps = [f"p{i}" for i in range(len(reasons))]
    column = " ".join(
        f"WHEN p{i} IS NOT NULL THEN {_lit(name) if name else 'NULL'}"
        for i, (name, _) in enumerate(reasons)
    )
    count = " + ".join(f"(p{i} IS NOT NULL)::INTEGER" for i in range(len(reasons)))
    return (
        f"SELECT {_lit(contract.qualified_name)} AS source, {SOURCE_FILE_COLUMN} AS file, "
        f'{SOURCE_LINE_COLUMN}::BIGINT AS line, (CASE {column} END)::VARCHAR AS "column", '
        f"coalesce({', '.join(ps)}) AS reason, raw_record, ({count})::INTEGER AS problem_count "
        f"FROM (SELECT {SOURCE_FILE_COLUMN}, {SOURCE_LINE_COLUMN}, {inner}, "
        f"json_object({pairs})::VARCHAR AS raw_record "
        f"FROM {_staged_source(staged)} WHERE {any_bad})"
    )


def _write_outputs(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    staged: Sequence[_Staged],
    out_dir: Path,
    q_path: Path,
) -> tuple[Path, Path]:
    """Type the staged rows into the data file and collect bad ones into the quarantine file.

    Both are written into the landing's temp dir (``land_source`` publishes them). Optimistic:
    one streaming COPY types everything and aborts on the first violating row (DuckDB
    ``error()``), so a clean source is read once. Only then are the violating rows selected
    into the quarantine and the good rows copied with the inverse filter. Malformed CSV rows
    found at staging are added to the quarantine, which is ordered by file and line.
    """
    tmp = staged[0].path.parent
    data_tmp, q_tmp = tmp / "data.parquet", tmp / "quarantine.parquet"
    paths = [s.path for s in staged]
    _, any_bad = _checks(contract)
    select = _typed_select(contract, extras)
    guarded = (
        f"CASE WHEN {any_bad} THEN error({_lit(_VIOLATION_MARKER)}) "
        f"ELSE {SOURCE_LINE_COLUMN} END AS {SOURCE_LINE_COLUMN}"
    )
    copy = f"TO {_lit(str(data_tmp))} (FORMAT parquet, COMPRESSION zstd)"
    parts = [
        f"SELECT * FROM read_parquet({_lit(str(s.malformed))})"
        for s in staged
        if s.malformed is not None and s.malformed_rows
    ]
    try:
        con.execute(f"COPY (SELECT {select}, {guarded} FROM {_staged_source(paths)}) {copy}")
    except duckdb.Error as exc:
        if _VIOLATION_MARKER not in str(exc):
            raise
        data_tmp.unlink(missing_ok=True)
        con.execute(
            f"COPY (SELECT {select}, {SOURCE_LINE_COLUMN} FROM {_staged_source(paths)} "
            f"WHERE NOT ({any_bad})) {copy}"
        )
        parts.insert(0, _quarantine_query(contract, extras, paths))
    _ensure_lineage_order(con, data_tmp, [s.rel for s in staged])
    if parts:
        union = " UNION ALL ".join(f"({p})" for p in parts)
        con.execute(
            f"COPY (SELECT * FROM ({union}) ORDER BY file, line) "
            f"TO {_lit(str(q_tmp))} (FORMAT parquet, COMPRESSION zstd)"
        )
    else:
        pq.write_table(QUARANTINE_SCHEMA.empty_table(), q_tmp)
    return data_tmp, q_tmp


def _typed_select(contract: SourceContract, extras: Sequence[str]) -> str:
    """Select list typing staged text per the contract: contract columns, extras, file."""
    typed = [f"{_parse_expr(c, _ident(c.name))} AS {_ident(c.name)}" for c in contract.columns]
    typed += [_ident(name) for name in extras]
    typed.append(SOURCE_FILE_COLUMN)
    return ", ".join(typed)


def _ensure_lineage_order(con: duckdb.DuckDBPyConnection, data: Path, files: Sequence[str]) -> None:
    """Guarantee the data file is in input order (file, then line); re-sort if it is not.

    The COPYs rely on DuckDB's ``preserve_insertion_order``; this streaming check over the
    two lineage columns costs little and turns "should be ordered" into "is ordered".
    """
    order = pa.array(list(files), pa.string())  # inputs are sorted by relative path
    previous = -1
    ordered = True
    with pq.ParquetFile(data) as reader:
        for batch in reader.iter_batches(
            batch_size=_BATCH_ROWS, columns=[SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN]
        ):
            index = pc.index_in(batch.column(0), value_set=order).to_numpy(zero_copy_only=False)
            key = index.astype(np.int64) * (1 << 40) + batch.column(1).to_numpy(
                zero_copy_only=False
            )
            if len(key) and (key[0] < previous or np.any(np.diff(key) < 0)):
                ordered = False
                break
            previous = int(key[-1]) if len(key) else previous
    if ordered:
        return
    resorted = data.with_suffix(".sorted.parquet")
    con.execute(
        f"COPY (SELECT * FROM read_parquet({_lit(str(data))}) "
        f"ORDER BY {SOURCE_FILE_COLUMN}, {SOURCE_LINE_COLUMN}) "
        f"TO {_lit(str(resorted))} (FORMAT parquet, COMPRESSION zstd)"
    )
    os.replace(resorted, data)


# --------------------------------------------------------------------------- SQL helpers


def _ident(name: str) -> str:
    """Quote a column name as a SQL identifier (headers are user data)."""
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    """Quote a Python string as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _first_line(exc: Exception) -> str:
    """The first line of an error message; DuckDB appends long hints we do not need."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
