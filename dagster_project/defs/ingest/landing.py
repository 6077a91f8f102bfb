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
  an intermediate Parquet file. The typing then runs as one streaming DuckDB ``COPY`` over
  the intermediate files, with a bounded memory limit, so tens of millions of rows never
  need to fit in memory.
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

_INPUT_SUFFIXES = (".csv", ".parquet")
_BATCH_ROWS = 500_000

# Accepted spellings (a value must match the pattern in full before it is cast).
_TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_DOUBLE_RE = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_BIGINT_RE = r"[+-]?\d+(\.0*)?"
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

    with tempfile.TemporaryDirectory(prefix=f".landing-{contract.name}-", dir=out_dir) as tmp:
        con = _connect(Path(tmp), memory_limit)
        try:
            staged: list[Path] = []
            rows_per_file: dict[str, int] = {}
            for i, item in enumerate(inputs):
                target = Path(tmp) / f"stage-{i:06d}.parquet"
                rows_per_file[item.rel] = _stage_file(con, contract, extras, item, target)
                staged.append(target)
            _raise_first_bad_value(con, contract, staged)
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
        raise SourceFileError(f"{rel}: empty file, expected a header row")
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
    try:
        reader = con.sql(query).to_arrow_reader(_BATCH_ROWS)
        schema = reader.schema.append(pa.field(SOURCE_LINE_COLUMN, pa.int64()))
        with pq.ParquetWriter(target, schema, compression="lz4") as writer:
            for batch, lines in _with_line_numbers(reader, first_line=item.header_lines + 1):
                writer.write_batch(
                    pa.RecordBatch.from_arrays([*batch.columns, lines], schema=schema)
                )
                rows += batch.num_rows
    except duckdb.Error as exc:
        raise SourceFileError(f"{item.rel}: cannot read CSV: {_first_line(exc)}") from exc
    return rows


def _with_line_numbers(
    reader: pa.RecordBatchReader, first_line: int
) -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
    """Pair each batch with the physical line each row starts on.

    A row starts one line after the previous row started plus the newlines embedded in the
    previous row's quoted fields, so the numbers match what an editor shows.
    """
    next_line = first_line
    for batch in reader:
        n = batch.num_rows
        if n == 0:
            continue
        newlines = np.zeros(n, dtype=np.int64)
        for col in batch.columns:
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                counts = pc.count_substring(col, "\n").fill_null(0)
                newlines += counts.to_numpy(zero_copy_only=False).astype(np.int64)
        spans = newlines + 1
        starts = next_line + np.cumsum(spans) - spans
        next_line = int(starts[-1] + spans[-1])
        yield batch, pa.array(starts, type=pa.int64())


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


def _parse_expr(column: Column, raw: str) -> str:
    """SQL turning the text ``raw`` into the column's contract type; NULL if it does not parse.

    A strict pattern is checked before the cast so that DuckDB's lenient casts (e.g. '1e3'
    as a date part or named time zones) cannot let odd spellings through silently.
    """
    kind = column.type
    if kind == LogicalType.TIMESTAMP:
        return (
            f"CASE WHEN regexp_full_match({raw}, {_lit(_TIMESTAMP_RE)}) "
            f"THEN try_cast({raw} AS TIMESTAMPTZ)::TIMESTAMP END"
        )
    if kind == LogicalType.DATE:
        return (
            f"CASE WHEN regexp_full_match({raw}, {_lit(_DATE_RE)}) THEN try_cast({raw} AS DATE) END"
        )
    if kind == LogicalType.DOUBLE:
        return (
            f"CASE WHEN regexp_full_match({raw}, {_lit(_DOUBLE_RE)}) "
            f"THEN try_cast({raw} AS DOUBLE) END"
        )
    if kind == LogicalType.BIGINT:
        return (
            f"CASE WHEN regexp_full_match({raw}, {_lit(_BIGINT_RE)}) "
            f"THEN try_cast({raw} AS BIGINT) END"
        )
    if kind == LogicalType.BOOLEAN:
        trues = ", ".join(_lit(v) for v in _TRUE_SPELLINGS)
        falses = ", ".join(_lit(v) for v in _FALSE_SPELLINGS)
        norm = f"lower(trim({raw}))"
        return f"CASE WHEN {norm} IN ({trues}) THEN true WHEN {norm} IN ({falses}) THEN false END"
    return raw


def _staged_source(staged: Sequence[Path]) -> str:
    """``read_parquet`` over the staged files, in order (insertion order is preserved)."""
    return "read_parquet([" + ", ".join(_lit(str(p)) for p in staged) + "])"


def _raise_first_bad_value(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, staged: Sequence[Path]
) -> None:
    """Raise for the first row (lowest file, then line) with an empty required or bad value.

    Deeper quarantine handling is a later concern; until then a bad row stops the landing
    rather than being dropped or turned into NULL silently.
    """
    checks: list[tuple[Column, str]] = []
    for col in contract.columns:
        raw = _ident(col.name)
        if col.required:
            checks.append((col, f"{raw} IS NULL"))
        if col.type != LogicalType.VARCHAR:
            checks.append((col, f"({raw} IS NOT NULL AND ({_parse_expr(col, raw)}) IS NULL)"))
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

    Readers never see a half-written file (write to ``.tmp``, then ``os.replace``), and any
    other Parquet file left in the folder is removed so the raw area holds exactly one file.
    """
    typed = [f"{_parse_expr(c, _ident(c.name))} AS {_ident(c.name)}" for c in contract.columns]
    typed += [_ident(name) for name in extras]
    typed += [SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN]
    output = out_dir / OUTPUT_FILE_NAME
    partial = out_dir / f"{OUTPUT_FILE_NAME}.tmp"
    con.execute(
        f"COPY (SELECT {', '.join(typed)} FROM {_staged_source(staged)}) "
        f"TO {_lit(str(partial))} (FORMAT parquet, COMPRESSION zstd)"
    )
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
