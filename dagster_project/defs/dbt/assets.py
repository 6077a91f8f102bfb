"""dbt models as Dagster assets, in two steps so that blocking checks on the marts gate
the dbt reports: a failing contribution check stops the reports from building.

`dbt_marts` builds seeds, staging, intermediate, marts and the semantic layer; `dbt_reports`
builds every model under models/reports (the rpt_ tables).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtCliRuntimeError, DbtCliResource, dbt_assets

from dagster_project.defs.dbt.failures import DbtBuildError, build_failure, explain_test_result
from dagster_project.defs.dbt.project import attribution_dbt_project, manifest_path
from dagster_project.defs.dbt.row_counts import with_row_counts
from dagster_project.defs.dbt.translator import AttributionDbtTranslator
from dagster_project.lib.warehouse import WarehouseResource

REPORTS_SELECTION = "path:models/reports"


def _build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """dbt reads paths from the environment (profiles.yml, sources), so set them per run.

    Both dbt steps of a run share one target folder per warehouse (WarehouseResource.
    dbt_target_path), so the second step, and the next run on the same warehouse, reuse the
    first one's parse (dbt's partial parsing) instead of parsing the whole project again:
    dagster-dbt's default, a new folder per invocation, parses in full whenever the warehouse
    differs from the one `dbt parse` saw (every test, every user-chosen path).

    On DuckDB, table models (intermediate, marts, reports, semantic) get `dagster/row_count`
    so the UI shows each one's size (row_counts.py); their events reach Dagster when dbt
    ends, as DuckDB allows one writer. On Spark (`session` method) counting would start a
    second Spark session in this process against the embedded Derby metastore that the dbt
    subprocess holds, so events stream as dbt emits them, uncounted.
    """
    os.environ.update(warehouse.dbt_env())
    warehouse.ensure_dirs()
    invocation = dbt.cli(
        warehouse.dbt_build_args(), context=context, target_path=Path(warehouse.dbt_target_path)
    )
    # A failed test says which, where and how to see its rows; a failed build, which nodes.
    events = (explain_test_result(event) for event in invocation.stream())
    counted = warehouse.dbt_target == "duckdb"
    built: list[Any] = []
    failure: DagsterDbtCliRuntimeError | None = None
    try:
        for event in events:
            if counted:
                built.append(event)
            else:
                yield event
    except DagsterDbtCliRuntimeError as error:
        failure = error
    _keep_run_results(Path(warehouse.dbt_target_path), context.op_def.name)
    # What dbt built before it failed is still materialised, with its size.
    yield from with_row_counts(built, invocation.manifest, warehouse)
    if failure is not None:
        raise DbtBuildError(build_failure(invocation, failure)) from failure


def _keep_run_results(target_path: Path, step: str) -> None:
    """Both steps write run_results.json in the one target folder; a copy per step keeps each
    one's node timings (benchmarks/bench_scale.py splits a run's time with them)."""
    results = target_path / "run_results.json"
    if results.exists():
        shutil.copyfile(results, target_path / f"run_results.{step}.json")


@dbt_assets(
    manifest=manifest_path(),
    project=attribution_dbt_project,
    dagster_dbt_translator=AttributionDbtTranslator(),
    exclude=REPORTS_SELECTION,
    name="dbt_marts",
)
def dbt_marts(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Seeds, staging, intermediate, the public marts and the semantic layer, with their dbt
    tests."""
    yield from _build(context, dbt, warehouse)


@dbt_assets(
    manifest=manifest_path(),
    project=attribution_dbt_project,
    dagster_dbt_translator=AttributionDbtTranslator(),
    select=REPORTS_SELECTION,
    name="dbt_reports",
)
def dbt_reports(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """The rpt_ report tables for the CMO and CRO; built only after the marts' blocking checks
    pass."""
    yield from _build(context, dbt, warehouse)
