"""The same dbt project on Apache Spark in this process: built by the same Dagster job,
equal to DuckDB.

One full materialisation with DBT_TARGET=spark (dbt-spark in session mode on local
pyspark): ingestion, dbt on Spark, checks through the engine-neutral interface. Then every
public mart and every report is compared row by row with the DuckDB build of the same
sample: credits and other ratios to 1e-9, money to the cent. `make test` proves the same
SQL on Spark over the network (tests/test_spark_cluster.py); this mode runs with `make
test-spark-session`.
"""

from __future__ import annotations

import os

import pytest

from tests.helpers.engine_comparison import engine_differences, published_tables
from tests.helpers.warehouse_build import BuiltWarehouse, materialize_all

pytest.importorskip("pyspark", reason="Spark extra not installed: pip install -e '.[spark]'")
# The cluster test (tests/test_spark_cluster.py) builds the same SQL on Spark over the
# network in `make test`; this in-process mode runs with `make test-spark-session`.
pytestmark = pytest.mark.skipif(
    os.environ.get("ATTRIBUTION_TEST_SPARK_SESSION") != "1",
    reason="Spark session mode: make test-spark-session",
)


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    # The dbt unit tests too: they prove the unit-tested SQL logic on Spark as well. Not the
    # data tests: every table is compared row by row with the DuckDB build, whose data tests
    # pass, so on Spark they would prove nothing more for minutes of queries.
    return materialize_all(
        tmp_path_factory.mktemp("spark_build"),
        dbt_target="spark",
        dbt_unit_tests=True,
        dbt_data_tests=False,
    )


def test_spark_pipeline_and_checks_succeed(spark_build: BuiltWarehouse) -> None:
    result = spark_build.result
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    evaluations = result.get_asset_check_evaluations()
    # The sample ends on 2026-09-30: only the freshness check may warn that it is old.
    assert {e.check_name for e in evaluations if not e.passed} <= {"data_is_fresh"}
    assert "credits_sum_to_one" in {e.check_name for e in evaluations}


def test_every_mart_and_report_equals_duckdb(
    built_warehouse: BuiltWarehouse, spark_build: BuiltWarehouse
) -> None:
    tables = published_tables(built_warehouse)
    assert {"marts.fct_attribution", "marts.dim_opportunities"} <= set(tables)
    assert any(name.startswith("reports.") for name in tables)
    problems = engine_differences(built_warehouse, spark_build)
    assert problems == [], "\n".join(problems)
