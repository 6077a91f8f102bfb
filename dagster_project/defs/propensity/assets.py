"""Buyer propensity's training and scoring: between two dbt layers, scikit-learn in Python.

dbt computes the features as of every snapshot instant (intermediate/propensity); this asset
reads them, trains and judges each model (lib/propensity/train.py) and writes the scores, the
metrics and the calibration table as Parquet into the raw area, where dbt reads them back as the
source `propensity` in the same second dbt step as the data-driven fit's tables.
"""

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.asset_keys import written_asset_key
from dagster_project.defs.dbt.assets import dbt_build
from dagster_project.lib.files import write_parquet_atomically
from dagster_project.lib.propensity import channels, reading
from dagster_project.lib.propensity.specs import SPECS, ModelSpec
from dagster_project.lib.propensity.train import DRIVERS, Result, Sets, Settings, run_sets
from dagster_project.lib.warehouse import WarehouseResource

SOURCE = "propensity"
SCORES = "scores"
METRICS = "metrics"
CALIBRATION = "calibration"
FILE_NAME = "scores.parquet"
SETTINGS_MODEL = reading.SETTINGS_TABLE

_TIME = pa.timestamp("us")
SCHEMAS = {
    SCORES: pa.schema(
        [
            ("model", pa.string()),
            ("entity_id", pa.string()),
            ("scored_at", _TIME),
            ("score", pa.float64()),
            ("decile", pa.int64()),
            *((f"driver_{i}", pa.string()) for i in range(1, DRIVERS + 1)),
        ]
    ),
    METRICS: pa.schema(
        [
            ("model", pa.string()),
            ("algorithm", pa.string()),
            ("cutoff_at", _TIME),
            ("as_of_at", _TIME),
            *(
                (name, pa.int64())
                for name in (
                    "training_rows",
                    "training_positives",
                    "evaluation_rows",
                    "evaluation_positives",
                )
            ),
            *(
                (name, pa.float64())
                for name in (
                    "auc",
                    "brier",
                    "base_rate",
                    "top_decile_rate",
                    "top_decile_lift",
                    "logistic_auc",
                    "boosting_auc",
                    "shuffled_auc",
                )
            ),
            ("scored_rows", pa.int64()),
        ]
    ),
    CALIBRATION: pa.schema(
        [
            ("model", pa.string()),
            ("decile", pa.int64()),
            ("evaluated_rows", pa.int64()),
            ("positives", pa.int64()),
            ("mean_score", pa.float64()),
            ("observed_rate", pa.float64()),
        ]
    ),
}
DESCRIPTIONS = {
    SCORES: "Open deals' win and accounts' new-opportunity probabilities at the as-of time.",
    METRICS: "Per propensity model: AUC, Brier, top-decile lift on the snapshots after the cutoff.",
    CALIBRATION: "Per propensity model and decile: mean score against the rate that happened.",
}


def propensity_asset_key(table: str) -> AssetKey:
    return written_asset_key(SOURCE, table)


def tables_from(results: list[Result]) -> dict[str, pd.DataFrame]:
    return {
        SCORES: pd.concat([r.scores for r in results], ignore_index=True),
        METRICS: pd.DataFrame([r.metrics for r in results]),
        CALIBRATION: pd.concat([r.calibration for r in results], ignore_index=True),
    }


def write_table(raw_dir: str, table: str, frame: pd.DataFrame) -> Path:
    arrow = pa.Table.from_pandas(frame, schema=SCHEMAS[table], preserve_index=False, safe=False)
    return write_parquet_atomically(Path(raw_dir) / SOURCE / table / FILE_NAME, arrow)


def read_inputs(
    query: reading.Query, batches: reading.Batches, settings: Settings
) -> tuple[list[tuple[Sets, ModelSpec]], channels.ChannelTouches]:
    """Each model's sets with its spec, and the touches by channel of their snapshots (train
    joins them), streamed past rather than read whole (reading.py says why)."""
    sets = [(reading.read_sets(query, batches, spec, settings), spec) for spec in SPECS]
    touches = reading.read_touches(query, batches, [rows for four, _ in sets for rows in four])
    return sets, touches


def settings_from(frame: pd.DataFrame) -> Settings:
    row = frame.iloc[0]
    return Settings(
        cutoff_at=pd.Timestamp(row["cutoff_at"]),
        as_of_at=pd.Timestamp(row["as_of_at"]),
        seed=int(row["seed"]),
        max_rows=int(row["max_rows"]),
    )


@multi_asset(
    name="propensity_scores",
    specs=[
        AssetSpec(
            key=propensity_asset_key(table),
            deps=[
                get_asset_key_for_model([dbt_build], model)
                for model in (SETTINGS_MODEL, channels.TABLE, *(spec.table for spec in SPECS))
            ],
            group_name="intermediate",
            kinds={"python", "scikitlearn", "parquet"},
            owners=["team:analytics-engineering"],
            description=description,
        )
        for table, description in DESCRIPTIONS.items()
    ],
)
def propensity_scores(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    """Train before the cutoff, judge after it, refit and score at the as-of time."""
    with warehouse.reading():
        settings = settings_from(warehouse.query(f"select * from intermediate.{SETTINGS_MODEL}"))
        sets, touches = read_inputs(warehouse.query, warehouse.batches, settings)
    results = [run_sets(four, spec, settings, touches) for four, spec in sets]
    for result in results:
        m = result.metrics
        context.log.info(
            f"{m['model']}: {m['algorithm']}, AUC {m['auc']}, Brier {m['brier']}, "
            f"{m['training_rows']} training and {m['evaluation_rows']} evaluation rows"
        )
    for table, frame in tables_from(results).items():
        path = write_table(warehouse.raw_dir, table, frame)
        yield MaterializeResult(
            asset_key=propensity_asset_key(table),
            metadata={
                "path": str(path),
                "dagster/row_count": len(frame),
                **shown_metadata(table, frame),
            },
        )


def shown_metadata(table: str, frame: pd.DataFrame) -> dict[str, object]:
    """What the Dagster UI shows on each build's materialisation: the metrics per model (AUC,
    Brier, top-decile lift, shuffled-label AUC) and the calibration table by decile."""
    if table == METRICS:
        shown: dict[str, object] = {}
        for row in frame.itertuples(index=False):
            for name in ("auc", "brier", "top_decile_lift", "shuffled_auc"):
                value = getattr(row, name)
                if value is not None and not pd.isna(value):
                    shown[f"{row.model}_{name}"] = float(value)
            shown[f"{row.model}_algorithm"] = str(row.algorithm)
        return shown
    if table == CALIBRATION and not frame.empty:
        lines = [
            "| model | decile | rows | mean score | observed rate |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {r.model} | {r.decile} | {r.evaluated_rows} | {r.mean_score:.3f}"
                f" | {r.observed_rate:.3f} |"
                for r in frame.itertuples(index=False)
            ),
        ]
        return {"calibration": MetadataValue.md("\n".join(lines))}
    return {}


propensity_assets = [propensity_scores]
