"""Landing: read one source export (CSV or Parquet files) and write it typed to the raw area.

``land_source`` is the only entry point the Dagster assets need. It finds the input files
of a source (``source_files.py``), checks their headers against the declared contract
(``headers.py``), skips the files already landed unchanged (``incremental.py``), stages the
others as text with exact line numbers (``staging.py``), types every value per the contract
with DuckDB (``contract_sql.py``) and atomically publishes, per input file, a data part and
a quarantine part, then the manifest and the ingestion log row (``raw_layout.py``). Rows
read = loaded + quarantined, exactly, per file.

Sources may be absent (``SourceContract.required`` / ``touch_source``): an absent optional
source lands as one empty part (``NOT_PROVIDED_PART``, the typed column list of the
contract, so every reader sees the same table) and an empty quarantine part, and its manifest
and log row say it was not provided. A source that disappears thus loses its old parts.

Only whole-file problems are fatal (``SourceFileError`` naming the file and column): no input
for a required source, none of the touch sources provided, a source folder without any input
file, a missing required column or a bad header, a file that cannot be read as CSV or
Parquet. Nothing is then written, so the previous landing stays in place.

The typed write must scale: it runs as one streaming DuckDB ``COPY`` over the staged file
with a memory limit and spilling, so tens of millions of rows never need to fit in memory.
The contract check rides along in that same pass (``error()``); only when it trips are the
bad rows selected into the quarantine and the good rows copied with a filter.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.defs.ingest.contract_sql import contract_checks, quarantine_query, typed_select
from dagster_project.defs.ingest.contracts import SourceContract
from dagster_project.defs.ingest.headers import InputFile, check_header, extra_columns, read_header
from dagster_project.defs.ingest.incremental import (
    FileStats,
    plan_landing,
    write_log_row,
    write_manifest,
)
from dagster_project.defs.ingest.raw_layout import (
    LINEAGE_COLUMNS,
    NOT_PROVIDED_PART,
    PARTS_GLOB,
    QUARANTINE_SCHEMA,
    SOURCE_FILE_COLUMN,
    SOURCE_LINE_COLUMN,
    WORK_DIR_NAME,
    output_dir,
    part_name,
    quarantine_dir,
    quarantine_path,
)
from dagster_project.defs.ingest.source_files import find_input_files, require_a_touch_source
from dagster_project.defs.ingest.sql_text import ident, lit, read_parquet_files
from dagster_project.defs.ingest.staging import BATCH_ROWS, StagedFile, stage_file

_VIOLATION_MARKER = "landing: contract violation"

Parts = tuple[Path, Path]  # (data part, quarantine part) written in the landing's temp dir


@dataclass(frozen=True)
class LandingResult:
    """What one landing produced; every field is cheap and meant as Dagster metadata.

    Counts cover every current input file, landed now or skipped as unchanged.
    ``rows_per_file`` holds rows loaded per file. ``provided`` is False for an absent
    optional source (no files, landed empty). ``output_path`` and ``quarantine_path`` are
    ``*.parquet`` globs over the part files (DuckDB reads them as they are; their ``.parent``
    is the folder). ``files_landed`` and ``files_skipped`` say what this call did and are left
    out of equality: two landings of the same inputs are equal whether or not the second one
    had anything to do.
    """

    family: str
    name: str
    output_path: Path
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
        require_a_touch_source(contract, source_dir)
    inputs = [read_header(p, source_dir) for p in found]
    for item in inputs:
        check_header(contract, item)
    extras = extra_columns(contract, inputs)
    columns = [*contract.column_names, *extras, *LINEAGE_COLUMNS]
    out_dir = output_dir(contract, raw_dir)
    q_dir = quarantine_dir(contract, raw_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    q_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_landing(contract, raw_dir, inputs, columns)

    # Intermediates live beside the raw area (same disk, not a possibly RAM-backed /tmp) but
    # outside the source folder, so a reader of <family>/<name>/ only ever sees part files.
    work_root = raw_dir / WORK_DIR_NAME
    work_root.mkdir(parents=True, exist_ok=True)
    prefix = f"{contract.family}-{contract.name}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=work_root) as tmp:
        landed = _land_files(contract, extras, plan.to_land, plan.sha256, Path(tmp), memory_limit)
        stats = {**plan.unchanged, **{rel: st for rel, (st, _) in landed.items()}}
        parts = {part_name(rel): files for rel, (_, files) in landed.items()}
        keep = {part_name(item.rel) for item in inputs}
        if not inputs:  # not provided: one empty part, so readers still see the table
            parts = {NOT_PROVIDED_PART: _write_empty_parts(contract, Path(tmp), memory_limit)}
            keep = {NOT_PROVIDED_PART}
        _publish(parts, keep, out_dir, q_dir)
        ordered = {item.rel: stats[item.rel] for item in inputs}
        landed_at = datetime.now(UTC).replace(tzinfo=None)
        manifest = write_manifest(contract, raw_dir, ordered, bool(inputs), landed_at)
        log = write_log_row(contract, raw_dir, ordered, bool(inputs), landed_at, Path(tmp))

    return LandingResult(
        family=contract.family,
        name=contract.name,
        output_path=out_dir / PARTS_GLOB,
        files=[item.rel for item in inputs],
        rows_per_file={rel: s.rows_loaded for rel, s in ordered.items()},
        extra_columns=extras,
        columns=columns,
        rows_read=sum(s.rows_read for s in ordered.values()),
        rows_loaded=sum(s.rows_loaded for s in ordered.values()),
        rows_quarantined=sum(s.rows_quarantined for s in ordered.values()),
        files_stats=ordered,
        quarantine_path=quarantine_path(contract, raw_dir),
        manifest_path=manifest,
        provided=bool(inputs),
        log_path=log,
        landed_at=landed_at,
        files_landed=[item.rel for item in plan.to_land],
        files_skipped=[item.rel for item in inputs if item not in plan.to_land],
    )


def _publish(parts: dict[str, Parts], keep: set[str], out_dir: Path, q_dir: Path) -> None:
    """Move the new parts into place, then drop the parts of files no longer in the source.

    New parts first: a reader never sees a source with fewer files than before or after.
    """
    for name, (data_tmp, q_tmp) in parts.items():
        os.replace(data_tmp, out_dir / name)
        os.replace(q_tmp, q_dir / name)
    for folder in (out_dir, q_dir):
        for other in folder.glob("*.parquet"):  # old parts and the former data.parquet
            if other.name not in keep:
                other.unlink()


def _connect(tmp: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with bounded memory, spilling into the landing's temp dir, in UTC."""
    con = duckdb.connect(":memory:")
    spill = tmp / "duckdb_spill"
    spill.mkdir()
    con.execute(f"SET memory_limit = {lit(memory_limit)}")
    con.execute(f"SET temp_directory = {lit(str(spill))}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _write_empty_parts(contract: SourceContract, tmp: Path, memory_limit: str) -> Parts:
    """An empty data part typed by the same SQL as real parts, and an empty quarantine part.

    Typing an empty, all-VARCHAR relation with ``typed_select`` gives exactly the column
    names and Parquet types of a landed file, so staging (DuckDB globs, Spark folder tables)
    reads a not-provided source like any other.
    """
    data_tmp, q_tmp = tmp / "empty-data.parquet", tmp / "empty-quarantine.parquet"
    texts = ", ".join(f"NULL::VARCHAR AS {ident(name)}" for name in contract.column_names)
    empty = (
        f"SELECT {texts}, NULL::VARCHAR AS {SOURCE_FILE_COLUMN}, "
        f"NULL::BIGINT AS {SOURCE_LINE_COLUMN} WHERE false"
    )
    con = _connect(tmp, memory_limit)
    try:
        con.execute(
            f"COPY (SELECT {typed_select(contract, [])}, {SOURCE_LINE_COLUMN} FROM ({empty})) "
            f"TO {lit(str(data_tmp))} (FORMAT parquet, COMPRESSION zstd)"
        )
    finally:
        con.close()
    pq.write_table(QUARANTINE_SCHEMA.empty_table(), q_tmp)
    return data_tmp, q_tmp


def _land_files(
    contract: SourceContract,
    extras: Sequence[str],
    items: Sequence[InputFile],
    sha256: dict[str, str],
    tmp: Path,
    memory_limit: str,
) -> dict[str, tuple[FileStats, Parts]]:
    """Stage and type each file on its own; per file: its stats and its two parts.

    The parts are written into ``tmp``; ``land_source`` publishes them once all succeeded.
    ``sha256`` holds the hashes the plan already computed: a file is hashed once.
    """
    if not items:
        return {}
    landed: dict[str, tuple[FileStats, Parts]] = {}
    con = _connect(tmp, memory_limit)
    try:
        for i, item in enumerate(items):
            staged = stage_file(con, contract, extras, item, tmp, i)
            data_part, q_part = tmp / f"data-{i:06d}.parquet", tmp / f"quarantine-{i:06d}.parquet"
            _write_outputs(con, contract, extras, staged, data_part, q_part)
            for path in (staged.path, staged.malformed):
                if path is not None:
                    path.unlink(missing_ok=True)
            stats = _reconciled_stats(con, staged, data_part, q_part, sha256[item.rel])
            landed[item.rel] = (stats, (data_part, q_part))
    finally:
        con.close()
    return landed


def _reconciled_stats(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, data_part: Path, q_part: Path, sha256: str
) -> FileStats:
    """A file's counts from what was really written, proven to add up to what was read."""
    rows_read = staged.rows + staged.malformed_rows
    n_loaded = _count_by_file(con, data_part, SOURCE_FILE_COLUMN).get(staged.rel, 0)
    n_bad = _count_by_file(con, q_part, "file").get(staged.rel, 0)
    if rows_read != n_loaded + n_bad:  # an internal invariant, never a data problem
        raise RuntimeError(
            f"{staged.rel}: landing lost rows: read {rows_read}, "
            f"loaded {n_loaded}, quarantined {n_bad}"
        )
    return FileStats(rows_read, n_loaded, n_bad, sha256)


def _count_by_file(con: duckdb.DuckDBPyConnection, path: Path, column: str) -> dict[str, int]:
    """Rows per file in a written Parquet (what was really written, not what was planned)."""
    return dict(
        con.execute(
            f"SELECT {ident(column)}, count(*) FROM read_parquet({lit(str(path))}) GROUP BY 1"
        ).fetchall()
    )


def _write_outputs(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    extras: Sequence[str],
    staged: StagedFile,
    data_part: Path,
    q_part: Path,
) -> None:
    """Type the staged rows into the data part and collect bad ones into the quarantine part.

    Optimistic: one streaming COPY types everything and aborts on the first violating row
    (DuckDB ``error()``), so a clean file is read once. Only then are the violating rows
    selected into the quarantine and the good rows copied with the inverse filter. Malformed
    CSV rows found at staging are added to the quarantine, which is ordered by file and line.
    """
    source = read_parquet_files([staged.path])
    _, any_bad = contract_checks(contract)
    select = typed_select(contract, extras)
    guarded = (
        f"CASE WHEN {any_bad} THEN error({lit(_VIOLATION_MARKER)}) "
        f"ELSE {SOURCE_LINE_COLUMN} END AS {SOURCE_LINE_COLUMN}"
    )
    copy = f"TO {lit(str(data_part))} (FORMAT parquet, COMPRESSION zstd)"
    parts = []
    if staged.malformed is not None and staged.malformed_rows:
        parts.append(f"SELECT * FROM read_parquet({lit(str(staged.malformed))})")
    try:
        con.execute(f"COPY (SELECT {select}, {guarded} FROM {source}) {copy}")
    except duckdb.Error as exc:
        if _VIOLATION_MARKER not in str(exc):
            raise
        data_part.unlink(missing_ok=True)
        con.execute(
            f"COPY (SELECT {select}, {SOURCE_LINE_COLUMN} FROM {source} "
            f"WHERE NOT ({any_bad})) {copy}"
        )
        parts.insert(0, quarantine_query(contract, extras, [staged.path]))
    _ensure_lineage_order(con, data_part, [staged.rel])
    if parts:
        union = " UNION ALL ".join(f"({p})" for p in parts)
        con.execute(
            f"COPY (SELECT * FROM ({union}) ORDER BY file, line) "
            f"TO {lit(str(q_part))} (FORMAT parquet, COMPRESSION zstd)"
        )
    else:
        pq.write_table(QUARANTINE_SCHEMA.empty_table(), q_part)


def _ensure_lineage_order(con: duckdb.DuckDBPyConnection, data: Path, files: Sequence[str]) -> None:
    """Guarantee the data file is in input order (file, then line); re-sort if it is not.

    The COPYs rely on DuckDB's ``preserve_insertion_order``; this streaming check over the
    two lineage columns costs little and turns "should be ordered" into "is ordered".
    """
    order = pa.array(list(files), pa.string())  # inputs are sorted by relative path
    previous = -1
    ordered = True
    with pq.ParquetFile(data) as reader:
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=list(LINEAGE_COLUMNS)):
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
        f"COPY (SELECT * FROM read_parquet({lit(str(data))}) "
        f"ORDER BY {SOURCE_FILE_COLUMN}, {SOURCE_LINE_COLUMN}) "
        f"TO {lit(str(resorted))} (FORMAT parquet, COMPRESSION zstd)"
    )
    os.replace(resorted, data)
