"""Compare every table of two DuckDB warehouses row for row, e.g. before and after a refactor.

Usage:
    python scripts/compare_warehouses.py OLD.duckdb NEW.duckdb \
        [--rename old_schema.old_table=new_schema.new_table ...] [--schema NAME ...]

For every base table of the compared schemas (default: raw, lookups, intermediate, marts,
reports, semantic; staging holds views over the landed files, not tables) it runs
`select * from old except all select * from new` and the reverse, over the columns both
tables have, in one common order (the old table's). Excluded: columns that record the build's
own time rather than the data (BUILD_TIME_COLUMNS: `built_at`). A column only one side has is
listed; a column the old table had and the new one lost is a difference. Tables that exist on
one side only are listed as new or dropped; a dropped table is a difference, a new one is not.
A table that moved or was renamed is compared under its mapping (--rename).

Floating-point columns (DOUBLE, FLOAT) are compared exactly first; DuckDB sums doubles in
parallel in no fixed order, so two builds of the same code and data can differ in the last
bits of such sums (1e-16 relative). The rows that differ exactly are then paired: a row only
in old and a row only in new are the same row when every non-float column is equal and every
float column is within FLOAT_REL_TOL relative (or absolute, near 0) of the other (--float-tol;
0 = exact only). Both counts are printed, so a table whose doubles differ only by that noise
is visible as such. Every other type (DECIMAL money and credits, integers, strings, dates,
timestamps, booleans) is compared exactly.

Prints per table: rows (old/new), rows only in old, rows only in new; exits 1 on any
difference, 0 when every table is identical.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

FLOAT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL"})
FLOAT_REL_TOL = 1e-9
MAX_ROWS_PAIRED = 1_000_000
DEFAULT_SCHEMAS = ("raw", "lookups", "intermediate", "marts", "reports", "semantic")
BUILD_TIME_COLUMNS = frozenset({"built_at"})
"""Columns stamped with the time of the build itself (`current_timestamp` in int_as_of_resolved,
carried into dim_attribution_models): they differ between any two builds of the same data."""


@dataclass(frozen=True)
class TableDiff:
    """The outcome of comparing one old table with its new counterpart."""

    old: str
    new: str
    old_rows: int
    new_rows: int
    only_in_old: int
    only_in_new: int
    exact_only_in_old: int
    exact_only_in_new: int
    columns_lost: tuple[str, ...]
    columns_added: tuple[str, ...]

    @property
    def identical(self) -> bool:
        return self.only_in_old == 0 and self.only_in_new == 0 and not self.columns_lost


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> list[str]:
    placeholders = ", ".join("?" for _ in schemas)
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = ? and table_type = 'BASE TABLE'"
        f" and table_schema in ({placeholders})"
        " order by 1, 2",
        [catalog, *schemas],
    ).fetchall()
    return [f"{schema}.{name}" for schema, name in rows]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict[str, str]:
    """Column name -> data type, in the table's order, build-time columns left out."""
    schema, name = table.split(".", 1)
    rows = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_catalog = ? and table_schema = ? and table_name = ?"
        " order by ordinal_position",
        [catalog, schema, name],
    ).fetchall()
    return {column: data_type for column, data_type in rows if column not in BUILD_TIME_COLUMNS}


def _relation(catalog: str, table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{_quote(catalog)}.{_quote(schema)}.{_quote(name)}"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(f"select count(*) from ({sql})").fetchone()
    return int(row[0]) if row else 0


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in con.execute(sql).fetchall()]


def _close(a: Any, b: Any, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance) or (
        math.isnan(a) and math.isnan(b)
    )


def _unpaired(
    only_old: list[tuple[Any, ...]],
    only_new: list[tuple[Any, ...]],
    float_positions: list[int],
    tolerance: float,
) -> tuple[int, int]:
    """Rows left once each old row is paired with a new row equal but for float noise."""
    others = [i for i in range(len(only_old[0] if only_old else ())) if i not in float_positions]
    candidates: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for row in only_new:
        candidates[tuple(row[i] for i in others)].append(row)
    left_old = 0
    for row in only_old:
        pool = candidates.get(tuple(row[i] for i in others), [])
        match = next(
            (
                other
                for other in pool
                if all(_close(row[i], other[i], tolerance) for i in float_positions)
            ),
            None,
        )
        if match is None:
            left_old += 1
        else:
            pool.remove(match)
    return left_old, sum(len(pool) for pool in candidates.values())


def compare_table(
    con: duckdb.DuckDBPyConnection, old: str, new: str, float_tol: float
) -> TableDiff:
    """Rows of `old` (in catalog old) missing from `new` (catalog new), and the reverse."""
    old_columns = _columns(con, "old", old)
    new_columns = _columns(con, "new", new)
    common = [c for c in old_columns if c in new_columns]  # in the old table's order
    float_positions = [
        i
        for i, c in enumerate(common)
        if old_columns[c].upper() in FLOAT_TYPES and new_columns[c].upper() in FLOAT_TYPES
    ]
    select_list = ", ".join(_quote(c) for c in common)
    old_select = f"select {select_list} from {_relation('old', old)}"
    new_select = f"select {select_list} from {_relation('new', new)}"
    exact_old = _count(con, f"{old_select} except all {new_select}")
    exact_new = _count(con, f"{new_select} except all {old_select}")
    only_in_old, only_in_new = exact_old, exact_new
    pairable = float_tol > 0 and float_positions and (exact_old or exact_new)
    if pairable and exact_old + exact_new <= MAX_ROWS_PAIRED:
        only_in_old, only_in_new = _unpaired(
            _rows(con, f"{old_select} except all {new_select}"),
            _rows(con, f"{new_select} except all {old_select}"),
            float_positions,
            float_tol,
        )
    return TableDiff(
        old=old,
        new=new,
        old_rows=_count(con, f"select * from {_relation('old', old)}"),
        new_rows=_count(con, f"select * from {_relation('new', new)}"),
        only_in_old=only_in_old,
        only_in_new=only_in_new,
        exact_only_in_old=exact_old,
        exact_only_in_new=exact_new,
        columns_lost=tuple(c for c in old_columns if c not in new_columns),
        columns_added=tuple(c for c in new_columns if c not in old_columns),
    )


def _parse_renames(pairs: list[str]) -> dict[str, str]:
    renames = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or old.count(".") != 1 or new.count(".") != 1:
            raise SystemExit(f"--rename wants schema.table=schema.table, got {pair!r}")
        renames[old] = new
    return renames


def compare(
    old_path: Path,
    new_path: Path,
    renames: dict[str, str],
    schemas: tuple[str, ...],
    float_tol: float = FLOAT_REL_TOL,
) -> int:
    """Print the comparison of every table; return the number of tables that differ."""
    con = duckdb.connect()
    con.execute(f"attach '{old_path}' as old (read_only)")
    con.execute(f"attach '{new_path}' as new (read_only)")
    old_tables = _tables(con, "old", schemas)
    new_tables = _tables(con, "new", schemas)
    missing_targets = [new for new in renames.values() if new not in new_tables]
    if missing_targets:
        raise SystemExit(f"--rename targets not in {new_path}: {', '.join(missing_targets)}")

    print(f"old: {old_path}\nnew: {new_path}")
    print(f"excluded build-time columns: {', '.join(sorted(BUILD_TIME_COLUMNS))}")
    floats = f"within {float_tol:g} (relative, or absolute near 0)" if float_tol > 0 else "exactly"
    print(f"DOUBLE/FLOAT columns compared {floats}; '(exact: old/new)' where that differs")
    print()
    width = max(
        [len("table (old -> new)")]
        + [len(t) + (len(renames[t]) + 4 if t in renames else 0) for t in old_tables]
    )
    header = (
        f"{'table (old -> new)':<{width}} {'old rows':>8} {'new rows':>8}"
        f" {'only old':>8} {'only new':>8}"
    )
    print(header)
    print("-" * len(header))
    differing = 0
    dropped = []
    matched_new = set()
    for old in old_tables:
        new = renames.get(old, old)
        if new not in new_tables:
            dropped.append(old)
            continue
        matched_new.add(new)
        diff = compare_table(con, old, new, float_tol)
        name = old if old == new else f"{old} -> {new}"
        verdict = "" if diff.identical else "  DIFFERS"
        if (diff.exact_only_in_old, diff.exact_only_in_new) != (diff.only_in_old, diff.only_in_new):
            verdict += f"  (exact: {diff.exact_only_in_old}/{diff.exact_only_in_new})"
        print(
            f"{name:<{width}} {diff.old_rows:>8} {diff.new_rows:>8}"
            f" {diff.only_in_old:>8} {diff.only_in_new:>8}{verdict}"
        )
        if diff.columns_lost:
            print(f"    columns lost: {', '.join(diff.columns_lost)}")
        if diff.columns_added:
            print(f"    columns added (not compared): {', '.join(diff.columns_added)}")
        differing += 0 if diff.identical else 1
    added = [table for table in new_tables if table not in matched_new]
    print(f"\nnew tables (no old counterpart): {', '.join(added) or 'none'}")
    print(f"dropped tables (no new counterpart): {', '.join(dropped) or 'none'}")
    differing += len(dropped)
    compared = len(old_tables) - len(dropped)
    print(f"\n{compared} tables compared, {differing} differ")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="the warehouse before the change")
    parser.add_argument("new", type=Path, help="the warehouse after the change")
    parser.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="OLD_SCHEMA.OLD_TABLE=NEW_SCHEMA.NEW_TABLE",
        help="compare a moved or renamed table under its new name (repeatable)",
    )
    parser.add_argument(
        "--schema",
        action="append",
        dest="schemas",
        metavar="NAME",
        help=f"a schema to compare (repeatable; default: {', '.join(DEFAULT_SCHEMAS)})",
    )
    parser.add_argument(
        "--float-tol",
        type=float,
        default=FLOAT_REL_TOL,
        metavar="TOL",
        help="tolerance of DOUBLE/FLOAT columns (0: exact; default %(default)s)",
    )
    args = parser.parse_args(argv)
    for path in (args.old, args.new):
        if not path.is_file():
            parser.error(f"no such warehouse: {path}")
    schemas = tuple(args.schemas or DEFAULT_SCHEMAS)
    renames = _parse_renames(args.rename)
    return 1 if compare(args.old, args.new, renames, schemas, args.float_tol) else 0


if __name__ == "__main__":
    sys.exit(main())
