"""The Parquet export of a publish: one file per public table, from the validated staged copy.

Tables are written by DuckDB's own COPY. A public view is written the same way while the
join it runs fits in memory; `fct_attribution` joins 7.6 attribution rows per touchpoint to
`fct_touchpoints`, and at 50M touchpoints that lookup (about 50M rows of ids and a time)
no longer fits under the 6 GB cap. DuckDB's hash join then spills both sides, and the probe
side is the 375M attribution rows: at 1M touchpoints under a cap scaled down 50 times the
spill was 0.9 GB, and at 50M it filled the disk. Such a view is written in slices of its
join key instead, each slice's lookup fitting in half the cap, into the same one file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from dagster_project.defs.ingest.sql_text import lit
from dagster_project.lib.engines import cap_memory

# What one lookup row of a sliced view's join holds in DuckDB, with the Parquet writer beside
# it: the 1M-touchpoint export of fct_attribution ran within a 300 MB cap on two threads and
# spilled under 200 MB (benchmarks at 1M, DuckDB 2.0).
LOOKUP_BYTES_PER_ROW = 250
BATCH_ROWS = 1_000_000  # rows per Arrow batch, and so per Parquet row group, of a sliced view
# zstd at level 1 (DuckDB's default is 3; Arrow's, for the sliced views, is 1): at 10M
# touchpoints the two attribution files took 86 s at level 1 against 99 s, and came out the
# same size (1.54 GB).
PARQUET_OPTIONS = "compression zstd, compression_level 1"


@dataclass(frozen=True)
class SlicedView:
    """A public view that joins its tables on `key` and keeps the rows of one side one to one
    (a left join and per-row columns). Such a view's rows split exactly by any partition of
    the key: reading every table that has the key through the same slice gives the view's
    rows of that slice, and a NULL key hashes to one slice like any value. `lookup` is the
    table the join holds in memory."""

    key: str
    lookup: str


SLICED_VIEWS = {
    "marts.fct_attribution": SlicedView(key="touchpoint_id", lookup="marts.fct_touchpoints"),
}


def slices_for(con: duckdb.DuckDBPyConnection, lookup_rows: int) -> int:
    """How many slices keep each one's share of `lookup_rows` within half the connection's
    memory cap."""
    row = con.execute("select parse_formatted_bytes(current_setting('memory_limit'))").fetchone()
    budget = int(row[0]) // 2 if row else 0
    return max(1, math.ceil(lookup_rows * LOOKUP_BYTES_PER_ROW / max(budget, 1)))


def write_sliced_view(
    staged: Path, name: str, view: SlicedView, path: Path, memory_limit: str, slices: int
) -> int:
    """Write the view `name` of the staged file to `path` one slice of its key at a time;
    return the rows written.

    In an in-memory database that attaches the staged file, every table of the staged file is
    stood in for by a view of the same name reading only the slice's rows of it (all of it when
    it has no `view.key` column), and the public view is created there from its own SQL, which
    names its tables without their database. So the view's logic stays in its dbt model, and
    DuckDB streams each slice's rows through Arrow into one Parquet writer."""
    rows = 0
    with duckdb.connect() as con:
        cap_memory(con, memory_limit)
        con.execute("set preserve_insertion_order = false")
        con.execute(f"attach {lit(str(staged))} as staged (read_only)")
        schema, view_name = name.split(".")
        ddl = con.execute(
            "select sql from duckdb_views()"
            " where database_name = 'staged' and schema_name = ? and view_name = ?",
            [schema, view_name],
        ).fetchone()
        if ddl is None:
            raise ValueError(f"{name} is not a view of {staged}")
        tables = con.execute(
            "select schema_name, table_name, bool_or(column_name = ?) as keyed"
            " from duckdb_tables() join duckdb_columns()"
            " using (database_name, schema_name, table_name)"
            " where database_name = 'staged' group by all",
            [view.key],
        ).fetchall()
        for table_schema in sorted({table_schema for table_schema, _, _ in tables}):
            con.execute(f'create schema if not exists memory."{table_schema}"')

        arrow_schema = con.sql(f"from staged.{name} limit 0").to_arrow_table().schema
        with pq.ParquetWriter(path, arrow_schema, compression="zstd") as writer:
            for index in range(slices):
                in_slice = f'where hash("{view.key}") % {slices} = {index}'
                for table_schema, table, keyed in tables:
                    con.execute(
                        f'create or replace view memory."{table_schema}"."{table}" as'
                        f' select * from staged."{table_schema}"."{table}"'
                        + (f" {in_slice}" if keyed else "")
                    )
                con.execute(f'drop view if exists memory."{schema}"."{view_name}"')
                con.execute(ddl[0])
                reader = con.sql(f'from memory."{schema}"."{view_name}"')
                for batch in reader.to_arrow_reader(BATCH_ROWS):
                    writer.write_batch(batch)
                    rows += batch.num_rows
    return rows


def export_parquet(
    staged: Path,
    folder: Path,
    counts: Mapping[str, int],
    views: Collection[str],
    memory_limit: str,
) -> None:
    """One Parquet file per public relation (`counts`: qualified name -> rows in the staged
    file; `views`: those of them that are views there) under
    `folder/<schema>/<table>.parquet`, fsynced. A sliced view that does not write its counted
    rows raises.

    DuckDB buffered 7.4 GB uncapped to write the 75M attribution rows of 10M touchpoints; at
    2 GB it is as fast. Rows are written without keeping their order (no reader relies on it),
    so DuckDB streams them."""
    folder.mkdir(parents=True)
    sliced: dict[str, int] = {}
    with duckdb.connect(str(staged), read_only=True) as con:
        cap_memory(con, memory_limit)
        con.execute("set preserve_insertion_order = false")
        for name in counts:
            schema, table = name.split(".")
            (folder / schema).mkdir(exist_ok=True)
            view = SLICED_VIEWS.get(name) if name in views else None  # a table joins nothing
            slices = slices_for(con, counts[view.lookup]) if view else 1
            if slices > 1:
                sliced[name] = slices
            else:
                con.execute(
                    f'copy "{schema}"."{table}" to {lit(str(_file(folder, name)))}'
                    f" (format parquet, {PARQUET_OPTIONS})"
                )
    for name, slices in sliced.items():
        path = _file(folder, name)
        written = write_sliced_view(staged, name, SLICED_VIEWS[name], path, memory_limit, slices)
        if written != counts[name]:
            raise ValueError(f"{name}: wrote {written:,} of its {counts[name]:,} rows to {path}")
    for path in sorted(folder.rglob("*.parquet")):
        fsync(path)


def _file(folder: Path, name: str) -> Path:
    schema, table = name.split(".")
    return folder / schema / f"{table}.parquet"


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
