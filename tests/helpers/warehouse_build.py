"""Builds a real warehouse with Dagster: the full job on an ephemeral instance."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

from dagster import AssetSelection, DagsterInstance, ExecuteInProcessResult

os.environ.setdefault("DO_NOT_TRACK", "1")

from dagster_project.definitions import build_definitions
from dagster_project.defs.groups import REPORTS
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.settings import REPO_ROOT

SAMPLE_DIR = REPO_ROOT / "seeds"
# What the attribution comparisons read: building only these (and what they stand on) keeps
# the reference tests from paying for every report, at scale above all.
ATTRIBUTION_MARTS = (
    "fct_touchpoints",
    "fct_attribution",
    "fct_lead_attribution",
    "dim_opportunities",
)
# The sample's as-of time: its data ends on 2026-09-30, so its own clock (the default) says
# midnight after; tests that build other data pass theirs or read it from the build.
AS_OF = "2026-10-01 00:00:00"


@dataclass(frozen=True)
class BuildParameters:
    """Where a warehouse is and the attribution parameters it was built with."""

    warehouse_path: Path
    raw_dir: Path
    as_of: str
    lookback_days: int
    half_life_days: float
    scope: str


@dataclass(frozen=True)
class BuiltWarehouse(BuildParameters):
    """A warehouse built from the sample by a real Dagster run."""

    resource: WarehouseResource
    result: ExecuteInProcessResult


def materialize_all(
    root: Path,
    source_dir: Path = SAMPLE_DIR,
    *,
    dbt_target: str = "duckdb",
    lookback_days: int | None = None,
    scope: str | None = None,
    half_life_days: float | None = None,
    as_of: str | None = None,
    marts_only: bool = False,
    dbt_unit_tests: bool = False,
    dbt_data_tests: bool = True,
    spark_port: int | None = None,
    spark_query_timeout: float | None = None,
) -> BuiltWarehouse:
    """Run the full `materialize_everything` job into `root` on an ephemeral instance.

    The attribution vars left as None keep dbt_project.yml's defaults (365, account, 7).
    `marts_only` stops after the marts (landing, models, their checks): no leadership
    reports, no publish. The attribution comparisons read only marts, and at scale the
    reports would cost minutes they do not need. `spark_port`: the Thrift endpoint on
    127.0.0.1 of a `spark_thrift` build, `spark_query_timeout` how long a statement there
    may run.
    """
    warehouse = WarehouseResource(
        source_dir=str(source_dir),
        raw_dir=str(root / "raw"),
        warehouse_path=str(root / "warehouse.duckdb"),
        dbt_target=dbt_target,
        as_of=as_of,
        lookback_days=lookback_days,
        scope=scope,
        half_life_days=half_life_days,
        dbt_unit_tests=dbt_unit_tests,
        dbt_data_tests=dbt_data_tests,
        **({"spark_port": spark_port} if spark_port is not None else {}),
        **({"spark_query_timeout": spark_query_timeout} if spark_query_timeout else {}),
    )
    definitions = build_definitions(warehouse)
    job = definitions.resolve_job_def("materialize_everything")
    selection = None
    if marts_only:
        # dagster-dbt builds the subset of the dbt step. dbt's `cautious` indirect selection
        # leaves out the tests that also read a report (dbt's default runs a test once any
        # of its parents is selected).
        skipped = AssetSelection.groups(REPORTS).downstream()
        graph = definitions.resolve_asset_graph()
        selection = sorted((AssetSelection.all() - skipped).resolve(graph))
    indirect = {"DBT_INDIRECT_SELECTION": "cautious"} if marts_only else {}
    with DagsterInstance.ephemeral() as instance, patch.dict(os.environ, indirect):
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=selection
        )
    if as_of is None and warehouse.has_table("marts.dim_attribution_models"):
        # The data's own clock, as dbt resolved it (int_as_of_resolved).
        resolved = warehouse.query(
            "select max(as_of_at) as as_of from marts.dim_attribution_models"
        )
        as_of = str(resolved["as_of"].iloc[0])
    return BuiltWarehouse(
        warehouse_path=Path(warehouse.warehouse_path),
        raw_dir=Path(warehouse.raw_dir),
        as_of=as_of or "",
        lookback_days=365 if lookback_days is None else lookback_days,
        half_life_days=7.0 if half_life_days is None else half_life_days,
        scope="account" if scope is None else scope,
        resource=warehouse,
        result=result,
    )
