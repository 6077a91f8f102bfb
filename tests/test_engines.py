"""A `reading()` block shares one read-only connection, and lets go of it when it ends: dbt,
the only writer, must be able to open the warehouse after any check or summary."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.engines import DuckDBEngine, ThriftEndpoint, ThriftEngine, reading


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select range as n from range(3)")
    return path


def _writes(path: Path) -> bool:
    """Whether this process can open the file for writing (DuckDB refuses while a read-only
    connection to it is open here)."""
    try:
        with duckdb.connect(str(path)) as con:
            con.execute("insert into t values (99)")
    except duckdb.Error:
        return False
    return True


def test_queries_in_a_block_share_one_connection_released_at_its_end(warehouse: Path) -> None:
    engine = DuckDBEngine(str(warehouse), "1GB")
    with reading(warehouse, "1GB"):
        assert engine.query("select count(*) as n from t")["n"].iloc[0] == 3
        assert not _writes(warehouse)  # the block's connection is still open
        assert engine.query("select sum(n) as s from t where n > ?", [0])["s"].iloc[0] == 3
    assert _writes(warehouse)
    assert engine.query("select count(*) as n from t")["n"].iloc[0] == 4


def test_a_query_outside_a_block_keeps_nothing_open(warehouse: Path) -> None:
    engine = DuckDBEngine(str(warehouse), "1GB")
    assert engine.query("select count(*) as n from t")["n"].iloc[0] == 3
    assert _writes(warehouse)


def test_a_failing_block_still_lets_go(warehouse: Path) -> None:
    engine = DuckDBEngine(str(warehouse), "1GB")
    with pytest.raises(duckdb.Error), reading(warehouse, "1GB"):
        engine.query("select * from no_such_table")
    assert _writes(warehouse)


def test_no_file_no_connection(tmp_path: Path) -> None:
    """A block on a warehouse not built yet opens nothing (and creates no file)."""
    missing = tmp_path / "missing.duckdb"
    with reading(missing, "1GB"):
        pass
    assert not missing.exists()


def test_the_thrift_engine_refuses_parameters_rather_than_splicing_them() -> None:
    """HiveServer2 binds none: a parameter is refused before any connection is made."""
    with pytest.raises(ValueError, match="no query parameters"):
        ThriftEngine(ThriftEndpoint(port=1)).query("select ?", [1])
