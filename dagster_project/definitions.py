"""The one Definitions object: ingestion, dbt models and reports, checks, the full job."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
)

from dagster_project.defs.checks.contribution import contribution_checks
from dagster_project.defs.checks.freshness import freshness_checks
from dagster_project.defs.checks.revenue import revenue_checks
from dagster_project.defs.data_driven.assets import data_driven_assets
from dagster_project.defs.dbt.assets import DBT_STEPS
from dagster_project.defs.dbt.project import DBT_EXECUTABLE, attribution_dbt_project
from dagster_project.defs.dbt.resource import AttributionDbtCliResource
from dagster_project.defs.ingest.assets import ingestion_assets
from dagster_project.defs.ingest.checks import ingestion_checks
from dagster_project.defs.ingest.log import ingestion_log_assets
from dagster_project.defs.ingest.sensors import new_source_files
from dagster_project.defs.propensity.assets import propensity_assets
from dagster_project.defs.publish.assets import publish_assets
from dagster_project.defs.publish.report import report_assets
from dagster_project.lib.warehouse import WarehouseResource

materialize_everything = define_asset_job(
    name="materialize_everything",
    selection=AssetSelection.all() | AssetSelection.all_asset_checks(),
    description="Land every source, build every dbt model and report, run every check.",
)

# Exports arrive overnight; leadership reads the numbers in the morning (UTC).
daily_materialization = ScheduleDefinition(
    name="daily_materialization",
    job=materialize_everything,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 06:00 UTC: land, build, check and publish everything.",
)


def build_definitions(warehouse: WarehouseResource | None = None) -> Definitions:
    """Definitions for a given warehouse (tests pass a temporary one)."""
    warehouse = warehouse or WarehouseResource.from_settings()
    return Definitions(
        assets=[
            *ingestion_assets,
            *ingestion_log_assets,
            *DBT_STEPS,
            *data_driven_assets,
            *propensity_assets,
            *publish_assets,
            *report_assets,
        ],
        asset_checks=[
            *ingestion_checks,
            *contribution_checks,
            *revenue_checks,
            *freshness_checks,
        ],
        jobs=[materialize_everything],
        schedules=[daily_materialization],
        sensors=[new_source_files],
        resources={
            # The dbt of this interpreter's environment, whether or not .venv/bin is on PATH.
            "dbt": AttributionDbtCliResource(
                project_dir=attribution_dbt_project,
                dbt_executable=DBT_EXECUTABLE,
                target=warehouse.dbt_target,
            ),
            "warehouse": warehouse,
        },
    )


defs = build_definitions()
