"""Two builds of the same data on two engines, compared table by table: every public mart
and report, credits and other ratios to 1e-9, money to the cent."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from tests.helpers.warehouse_build import BuiltWarehouse

MONEY_TOLERANCE = 0.005
RATIO_TOLERANCE = 1e-9
# Plus this share of the value: two engines add floats in different orders, so a huge value
# (a cost per won deal whose denominator is a near-zero time-decay credit, ~1e13) can differ
# in its last bits, which at that size is more than a cent. Seen once: 6e-16 relative.
RELATIVE_TOLERANCE = 1e-12
# When each engine's build started: the one column two builds of the same data differ in.
BUILD_TIME_COLUMNS = {"built_at"}


# Every public mart and every report: whatever is in those schemas, tables and views.
PUBLIC_RELATIONS_SQL = (
    "select table_schema || '.' || table_name as name from information_schema.tables"
    " where table_schema in ('marts', 'reports') order by 1"
)


def published_tables(duckdb_build: BuiltWarehouse) -> list[str]:
    """The marts and reports of a DuckDB build's warehouse."""
    return list(duckdb_build.resource.query(PUBLIC_RELATIONS_SQL)["name"])


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-independent values (floats for numbers, timestamps for dates, str for text), in
    an engine-independent order."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        sample = values.dropna()
        first = sample.iloc[0] if len(sample) else None
        if pd.api.types.is_bool_dtype(values) or isinstance(first, bool | np.bool_):
            out[column] = values.astype("boolean")
        elif pd.api.types.is_numeric_dtype(values) or isinstance(first, Decimal | int | float):
            out[column] = pd.to_numeric(values.map(lambda v: None if pd.isna(v) else float(v)))
        elif pd.api.types.is_datetime64_any_dtype(values) or hasattr(first, "isoformat"):
            out[column] = pd.to_datetime(values).astype("datetime64[us]")
        else:
            out[column] = values.astype("string")
    # Rows in the same order on both engines: by every column compared exactly (text, flags,
    # times), which identify a row of every public table (fct_attribution_credits has no
    # single key column: opportunity, model and touch do).
    key = [column for column in out.columns if not pd.api.types.is_float_dtype(out[column])]
    return out.sort_values(by=key or list(out.columns), kind="stable").reset_index(drop=True)


def differences(table: str, duck: pd.DataFrame, spark: pd.DataFrame) -> list[str]:
    problems: list[str] = []
    if list(duck.columns) != list(spark.columns):
        return [f"{table}: columns differ: {list(duck.columns)} vs {list(spark.columns)}"]
    if len(duck) != len(spark):
        return [f"{table}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"]
    for column in duck.columns:
        if column in BUILD_TIME_COLUMNS:
            continue
        left, right = duck[column], spark[column]
        if pd.api.types.is_float_dtype(left):
            tolerance = MONEY_TOLERANCE if column.endswith("_usd") else RATIO_TOLERANCE
            both_null = left.isna() & right.isna()
            allowed = tolerance + RELATIVE_TOLERANCE * left.abs()
            bad = ~both_null & ~((left - right).abs() <= allowed)
        else:
            bad = ~((left == right).fillna(False) | (left.isna() & right.isna()))
        if bad.any():
            at = int(np.flatnonzero(bad.to_numpy())[0])
            problems.append(
                f"{table}.{column}: {int(bad.sum())} rows differ, first at "
                f"{duck.iloc[at, 0]!r}: {left.iloc[at]!r} (DuckDB) vs {right.iloc[at]!r} (Spark)"
            )
    return problems


def _table_differences(
    tables: list[str],
    left: Callable[[str], pd.DataFrame],
    right: Callable[[str], pd.DataFrame],
) -> list[str]:
    problems: list[str] = []
    for table in tables:
        sql = f"select * from {table}"
        problems += differences(table, normalised(left(sql)), normalised(right(sql)))
    return problems


def engine_differences(reference: BuiltWarehouse, other: BuiltWarehouse) -> list[str]:
    """Every difference between the two builds' marts and reports (the reference's list)."""
    return _table_differences(
        published_tables(reference), reference.resource.query, other.resource.query
    )


def serving_differences(reference: BuiltWarehouse, other: BuiltWarehouse) -> list[str]:
    """Every difference between what the two builds published: each serving file's marts and
    reports, read locally. For a cluster build this is the cluster's own output (its Parquet,
    row counts checked against it), without decoding every row over the network."""
    with (
        duckdb.connect(reference.resource.serving_database_path, read_only=True) as left,
        duckdb.connect(other.resource.serving_database_path, read_only=True) as right,
    ):
        names = [public_relations(con) for con in (left, right)]
        if names[0] != names[1]:
            return [f"published tables differ: {names[0]} vs {names[1]}"]
        return _table_differences(
            names[0], lambda sql: left.execute(sql).df(), lambda sql: right.execute(sql).df()
        )


def public_relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The marts and reports of an open DuckDB file (a serving copy)."""
    return [name for (name,) in con.execute(PUBLIC_RELATIONS_SQL).fetchall()]
