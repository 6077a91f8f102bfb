"""dbt models as Dagster assets, in two steps so that blocking checks on the marts gate
the leadership reports: a failing contribution check stops the reports from building."""

import os
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.defs.dbt.project import attribution_dbt_project
from dagster_project.defs.dbt.translator import AttributionDbtTranslator
from dagster_project.lib.warehouse import WarehouseResource

REPORTS_SELECTION = "path:models/reports"


def _build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """dbt reads paths from the environment (profiles.yml, sources), so set them per run."""
    os.environ.update(warehouse.dbt_env())
    warehouse.ensure_dirs()
    yield from dbt.cli(["build", *warehouse.dbt_vars_args()], context=context).stream()


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
