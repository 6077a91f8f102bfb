"""The data-driven models' fit: between two dbt layers, a small solve in Python.

dbt counts the heavy part (the fitting journeys per collapsed path, each path's steps, what
linear credits per channel set: int_data_driven_paths_counted and the two beside it); this
asset reads those rows as arrays, fits the Markov chain and the logistic conversion model with
their bootstrap (lib/data_driven), and writes two small tables as Parquet into the raw area,
where dbt reads them back as the source `data_driven` (the same route the landed exports take,
so both engines read them the same way). dbt then turns the shares into credits per touch.
Dagster runs the dbt assets upstream of this one first and the rest after it, as two dbt steps
of the same run.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.asset_keys import written_asset_key
from dagster_project.defs.dbt.assets import dbt_build
from dagster_project.lib.data_driven.fit import FitSettings, Fitter, fit_channel_weights, set_shares
from dagster_project.lib.data_driven.journeys import (
    PATH_SEPARATOR,
    SET_SEPARATOR,
    Journeys,
    coded_steps_sql,
)
from dagster_project.lib.files import write_parquet_atomically
from dagster_project.lib.warehouse import WarehouseResource

SOURCE = "data_driven"
CHANNEL_WEIGHTS = "channel_weights"
CHANNEL_SET_SHARES = "channel_set_shares"
FILE_NAME = "fit.parquet"

SCHEMAS = {
    CHANNEL_WEIGHTS: pa.schema(
        [
            ("model", pa.string()),
            ("channel", pa.string()),
            *(
                (name, pa.float64())
                for name in (
                    "effect",
                    "effect_low",
                    "effect_high",
                    "weight",
                    "weight_low",
                    "weight_high",
                )
            ),
            ("fitting_journeys", pa.int64()),
            ("won_journeys", pa.int64()),
            ("attributed_conversions", pa.float64()),
            ("attributed_revenue_usd", pa.float64()),
        ]
    ),
    CHANNEL_SET_SHARES: pa.schema(
        [
            ("model", pa.string()),
            ("channel_set", pa.string()),
            ("channel", pa.string()),
            ("share", pa.float64()),
        ]
    ),
}

JOURNEYS_MODEL = "int_opportunity_journeys_sequenced"
PATHS_MODEL = "int_data_driven_paths_counted"
STEPS_MODEL = "int_data_driven_path_steps_counted"
SET_TOUCHES_MODEL = "int_data_driven_set_touches_summed"
SETTINGS_MODEL = "int_data_driven_settings"
INPUT_MODELS = (JOURNEYS_MODEL, PATHS_MODEL, STEPS_MODEL, SET_TOUCHES_MODEL, SETTINGS_MODEL)


def fit_asset_key(table: str) -> AssetKey:
    """The key of a table this asset writes; the dbt source of the same name points at it."""
    return written_asset_key(SOURCE, table)


def check_channel_names(channels: pd.Series) -> None:
    """The journeys join channels with these characters: paths and sets of a channel holding
    one could not be told apart or read back."""
    reserved = (PATH_SEPARATOR, SET_SEPARATOR)
    bad = sorted({c for c in channels.dropna() if any(mark in c for mark in reserved)})
    if bad:
        raise ValueError(
            f"channel names may not contain {' '.join(reserved)} (the data-driven journeys"
            f" use them as separators): {bad}; rename them in the channels seed"
        )


def settings_from(frame: pd.DataFrame) -> FitSettings:
    row = frame.iloc[0]
    return FitSettings(
        regularisation_c=float(row["regularisation_c"]),
        resamples=int(row["bootstrap_resamples"]),
        seed=int(row["bootstrap_seed"]),
    )


@dataclass(frozen=True)
class FitInputs:
    """What the fit reads from the warehouse: the counted journeys (the steps coded as
    integers, `coded_steps_sql`), every opportunity's channel set (open deals' too: they are
    credited by the shares) and the settings."""

    paths: pd.DataFrame
    steps: pd.DataFrame
    step_channels: list[str]
    set_touches: pd.DataFrame
    channel_sets: pd.Series
    settings: FitSettings

    @property
    def fitting_journeys(self) -> int:
        return int(self.paths[["won_journeys", "lost_journeys"]].to_numpy().sum())


def fit_tables(inputs: FitInputs) -> dict[str, pd.DataFrame]:
    """Both tables from what the fit reads."""
    distinct_sets = inputs.channel_sets.dropna().unique()
    check_channel_names(
        pd.Series(sorted({c for key in distinct_sets for c in key.split(SET_SEPARATOR)}))
    )
    journeys = Journeys.from_coded_steps(
        inputs.paths, inputs.steps, inputs.set_touches, inputs.step_channels
    )
    settings = inputs.settings
    fitter = Fitter(journeys, settings)
    return {
        CHANNEL_WEIGHTS: fit_channel_weights(journeys, settings, fitter),
        CHANNEL_SET_SHARES: set_shares(journeys, list(distinct_sets), settings, fitter),
    }


def read_inputs(query: Callable[[str], pd.DataFrame]) -> FitInputs:
    step_channels, coded_steps = coded_steps_sql(
        f"intermediate.{PATHS_MODEL}", f"intermediate.{STEPS_MODEL}"
    )
    return FitInputs(
        paths=query(f"select * from intermediate.{PATHS_MODEL}"),
        steps=query(coded_steps),
        step_channels=list(query(step_channels)["channel"]),
        set_touches=query(f"select * from intermediate.{SET_TOUCHES_MODEL}"),
        channel_sets=query(
            f"select distinct channel_set from intermediate.{JOURNEYS_MODEL}"
            " where channel_set is not null order by channel_set"
        )["channel_set"],
        settings=settings_from(query(f"select * from intermediate.{SETTINGS_MODEL}")),
    )


def write_table(raw_dir: str, table: str, frame: pd.DataFrame) -> Path:
    """Replace the table's one file in the raw area, whole (a reader sees the old fit or the
    new one, never half of one)."""
    arrow = pa.Table.from_pandas(frame, schema=SCHEMAS[table], preserve_index=False)
    return write_parquet_atomically(Path(raw_dir) / SOURCE / table / FILE_NAME, arrow)


@multi_asset(
    name="data_driven_fit",
    specs=[
        AssetSpec(
            key=fit_asset_key(table),
            deps=[get_asset_key_for_model([dbt_build], model) for model in INPUT_MODELS],
            group_name="intermediate",
            kinds={"python", "parquet"},
            owners=["team:analytics-engineering"],
            description=description,
        )
        for table, description in (
            (
                CHANNEL_WEIGHTS,
                "Per data-driven model and channel: effect and weight, 90% bootstrap intervals.",
            ),
            (
                CHANNEL_SET_SHARES,
                "Per data-driven model and channel set: each channel's share of the credit.",
            ),
        )
    ],
)
def data_driven_fit(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    """Fit markov and shapley on the closed journeys (lib/data_driven)."""
    with warehouse.reading():
        inputs = read_inputs(warehouse.query)
    tables = fit_tables(inputs)
    fitting = inputs.fitting_journeys
    for table, frame in tables.items():
        path = write_table(warehouse.raw_dir, table, frame)
        context.log.info(f"{table}: {len(frame)} rows from {fitting} fitting journeys")
        yield MaterializeResult(
            asset_key=fit_asset_key(table),
            metadata={
                "path": str(path),
                "dagster/row_count": len(frame),
                "fitting_journeys": fitting,
            },
        )


data_driven_assets = [data_driven_fit]
