"""dbt models as Dagster assets, in two steps so that blocking checks on the marts gate
the leadership reports: a failing contribution check stops the reports from building."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtCliRuntimeError, DbtCliResource, dbt_assets

from dagster_project.defs.dbt.failures import DbtBuildError, build_failure, explain_test_result
from dagster_project.defs.dbt.project import attribution_dbt_project
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

    Table models (intermediate, marts, reports, semantic) get `dagster/row_count` so the UI
    shows each one's size; views (staging) and seeds are not counted. Only on DuckDB:
    there dagster-dbt waits for `dbt build` to end (DuckDB allows one writer, so the
    events reach Dagster when the step ends, not model by model) and then counts through a
    read-only dbt adapter in this process, a second or two for the sample. On Spark
    (`session` method) counting would start a second Spark session in this process
    against the embedded Derby metastore that the dbt subprocess holds, so it stays off.
    """
    os.environ.update(warehouse.dbt_env())
    warehouse.ensure_dirs()
    invocation = dbt.cli(
        warehouse.dbt_build_args(), context=context, target_path=Path(warehouse.dbt_target_path)
    )
    on_duckdb = warehouse.dbt_target == "duckdb"
    events = invocation.stream().fetch_row_counts() if on_duckdb else invocation.stream()
    try:
        # A failed test says which, where and how to see its rows; a failed build, which nodes.
        for event in events:
            yield explain_test_result(event)
    except DagsterDbtCliRuntimeError as error:
        raise DbtBuildError(build_failure(invocation, error)) from error
    finally:
        if on_duckdb:
            _close_duckdb_adapter()


def _close_duckdb_adapter() -> None:
    """Close the read-only DuckDB database that dbt-duckdb's adapter counted rows through.

    dbt-duckdb keeps it open in this process after its last cursor closes; the checks
    that run next in the same process (in-process executor, tests) then open the same
    file with other settings and DuckDB refuses ("different configuration").
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        environment = DuckDBConnectionManager.env()
    except Exception:  # no connection was ever opened (dbt failed first): nothing to close
        return
    environment.close()
    DuckDBConnectionManager.close_all_connections()


@dbt_assets(
    manifest=attribution_dbt_project.manifest_path,
    project=attribution_dbt_project,
    dagster_dbt_translator=AttributionDbtTranslator(),
    exclude=REPORTS_SELECTION,
    name="attribution_dbt_models",
)
def attribution_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Seeds, staging, intermediate and the public marts, with their dbt tests."""
    yield from _build(context, dbt, warehouse)


@dbt_assets(
    manifest=attribution_dbt_project.manifest_path,
    project=attribution_dbt_project,
    dagster_dbt_translator=AttributionDbtTranslator(),
    select=REPORTS_SELECTION,
    name="leadership_reports",
)
def leadership_reports(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Reports for the CMO and CRO; built only after the marts' blocking checks pass."""
    yield from _build(context, dbt, warehouse)
