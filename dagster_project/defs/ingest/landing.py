"""Landing: read one source export (CSV or Parquet files) and write it typed to the raw area.

``land_source`` is the only entry point the Dagster assets need. It finds the input files
of a source (``NAME.csv``, ``NAME.parquet`` and/or a folder ``NAME/`` of such files), checks
their headers against the declared contract (``contracts.py``), types every value per the
raw landing contract with DuckDB, and atomically writes one
``<raw_dir>/<family>/<name>/data.parquet`` with lineage columns ``_source_file`` and
``_source_line``.

Why it is built this way:

* Nothing is guessed: CSV files are read as VARCHAR with explicit dialect options, and the
  typing is done by one explicit SQL expression per column, so a value either matches the
  contract or the landing fails with file, line, column and value.
* Line numbers must be exact and deterministic. DuckDB's CSV reader has no row-number
  column and ``row_number() over ()`` is not guaranteed to follow file order, so each CSV is
  streamed (insertion order is preserved) as Arrow batches, a running physical line number
  is attached (embedded newlines in quoted fields are counted), and the result is written to
  an intermediate Parquet file (under ``<raw_dir>/.landing_tmp/``, removed afterwards).
  DuckDB skips blank lines silently; a cheap newline count detects that case and only then
  are the line numbers recomputed exactly with Python's CSV reader.
* It must scale: the typing runs as one streaming DuckDB ``COPY`` over the intermediate
  files with a memory limit and spilling, so tens of millions of rows never need to fit in
  memory, and the contract check rides along in that same pass (``error()``); only when it
  trips is a second, ordered query run to report the lowest offending line.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contracts import Column, LogicalType, SourceContract

SOURCE_FILE_COLUMN = "_source_file"
SOURCE_LINE_COLUMN = "_source_line"
OUTPUT_FILE_NAME = "data.parquet"
WORK_DIR_NAME = ".landing_tmp"  # under raw_dir; per-landing temp dirs, removed when done

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
    """A source export breaks its contract (missing file or column, unparseable value...).

    The message always names the file (relative to the source directory) and, for value
    problems, the line and column, so a user can fix the export.
    """


@dataclass(frozen=True)
class LandingResult:
    """What one landing produced; every field is cheap and meant as Dagster metadata."""

    family: str
    name: str
    output_path: Path
    row_count: int
    files: list[str]
    rows_per_file: dict[str, int]
    extra_columns: list[str]
    columns: list[str]


@dataclass(frozen=True)
class _InputFile:
    """One input file with the column names found in its header (or Parquet schema)."""

    path: Path
    rel: str
    header: tuple[str, ...]
    header_lines: int  # physical lines taken by the CSV header (0 for Parquet)


# --------------------------------------------------------------------------- public API


def find_input_files(contract: SourceContract, source_dir: Path) -> list[Path]:
    """All input files of a source, sorted by their path relative to ``source_dir``.

    A source may be ``NAME.csv``, ``NAME.parquet`` and/or a folder ``NAME/`` of such files
    (daily drops); all that exist are read together, so nothing a user dropped is ignored.
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
        raise SourceFileError(
            f"{contract.qualified_name}: no input found; expected one of {expected}/"
        )
    return sorted(files, key=lambda p: _relative(p, source_dir))


def land_source(
    contract: SourceContract,
    source_dir: Path,
    raw_dir: Path,
    *,
    memory_limit: str = "2GB",
) -> LandingResult:
    """Land one source typed into ``<raw_dir>/<family>/<name>/data.parquet``.

    Raises ``SourceFileError`` when the input is missing, a file lacks a required column,
    a required value is empty or a value cannot be parsed as its contract type; in that case
    the previous ``data.parquet`` (if any) is left untouched.
    """
    source_dir, raw_dir = Path(source_dir), Path(raw_dir)
    inputs = [_read_header(p, source_dir) for p in find_input_files(contract, source_dir)]
    for item in inputs:
        _check_header(contract, item)
    extras = _extra_columns(contract, inputs)
    out_dir = raw_dir / contract.family / contract.name
    out_dir.mkdir(parents=True, exist_ok=True)
    # Intermediates live beside the raw area (same disk, not a possibly RAM-backed /tmp) but
    # outside the source folder, so a reader of <family>/<name>/ only ever sees data.parquet.
    work_root = raw_dir / WORK_DIR_NAME
    work_root.mkdir(parents=True, exist_ok=True)
    prefix = f"{contract.family}-{contract.name}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=work_root) as tmp:
        con = _connect(Path(tmp), memory_limit)
        try:
            staged: list[Path] = []
            rows_per_file: dict[str, int] = {}
            for i, item in enumerate(inputs):
                target = Path(tmp) / f"stage-{i:06d}.parquet"
                rows_per_file[item.rel] = _stage_file(con, contract, extras, item, target)
                staged.append(target)
            output = _write_output(con, contract, extras, staged, out_dir)
        finally:
            con.close()

    return LandingResult(
        family=contract.family,
        name=contract.name,
        output_path=output,
        row_count=sum(rows_per_file.values()),
        files=[item.rel for item in inputs],
        rows_per_file=rows_per_file,
        extra_columns=extras,
        columns=[*contract.column_names, *extras, SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN],
    )


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
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=",", quotechar='"', doublequote=True, strict=True)
            header = next(reader, None)
            header_lines = reader.line_num
    except (UnicodeDecodeError, csv.Error) as exc:
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


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: _InputFile,
    target: Path,
) -> int:
    """Write one input as an all-VARCHAR Parquet in the uniform column layout; return rows.

    Every staged file has the same columns (contract, extras, lineage), so the typing step can
    read them all with a single order-preserving ``read_parquet`` over the list.
    """
    if item.path.suffix.lower() == ".parquet":
        return _stage_parquet(con, contract, extras, item, target)
    return _stage_csv(con, contract, extras, item, target)


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
) -> int:
    """Stream a CSV through Arrow, attaching the physical line number of every row."""
    columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in item.header) + "}"
    select = _uniform_select(contract, extras, set(item.header), {})
    query = (
        f"SELECT {select}, {_lit(item.rel)} AS {SOURCE_FILE_COLUMN} "
        f"FROM read_csv({_lit(str(item.path))}, header = true, auto_detect = false, "
        f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, encoding = 'utf-8')"
    )
    rows = 0
    lines = _LineCounter(first_line=item.header_lines + 1)
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
    except duckdb.Error as exc:
        raise SourceFileError(f"{item.rel}: cannot read CSV: {_first_line(exc)}") from exc
    if _count_newlines(item.path) != lines.expected_newlines(item.path):
        # DuckDB silently skips blank lines; only then is an exact (slower) pass needed.
        _renumber_lines(item, target)
    return rows


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

    def expected_newlines(self, path: Path) -> int:
        """Newline bytes the file holds if no line was skipped (trailing blank lines allowed)."""
        return self.next_line - 2 + _trailing_newlines(path)


def _count_newlines(path: Path) -> int:
    """Number of ``\\n`` bytes in a file, read in large chunks (fast, constant memory)."""
    total = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            total += chunk.count(b"\n")
    return total


def _trailing_newlines(path: Path) -> int:
    """Number of line ends at the very end of a file (0 if the last line has none)."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - 4096))
        tail = fh.read()
    return tail[len(tail.rstrip(b"\r\n")) :].count(b"\n")


def _record_start_lines(item: _InputFile) -> Iterator[int]:
    """Exact start line of every non-blank record, from Python's CSV reader (slow path)."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # long free-text cells
    with item.path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=",", quotechar='"', doublequote=True, strict=True)
        next(reader, None)
        previous_end = reader.line_num
        for record in reader:
            if record:  # DuckDB skips blank lines; so do we
                yield previous_end + 1
            previous_end = reader.line_num


def _renumber_lines(item: _InputFile, target: Path) -> None:
    """Rewrite ``_source_line`` of a staged CSV with exact numbers when blank lines exist."""
    starts = _record_start_lines(item)
    renumbered = target.with_suffix(".renumbered.parquet")
    schema = pq.read_schema(target)
    with (
        pq.ParquetFile(target) as staged,
        pq.ParquetWriter(renumbered, schema, compression="lz4", use_dictionary=False) as writer,
    ):
        for batch in staged.iter_batches(batch_size=_BATCH_ROWS):
            try:
                lines = np.fromiter(starts, dtype=np.int64, count=batch.num_rows)
            except (ValueError, csv.Error) as exc:
                raise SourceFileError(
                    f"{item.rel}: cannot number CSV lines exactly: {exc}"
                ) from exc
            writer.write_batch(
                pa.RecordBatch.from_arrays(
                    [*batch.columns[:-1], pa.array(lines, type=pa.int64())], schema=schema
                )
            )
    os.replace(renumbered, target)


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
    LogicalType.DOUBLE: (_DOUBLE_RE, "try_cast({} AS DOUBLE)"),
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


def _staged_source(staged: Sequence[Path]) -> str:
    """``read_parquet`` over the staged files, in order (insertion order is preserved)."""
    return "read_parquet([" + ", ".join(_lit(str(p)) for p in staged) + "])"


def _violation_checks(contract: SourceContract) -> list[tuple[Column, str]]:
    """SQL conditions on the staged text that flag a contract violation, per column.

    A required column must be non-NULL, and a non-NULL value of a typed column must parse.
    """
    checks: list[tuple[Column, str]] = []
    for col in contract.columns:
        raw = _ident(col.name)
        if col.required:
            checks.append((col, f"{raw} IS NULL"))
        if col.type != LogicalType.VARCHAR:
            checks.append((col, f"({raw} IS NOT NULL AND ({_parse_expr(col, raw)}) IS NULL)"))
    return checks


def _raise_first_bad_value(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, staged: Sequence[Path]
) -> None:
    """Raise for the first row (lowest file, then line) with an empty required or bad value.

    Deeper quarantine handling is a later concern; until then a bad row stops the landing
    rather than being dropped or turned into NULL silently. Ordering makes the reported row
    deterministic whatever the parallel scan order.
    """
    checks = _violation_checks(contract)
    if not checks:
        return
    flags = ", ".join(f"{cond} AS f{i}" for i, (_, cond) in enumerate(checks))
    values = ", ".join(_ident(col.name) for col, _ in checks)
    any_bad = " OR ".join(cond for _, cond in checks)
    row = con.execute(
        f"SELECT {SOURCE_FILE_COLUMN}, {SOURCE_LINE_COLUMN}, {flags}, {values} "
        f"FROM {_staged_source(staged)} WHERE {any_bad} "
        f"ORDER BY {SOURCE_FILE_COLUMN}, {SOURCE_LINE_COLUMN} LIMIT 1"
    ).fetchone()
    if row is None:
        return
    rel, line = row[0], row[1]
    n = len(checks)
    for i, (col, _) in enumerate(checks):
        if row[2 + i]:
            value = row[2 + n + i]
            where = f"{rel} line {line}, column {col.name!r}"
            if value is None:
                raise SourceFileError(f"{where}: required value is empty")
            raise SourceFileError(f"{where}: cannot parse {value!r} as {_TYPE_WORDS[col.type]}")


def _write_output(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    staged: Sequence[Path],
    out_dir: Path,
) -> Path:
    """Type all staged rows in one streaming COPY and publish ``data.parquet`` atomically.

    The COPY itself aborts on the first violating row it meets (DuckDB ``error()``), so the
    happy path reads the staged data once; only on failure does ``_raise_first_bad_value``
    run to report the lowest offending line deterministically. Readers never see a
    half-written file (write to ``.tmp``, then ``os.replace``), and any other Parquet file in
    the folder is removed so the raw area holds exactly one file.
    """
    checks = _violation_checks(contract)
    any_bad = " OR ".join(cond for _, cond in checks) or "false"
    typed = [f"{_parse_expr(c, _ident(c.name))} AS {_ident(c.name)}" for c in contract.columns]
    typed += [_ident(name) for name in extras]
    typed += [
        SOURCE_FILE_COLUMN,
        f"CASE WHEN {any_bad} THEN error({_lit(_VIOLATION_MARKER)}) "
        f"ELSE {SOURCE_LINE_COLUMN} END AS {SOURCE_LINE_COLUMN}",
    ]
    output = out_dir / OUTPUT_FILE_NAME
    partial = out_dir / f"{OUTPUT_FILE_NAME}.tmp"
    try:
        con.execute(
            f"COPY (SELECT {', '.join(typed)} FROM {_staged_source(staged)}) "
            f"TO {_lit(str(partial))} (FORMAT parquet, COMPRESSION zstd)"
        )
    except duckdb.Error:
        partial.unlink(missing_ok=True)
        _raise_first_bad_value(con, contract, staged)
        raise
    os.replace(partial, output)
    for other in out_dir.glob("*.parquet"):
        if other.name != OUTPUT_FILE_NAME:
            other.unlink()
    return output


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
