"""The data-driven models on the sample build: dbt counts the journeys as Python does, what
the fit asset wrote is what the math gives on those counts, and the credits in fct_attribution
are the shares it wrote, recomputed here in pandas from the touches (an independent reading of
the rule)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.defs.data_driven.assets import (
    CHANNEL_SET_SHARES,
    CHANNEL_WEIGHTS,
    FILE_NAME,
    SOURCE,
    fit_tables,
    read_inputs,
)
from dagster_project.lib.data_driven.journeys import Journeys
from tests.helpers.journeys import counted_tables
from tests.helpers.warehouse_build import BuiltWarehouse

DATA_DRIVEN = ("markov", "shapley")


@pytest.fixture(scope="module")
def con(built_warehouse: BuiltWarehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(built_warehouse.warehouse_path), read_only=True) as connection:
        yield connection


def _written(built_warehouse: BuiltWarehouse, table: str) -> pd.DataFrame:
    return pd.read_parquet(built_warehouse.raw_dir / SOURCE / table / FILE_NAME)


def test_the_warehouse_counts_the_journeys_as_python_does(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """dbt's paths, steps and set touches equal the same counting done in Python from each
    fitting journey's runs (tests/helpers/journeys.py)."""
    fitting = con.execute(
        "select opportunity_id, is_won, amount_usd, channel_runs"
        " from intermediate.int_opportunity_journeys_sequenced where is_fitting"
        " order by opportunity_id"
    ).df()
    expected = counted_tables(
        list(fitting["channel_runs"].fillna("")),
        list(fitting["is_won"]),
        [float(amount) if pd.notna(amount) else 0.0 for amount in fitting["amount_usd"]],
        list(fitting["opportunity_id"]),
    )
    keys = {
        "int_data_driven_paths_counted": ["path_id"],
        "int_data_driven_path_steps_counted": ["path_id", "from_channel", "to_channel"],
        "int_data_driven_set_touches_summed": ["channel_set", "channel"],
    }
    for model, frame in expected.items():
        actual = con.execute(f"select * from intermediate.{model}").df()
        assert len(actual) > 0, model

        def ordered(table: pd.DataFrame, model: str = model) -> pd.DataFrame:
            table = table.astype({key: object for key in keys[model]})
            table[keys[model]] = table[keys[model]].where(table[keys[model]].notna(), "")
            return table.sort_values(keys[model]).reset_index(drop=True)

        pd.testing.assert_frame_equal(
            ordered(actual[list(frame.columns)]), ordered(frame), check_dtype=False, rtol=1e-12
        )
    paths = expected["int_data_driven_paths_counted"]
    assert paths[["won_journeys", "lost_journeys"]].to_numpy().sum() == 519


def test_the_fit_written_is_the_fit_of_the_warehouse_counts(
    built_warehouse: BuiltWarehouse, con: duckdb.DuckDBPyConnection
) -> None:
    inputs = read_inputs(lambda sql: con.execute(sql).df())
    assert inputs.settings.resamples == 200 and inputs.settings.regularisation_c == 1.0
    again = fit_tables(inputs)
    for table in (CHANNEL_WEIGHTS, CHANNEL_SET_SHARES):
        pd.testing.assert_frame_equal(
            _written(built_warehouse, table), again[table], check_exact=True
        )
    weights = again[CHANNEL_WEIGHTS]
    assert set(weights["model"]) == set(DATA_DRIVEN)
    assert (weights["fitting_journeys"] == 519).all()  # the sample's closed deals with a touch
    for _, rows in weights.groupby("model"):
        assert rows["weight"].sum() == pytest.approx(1.0)


def test_the_steps_the_warehouse_codes_are_the_steps_python_codes(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The fit reads the steps as integers coded in SQL (coded_steps_sql); the journeys they
    make equal those made from the steps' own strings, coded in Python."""
    inputs = read_inputs(lambda sql: con.execute(sql).df())
    strings = con.execute("select * from intermediate.int_data_driven_path_steps_counted").df()
    coded = Journeys.from_coded_steps(
        inputs.paths, inputs.steps, inputs.set_touches, inputs.step_channels
    )
    from_strings = Journeys.from_tables(inputs.paths, strings, inputs.set_touches)
    assert len(coded.steps.path) == len(strings) > 0
    assert coded.channels == from_strings.channels
    for field in ("path", "from_state", "to_state", "count"):
        order = np.lexsort((coded.steps.to_state, coded.steps.from_state, coded.steps.path))
        again = np.lexsort(
            (from_strings.steps.to_state, from_strings.steps.from_state, from_strings.steps.path)
        )
        assert np.array_equal(
            getattr(coded.steps, field)[order], getattr(from_strings.steps, field)[again]
        ), field
    with pytest.raises(ValueError, match="not the paths'"):
        Journeys.from_coded_steps(
            inputs.paths, inputs.steps, inputs.set_touches, inputs.step_channels[1:]
        )
    unknown = inputs.steps.astype({"path_index": float})
    unknown.loc[0, "path_index"] = np.nan  # a step whose path_id no path has
    with pytest.raises(ValueError, match="does not list"):
        Journeys.from_coded_steps(inputs.paths, unknown, inputs.set_touches, inputs.step_channels)


def test_credits_are_the_shares_split_among_each_channels_touches(
    built_warehouse: BuiltWarehouse, con: duckdb.DuckDBPyConnection
) -> None:
    touches = con.execute(
        """
        select windowed.opportunity_id, windowed.touchpoint_id, touchpoints.channel,
               journeys.channel_set
        from intermediate.int_opportunity_touches_windowed as windowed
        inner join intermediate.int_touchpoints_classified as touchpoints
            on windowed.touchpoint_id = touchpoints.touchpoint_id
        inner join intermediate.int_opportunity_journeys_sequenced as journeys
            on windowed.opportunity_id = journeys.opportunity_id
        where windowed.attribution_window = 'J'
        """
    ).df()
    shares = _written(built_warehouse, CHANNEL_SET_SHARES)
    expected = []
    for model in DATA_DRIVEN:
        fitted = shares[shares["model"] == model]
        share_of = {(r.channel_set, r.channel): r.share for r in fitted.itertuples()}
        fitted_sets = set(fitted["channel_set"])
        for opportunity_id, journey in touches.groupby("opportunity_id"):
            per_channel = journey["channel"].value_counts()
            for touch in journey.itertuples():
                if touch.channel_set in fitted_sets:
                    share = share_of.get((touch.channel_set, touch.channel), 0.0)
                    credit = share / per_channel[touch.channel]
                else:
                    credit = 1.0 / len(journey)
                expected.append((opportunity_id, model, touch.touchpoint_id, credit))
    reference = pd.DataFrame(expected, columns=["opportunity_id", "model", "touchpoint_id", "ref"])
    reference = reference[reference["ref"] > 5e-13]  # rounds to a credit of 0: no row
    mart = con.execute(
        "select opportunity_id, model, touchpoint_id, credit from marts.fct_attribution"
        " where model in ('markov', 'shapley') and touchpoint_id is not null"
    ).df()
    joined = reference.merge(mart, on=["opportunity_id", "model", "touchpoint_id"], how="outer")
    assert joined["credit"].notna().all() and joined["ref"].notna().all(), joined[
        joined["credit"].isna() | joined["ref"].isna()
    ].head()
    # Each credit is its share rounded to 12 decimals (5e-13 at most), but one per deal, which
    # takes the rounding's residue: up to 5e-13 per touch of the deal.
    touches_per_deal = touches.groupby("opportunity_id").size().rename("touches")
    joined = joined.join(touches_per_deal, on="opportunity_id")
    gap = (joined["credit"].astype(float) - joined["ref"]).abs()
    assert (gap <= 5.01e-13).sum() >= len(joined) - 2 * touches_per_deal.size
    over = joined[gap > 5.01e-13 * joined["touches"]]
    assert over.empty, over.head()
    sums = con.execute(
        "select model, opportunity_id, sum(credit) as total from marts.fct_attribution"
        " where model in ('markov', 'shapley') group by model, opportunity_id"
    ).df()
    assert (sums["total"] == Decimal(1)).all()
    deals = con.execute("select count(*) from marts.dim_opportunities").fetchone()
    assert deals is not None and len(sums) == 2 * deals[0]  # every deal, both models
