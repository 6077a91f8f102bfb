"""Buyer propensity on the sample build: the published metrics clear the issue's bar and show
no leak, every open deal and every account without one is scored exactly once, and the scores
the marts publish are what the training code gives on all of the warehouse's own features."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest

from dagster_project.defs.propensity.assets import (
    CALIBRATION,
    METRICS,
    SCORES,
    settings_from,
    shown_metadata,
    tables_from,
)
from dagster_project.lib.propensity import channels
from dagster_project.lib.propensity.specs import SPECS
from dagster_project.lib.propensity.train import run
from tests.helpers.warehouse_build import BuiltWarehouse


@pytest.fixture(scope="module")
def con(built_warehouse: BuiltWarehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(built_warehouse.warehouse_path), read_only=True) as connection:
        yield connection


def _performance(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from reports.rpt_propensity_performance").df().set_index("model")


def test_both_models_find_the_samples_signal_and_no_leak(con: duckdb.DuckDBPyConnection) -> None:
    performance = _performance(con)
    assert set(performance.index) == {"opportunity", "account"}
    for model, row in performance.iterrows():
        assert row["auc"] >= 0.65, model
        # Shuffled training labels score as chance does on the same evaluation rows.
        assert abs(row["shuffled_auc"] - 0.5) <= 0.05, model
        # Better than always saying the base rate (whose Brier is p(1 - p)).
        assert row["brier"] < row["base_rate"] * (1 - row["base_rate"]), model
        assert row["top_decile_lift"] > 1, model
        assert row["training_rows"] > 0 and row["evaluation_rows"] > 0


def test_the_calibration_covers_every_evaluation_row(con: duckdb.DuckDBPyConnection) -> None:
    performance = _performance(con)
    calibration = con.execute("select * from reports.rpt_propensity_calibration").df()
    for model, table in calibration.groupby("model"):
        assert sorted(table["decile"]) == list(range(1, 11))
        assert table["evaluated_rows"].sum() == performance.at[model, "evaluation_rows"]
        assert table["positives"].sum() == performance.at[model, "evaluation_positives"]


def test_every_open_deal_and_every_account_without_one_is_scored(
    con: duckdb.DuckDBPyConnection, built_warehouse: BuiltWarehouse
) -> None:
    as_of = pd.Timestamp(built_warehouse.as_of)
    opportunities = con.execute(
        "select opportunity_id, account_id, created_at, is_closed, close_date"
        " from marts.dim_opportunities"
    ).df()
    open_then = opportunities[
        (opportunities["created_at"] < as_of)
        & (~opportunities["is_closed"] | (pd.to_datetime(opportunities["close_date"]) >= as_of))
    ]
    scored = con.execute("select opportunity_id from marts.fct_opportunity_scores").df()
    assert sorted(scored["opportunity_id"]) == sorted(open_then["opportunity_id"])

    accounts = con.execute("select account_id, created_at from marts.dim_accounts").df()
    without = accounts[
        (accounts["created_at"] < as_of) & ~accounts["account_id"].isin(open_then["account_id"])
    ]
    scored = con.execute("select account_id from marts.fct_account_scores").df()
    assert sorted(scored["account_id"]) == sorted(without["account_id"])


def test_the_marts_publish_what_training_gives_on_the_warehouse_features(
    con: duckdb.DuckDBPyConnection,
) -> None:
    settings = settings_from(con.execute("select * from intermediate.int_propensity_settings").df())
    # The reference reads every snapshot and touch whole and splits in pandas; the asset
    # streams them past in batches (lib/propensity/reading.py).
    touches = channels.ChannelTouches.from_long(
        con.execute(f"select * from intermediate.{channels.TABLE}").df()
    )
    results = [
        run(con.execute(f"select * from intermediate.{spec.table}").df(), spec, settings, touches)
        for spec in SPECS
    ]
    expected = tables_from(results)[SCORES].set_index(["model", "entity_id"]).sort_index()
    published = (
        pd.concat(
            [
                con.execute(
                    f"select '{model}' as model, {key} as entity_id, score, decile, driver_1"
                    f" from marts.{table}"
                ).df()
                for model, key, table in (
                    ("opportunity", "opportunity_id", "fct_opportunity_scores"),
                    ("account", "account_id", "fct_account_scores"),
                )
            ]
        )
        .set_index(["model", "entity_id"])
        .sort_index()
    )
    assert list(published.index) == list(expected.index)
    pd.testing.assert_series_equal(published["score"], expected["score"], check_exact=True)
    assert published["decile"].tolist() == expected["decile"].tolist()
    assert published["driver_1"].tolist() == expected["driver_1"].tolist()


def test_each_build_shows_its_metrics_and_calibration_in_dagster(
    con: duckdb.DuckDBPyConnection,
) -> None:
    metrics = con.execute("select * from reports.rpt_propensity_performance").df()
    shown = shown_metadata(METRICS, metrics)
    for row in metrics.itertuples(index=False):
        assert shown[f"{row.model}_auc"] == row.auc
        assert shown[f"{row.model}_top_decile_lift"] == row.top_decile_lift
    calibration = con.execute("select * from reports.rpt_propensity_calibration").df()
    table = shown_metadata(CALIBRATION, calibration)["calibration"].value
    assert table.count("\n| opportunity | ") == 10 and table.count("\n| account | ") == 10
