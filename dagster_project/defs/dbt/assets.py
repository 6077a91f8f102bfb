"""Every dbt seed, model and test as Dagster assets and checks, built in two steps around
the Python fits.

`dbt_build` builds everything the fits do not feed; the data_driven_fit asset (a small
solve in Python, defs/data_driven) reads its journeys and writes the source `data_driven`, and
the propensity_scores asset (scikit-learn, defs/propensity) reads the propensity features and
writes the source `propensity`; `dbt_after_fits` builds what reads those sources. Each step
costs a dbt start-up and a load of the saved parse (about 5 s on the sample), so there are no
more steps than that: a separate step for the reports bought nothing a reader sees. Readers
never open the warehouse: what the blocking checks gate is the serving database and the
leadership report, which start only once the checks passed, and dbt itself skips every model
downstream of a failed test.
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

FITTED_SELECTION = "source:data_driven+ source:propensity+"


def _build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """dbt reads paths from the environment (profiles.yml, sources), so they are set per run.

    Every run on a warehouse uses one target folder (WarehouseResource.dbt_target_path), so
    the next run on the same warehouse reuses this one's parse (dbt's partial parsing)
    instead of parsing the whole project again:
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
    exclude=FITTED_SELECTION,
    name="dbt_build",
)
def dbt_build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Lookups, staging, intermediate, the public marts, the reports and the semantic layer,
    with their dbt tests: all but what reads the Python fits."""
    yield from _build(context, dbt, warehouse)


@dbt_assets(
    manifest=manifest_path(),
    project=attribution_dbt_project,
    dagster_dbt_translator=AttributionDbtTranslator(),
    select=FITTED_SELECTION,
    name="dbt_after_fits",
)
def dbt_after_fits(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """What reads the Python fits (the sources `data_driven` and `propensity`), with its dbt
    tests."""
    yield from _build(context, dbt, warehouse)


DBT_STEPS = (dbt_build, dbt_after_fits)
