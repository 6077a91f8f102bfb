"""The semantic layer answers with the marts' numbers: real `mf query` runs on the session's build.

MetricFlow reads `target/semantic_manifest.json` under the dbt project it runs in (the path is
fixed in dbt-metricflow), so the tests parse a copy of the dbt project in a temp directory rather
than write the repository's dbt/target, which a developer's dbt or Dagster may be using. One
`mf query` per metric set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dagster_project.settings import DBT_PROJECT_DIR
from tests.helpers.warehouse_build import BuiltWarehouse

BIN = Path(sys.executable).parent
CENT = 0.005
RATIO = 1e-9
LINEAR = "{{ Entity('attribution_model') }} = 'linear'"


@pytest.fixture(scope="module")
def mf_project(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A parsed copy of the dbt project pointing at the session's warehouse."""
    project = tmp_path_factory.mktemp("semantic") / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet"],
        cwd=project,
        env=_env(built_warehouse),
        check=True,
    )
    return project


def _env(built_warehouse: BuiltWarehouse) -> dict[str, str]:
    return {**os.environ, **built_warehouse.resource.dbt_env()}


def mf_query(
    built_warehouse: BuiltWarehouse,
    project: Path,
    metrics: list[str],
    group_by: list[str],
    where: str | None = None,
) -> pd.DataFrame:
    """Run `mf query` as a user would and read its CSV output (full precision)."""
    out = project / f"{'_'.join(metrics)}.csv"
    args = [
        str(BIN / "mf"),
        "query",
        "--metrics",
        ",".join(metrics),
        "--group-by",
        ",".join(group_by),
    ]
    if where is not None:
        args += ["--where", where]
    completed = subprocess.run(
        [*args, "--csv", str(out), "--quiet"],
        cwd=project,
        env=_env(built_warehouse),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    frame = pd.read_csv(out)
    for column in frame.columns:
        if column.startswith("metric_time"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def marts(built_warehouse: BuiltWarehouse, sql: str) -> pd.DataFrame:
    frame = built_warehouse.resource.query(sql)
    for column in frame.columns:
        if column.startswith("metric_time"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def assert_same(
    semantic: pd.DataFrame, expected: pd.DataFrame, keys: list[str], tolerances: dict[str, float]
) -> None:
    """Same non-NULL values on the same keys; a key missing on one side counts as NULL there."""
    merged = semantic.merge(expected, on=keys, how="outer", suffixes=("_mf", "_mart"))
    assert len(merged) > 0
    for column, tolerance in tolerances.items():
        mf = merged[f"{column}_mf"].astype(float)
        mart = merged[f"{column}_mart"].astype(float)
        same_null = mf.isna() == mart.isna()
        assert same_null.all(), f"{column}: NULL on one side only\n{merged[~same_null]}"
        close = mf.isna() | (np.abs(mf - mart) <= tolerance)
        assert close.all(), f"{column} differs\n{merged[~close]}"


def test_attributed_revenue_by_channel_and_quarter(
    built_warehouse: BuiltWarehouse, mf_project: Path
) -> None:
    semantic = mf_query(
        built_warehouse,
        mf_project,
        ["attributed_revenue"],
        ["channel", "metric_time__quarter"],
        LINEAR,
    )
    # Revenue is credited to won deals only; open deals' expected close quarters add rows of 0.
    semantic = semantic[semantic["attributed_revenue"] != 0]
    expected = marts(
        built_warehouse,
        """
        select channel, date_trunc('quarter', month_start) as metric_time__quarter,
            sum(attributed_revenue_usd) as attributed_revenue
        from reports.rpt_channel_roi
        where model = 'linear'
        group by 1, 2
        having sum(attributed_revenue_usd) <> 0
        """,
    )
    assert_same(
        semantic, expected, ["channel", "metric_time__quarter"], {"attributed_revenue": CENT}
    )
    # ... and the report is the mart: credit x amount of won deals by close quarter.
    from_mart = marts(
        built_warehouse,
        """
        select channel, date_trunc('quarter', close_date) as metric_time__quarter,
            sum(attributed_revenue_usd) as attributed_revenue
        from marts.fct_attribution
        where model = 'linear' and is_won
        group by 1, 2
        """,
    )
    assert_same(
        semantic, from_mart, ["channel", "metric_time__quarter"], {"attributed_revenue": CENT}
    )


def test_sourced_and_influenced_pipeline_by_month(
    built_warehouse: BuiltWarehouse, mf_project: Path
) -> None:
    semantic = mf_query(
        built_warehouse,
        mf_project,
        ["pipeline", "sourced_pipeline", "influenced_pipeline"],
        ["metric_time__month"],
    )
    expected = marts(
        built_warehouse,
        """
        select month_start as metric_time__month, sum(pipeline_usd) as pipeline,
            sum(sourced_pipeline_usd) as sourced_pipeline,
            sum(influenced_pipeline_usd) as influenced_pipeline
        from reports.rpt_marketing_contribution
        group by 1
        having sum(pipeline_usd) <> 0
        """,
    )
    tolerances = {"pipeline": CENT, "sourced_pipeline": CENT, "influenced_pipeline": CENT}
    assert_same(semantic.fillna(0), expected, ["metric_time__month"], tolerances)


def test_win_rate_by_quarter(built_warehouse: BuiltWarehouse, mf_project: Path) -> None:
    semantic = mf_query(
        built_warehouse,
        mf_project,
        ["win_rate", "opportunities_won", "opportunities_closed"],
        ["metric_time__quarter"],
    )
    # Quarters with only open deals' expected closes have nothing closed: no win rate.
    semantic = semantic[semantic["opportunities_closed"] > 0]
    expected = marts(
        built_warehouse,
        """
        select quarter_start as metric_time__quarter, win_rate, opportunities_won,
            opportunities_closed
        from reports.rpt_sales_velocity
        where segment = 'All' and opportunities_closed > 0
        """,
    )
    tolerances = {"win_rate": RATIO, "opportunities_won": 0, "opportunities_closed": 0}
    assert_same(semantic, expected, ["metric_time__quarter"], tolerances)


def test_roas_by_channel_and_month_for_one_model(
    built_warehouse: BuiltWarehouse, mf_project: Path
) -> None:
    semantic = mf_query(
        built_warehouse,
        mf_project,
        ["roas", "attributed_revenue", "modeled_spend"],
        ["channel", "metric_time__month"],
        LINEAR,
    )
    semantic = semantic[
        semantic["attributed_revenue"].fillna(0).ne(0) | semantic["modeled_spend"].fillna(0).ne(0)
    ]
    expected = marts(
        built_warehouse,
        """
        select month_start as metric_time__month, channel, roas,
            attributed_revenue_usd as attributed_revenue, spend_usd as modeled_spend
        from reports.rpt_channel_roi
        where model = 'linear' and (attributed_revenue_usd <> 0 or spend_usd <> 0)
        """,
    )
    semantic = semantic.fillna({"attributed_revenue": 0, "modeled_spend": 0})
    tolerances = {"roas": RATIO, "attributed_revenue": CENT, "modeled_spend": CENT}
    assert_same(semantic, expected, ["channel", "metric_time__month"], tolerances)


def test_blended_cac_and_funnel_conversion_by_month(
    built_warehouse: BuiltWarehouse, mf_project: Path
) -> None:
    semantic = mf_query(
        built_warehouse,
        mf_project,
        ["blended_cac", "new_customers", "marketing_spend", "lead_to_mql_rate"],
        ["metric_time__month"],
    )
    cac = marts(
        built_warehouse,
        """
        select month_start as metric_time__month, blended_cac_usd as blended_cac, new_customers,
            spend_usd as marketing_spend
        from reports.rpt_marketing_cac
        where model = 'linear' and (spend_usd <> 0 or new_customers <> 0)
        """,
    )
    funnel = marts(
        built_warehouse,
        """
        select month_start as metric_time__month,
            cast(sum(lead_to_mql_count) as double) / sum(lead_count) as lead_to_mql_rate
        from reports.rpt_funnel_conversion
        where view = 'cohort'
        group by 1
        """,
    )
    money = semantic[["metric_time__month", "blended_cac", "new_customers", "marketing_spend"]]
    money = money[money["new_customers"].fillna(0).ne(0) | money["marketing_spend"].fillna(0).ne(0)]
    money = money.fillna({"new_customers": 0, "marketing_spend": 0})
    tolerances = {"blended_cac": CENT, "new_customers": 0, "marketing_spend": CENT}
    assert_same(money, cac, ["metric_time__month"], tolerances)
    rates = semantic.loc[
        semantic["lead_to_mql_rate"].notna(), ["metric_time__month", "lead_to_mql_rate"]
    ]
    assert_same(rates, funnel, ["metric_time__month"], {"lead_to_mql_rate": RATIO})


def test_forecast_bookings_by_quarter_and_segment(
    built_warehouse: BuiltWarehouse, mf_project: Path
) -> None:
    """The forecast's finest rows summed by MetricFlow give the report's segment rollups."""
    semantic = mf_query(
        built_warehouse,
        mf_project,
        ["forecast_bookings", "forecast_open_pipeline", "forecast_new_pipeline"],
        ["metric_time__quarter", "forecast_row__segment"],
    ).rename(columns={"forecast_row__segment": "segment"})
    expected = marts(
        built_warehouse,
        """
        select quarter_start as metric_time__quarter, segment,
            expected_bookings_usd as forecast_bookings,
            open_pipeline_usd as forecast_open_pipeline,
            new_pipeline_usd as forecast_new_pipeline
        from reports.rpt_revenue_forecast
        where segment != 'All' and region = 'All'
        """,
    )
    assert len(expected) >= 4
    tolerances = {
        "forecast_bookings": CENT,
        "forecast_open_pipeline": CENT,
        "forecast_new_pipeline": CENT,
    }
    assert_same(semantic, expected, ["metric_time__quarter", "segment"], tolerances)
