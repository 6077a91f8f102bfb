"""Staging: each input file rewritten as all-text Parquet with exact lineage, before typing.

CSV and Parquet exports must be typed by one and the same SQL (``contract_sql.py``), so both
are first brought to one layout: every contract column and extra column as text (NULL when
the file lacks it), then ``_source_file`` and ``_source_line``. Line numbers must be exact
and deterministic, and DuckDB's CSV reader has no row-number column (``row_number() over
()`` need not follow file order). So each CSV is streamed as Arrow batches (insertion order
is preserved) and a running physical line number is attached, counting newlines embedded in
quoted fields.

Malformed rows (wrong field count, broken quoting, invalid UTF-8) are found by DuckDB's own
reader (``store_rejects``), which cannot number them exactly. A file whose DuckDB read has
any reject, fails, or skipped a blank line (a cheap newline count tells) is therefore
re-staged by the exact tokenizer (``rfc4180.py``), which splits good from malformed records;
files without such problems never take that slower path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contracts import (
    PERSONAL_COLUMNS,
    PERSONAL_VALUE,
    Column,
    LogicalType,
    SourceContract,
)
from dagster_project.defs.ingest.headers import InputFile
from dagster_project.defs.ingest.raw_layout import (
    QUARANTINE_SCHEMA,
    SOURCE_FILE_COLUMN,
    SOURCE_LINE_COLUMN,
)
from dagster_project.defs.ingest.rfc4180 import csv_records, record_problem
from dagster_project.defs.ingest.source_files import SourceFileError
from dagster_project.defs.ingest.sql_text import ident, lit

BATCH_ROWS = 500_000  # rows per streamed batch: bounds memory whatever the file's size
_SCAN_CHUNK = 1 << 24


@dataclass(frozen=True)
class StagedFile:
    """One staged input: candidate rows (all VARCHAR) and its malformed rows, if any."""

    path: Path
    rel: str  # the input file, as in _source_file
    rows: int  # rows in the staged Parquet (well-formed, not yet checked against values)
    malformed: Path | None  # quarantine-schema Parquet of malformed rows (CSV only)
    malformed_rows: int


def stage_file(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: InputFile,
    tmp: Path,
    index: int,
) -> StagedFile:
    """Write one input as an all-VARCHAR Parquet in the uniform column layout.

    Every staged file has the same columns (contract, extras, lineage), so the typing step can
    read them all with a single order-preserving ``read_parquet`` over the list.
    """
    target = tmp / f"stage-{index:06d}.parquet"
    if item.path.suffix.lower() == ".parquet":
        rows = _stage_parquet(con, contract, extras, item, target)
        return StagedFile(target, item.rel, rows, None, 0)
    return _stage_csv(con, contract, extras, item, target, index)


def _uniform_select(
    contract: SourceContract, extras: Sequence[str], present: set[str], exprs: dict[str, str]
) -> str:
    """Select list in output layout: contract columns, extras, then ``_source_file``."""
    parts = []
    for name in [*contract.column_names, *extras]:
        value = exprs.get(name, ident(name)) if name in present else "NULL::VARCHAR"
        parts.append(f"{value} AS {ident(name)}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- CSV, fast path


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: InputFile,
    target: Path,
    index: int,
) -> StagedFile:
    """Stage a CSV: DuckDB's reader on the fast path, the exact tokenizer when it must.

    The fast path streams DuckDB's strict read through Arrow, attaching the physical line
    number of every row. It is kept only if DuckDB rejected nothing and the newline count
    proves no blank line was skipped; otherwise the file is re-staged by ``_stage_csv_exact``.
    """
    newlines, trailing = _line_ends(item.path)
    rejects, scans = f"landing_rejects_{index}", f"landing_scans_{index}"
    columns = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in item.header) + "}"
    select = _uniform_select(contract, extras, set(item.header), {})
    query = (
        f"SELECT {select}, {lit(item.rel)} AS {SOURCE_FILE_COLUMN} "
        f"FROM read_csv({lit(str(item.path))}, header = true, auto_detect = false, "
        f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = {lit(rejects)}, rejects_scan = {lit(scans)})"
    )
    rows = 0
    lines = _LineCounter(first_line=item.header_lines + 1)
    exact = True
    try:
        reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
        schema = reader.schema.append(pa.field(SOURCE_LINE_COLUMN, pa.int64()))
        with pq.ParquetWriter(target, schema, compression="lz4", use_dictionary=False) as writer:
            for batch in reader:
                # The last column is the _source_file literal, not file content.
                starts = lines.starts(batch.columns[:-1])
                writer.write_batch(
                    pa.RecordBatch.from_arrays([*batch.columns, starts], schema=schema)
                )
                rows += batch.num_rows
        rejected = con.execute(f"SELECT count(*) FROM {ident(rejects)}").fetchall()[0][0]
        exact = rejected == 0 and newlines == lines.next_line - 2 + trailing
    except duckdb.Error:
        exact = False  # e.g. "invalid state" on a whitespace-only line: let the tokenizer see
    finally:
        for table in (rejects, scans):
            con.execute(f"DROP TABLE IF EXISTS {ident(table)}")
    if exact:
        return StagedFile(target, item.rel, rows, None, 0)
    return _stage_csv_exact(contract, extras, item, target)


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


def _line_ends(path: Path) -> tuple[int, int]:
    """A file's ``\\n`` count and how many of them end the file (after its last content).

    Compared with the lines the fast path numbered, it proves DuckDB skipped no blank line.
    """
    total, tail = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            total += chunk.count(b"\n")
            tail = (tail + chunk)[-4096:]
    trailing = tail[len(tail.rstrip(b"\r\n")) :].count(b"\n")
    return total, trailing


# --------------------------------------------------------------------------- CSV, exact path


def _malformed_record(fields: Sequence[str], header: Sequence[str]) -> str:
    """A malformed row as read, as a JSON list of its fields. In a file with a column of a
    person's data (PERSONAL_COLUMNS) a row with the wrong number of fields does not say which
    field is whose, so every field is withheld (PERSONAL_VALUE and the field's line breaks,
    so the record still tells how many lines it spans): the file and line say where to look."""
    if not any(name in PERSONAL_COLUMNS for name in header):
        return json.dumps([f or None for f in fields])
    return json.dumps([PERSONAL_VALUE + "\n" * f.count("\n") if f else None for f in fields])


def _stage_csv_exact(
    contract: SourceContract,
    extras: Sequence[str],
    item: InputFile,
    target: Path,
) -> StagedFile:
    """Re-stage a CSV with ``csv_records``: good records staged, malformed ones quarantined."""
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
        for record in csv_records(item.path, item.header_lines):
            column, reason, count = record_problem(record, item.header)
            if not reason:
                good.append(record.fields)
                lines.append(record.line)
                rows += 1
                if len(lines) >= BATCH_ROWS:
                    flush(writer)
                continue
            bad.append(
                {
                    "source": contract.qualified_name,
                    "file": item.rel,
                    "line": record.line,
                    "column": column,
                    "reason": reason,
                    "raw_record": _malformed_record(record.fields, item.header),
                    "problem_count": count,
                }
            )
        flush(writer)
    pq.write_table(pa.Table.from_pylist(bad, schema=QUARANTINE_SCHEMA), malformed_path)
    return StagedFile(target, item.rel, rows, malformed_path, len(bad))


# --------------------------------------------------------------------------- Parquet


def _stage_parquet(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    item: InputFile,
    target: Path,
) -> int:
    """Copy a Parquet input to the staged layout, rendering typed columns as text.

    Typed values are turned into the same text a CSV would hold, so both formats go through
    exactly one typing path. ``_source_line`` is the 1-based row number in the file.
    """
    source = f"read_parquet({lit(str(item.path))}, file_row_number = true)"
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    types = {row[0]: row[1] for row in described}
    declared = {c.name: c for c in contract.columns}
    exprs = {
        name: _parquet_text_expr(name, types[name], declared.get(name)) for name in item.header
    }
    select = _uniform_select(contract, extras, set(item.header), exprs)
    query = (
        f"SELECT {select}, {lit(item.rel)} AS {SOURCE_FILE_COLUMN}, "
        f"file_row_number + 1 AS {SOURCE_LINE_COLUMN} FROM {source}"
    )
    try:
        con.execute(f"COPY ({query}) TO {lit(str(target))} (FORMAT parquet, COMPRESSION lz4)")
        return int(pq.ParquetFile(target).metadata.num_rows)
    except duckdb.Error as exc:
        raise SourceFileError(f"{item.rel}: cannot read Parquet: {_first_line(exc)}") from exc


def _parquet_text_expr(name: str, source_type: str, column: Column | None) -> str:
    """SQL rendering a (possibly typed) Parquet column as contract text.

    Two common export quirks are accepted: dates written as midnight timestamps, and counts
    written as floats because the writer (pandas) had NULLs in an integer column.
    """
    quoted = ident(name)
    target = column.type if column else LogicalType.VARCHAR
    is_timestamp = source_type.startswith("TIMESTAMP")
    is_float = source_type in ("FLOAT", "DOUBLE")
    if target == LogicalType.DATE and is_timestamp:
        return (
            f"CASE WHEN {quoted} = date_trunc('day', {quoted}) "
            f"THEN strftime({quoted}, '%Y-%m-%d') ELSE {quoted}::VARCHAR END"
        )
    if target == LogicalType.BIGINT and is_float:
        return (
            f"coalesce(CASE WHEN {quoted} = trunc({quoted}) "
            f"THEN try_cast({quoted} AS BIGINT)::VARCHAR END, {quoted}::VARCHAR)"
        )
    if source_type == "VARCHAR":
        return quoted
    return f"{quoted}::VARCHAR"


def _first_line(exc: Exception) -> str:
    """The first line of an error message; DuckDB appends long hints we do not need."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
