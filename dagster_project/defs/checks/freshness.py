"""A check that the data is recent: a stalled export must not pass unseen.

The as-of time follows the data (dbt's int_as_of_resolved), so a build on an export that
stopped a month ago reports that month's numbers as if nothing were wrong. This check says
so. It warns and never blocks: old data is still right about its own period.
"""

from __future__ import annotations

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.dbt.assets import dbt_build
from dagster_project.lib.warehouse import WarehouseResource

DIM_ATTRIBUTION_MODELS = get_asset_key_for_model([dbt_build], "dim_attribution_models")


@asset_check(
    asset=DIM_ATTRIBUTION_MODELS,
    blocking=False,
    description=(
        "The data's end (midnight after its latest touch, opportunity change or invoice) is at"
        " most ATTRIBUTION_FRESHNESS_DAYS (default 2) days before the build. Warns, never blocks."
    ),
)
def data_is_fresh(warehouse: WarehouseResource) -> AssetCheckResult:
    clock = warehouse.query(
        "select max(data_ends_at) as data_ends_at, max(built_at) as built_at,"
        " max(as_of_at) as as_of_at, max(as_of_source) as as_of_source"
        " from marts.dim_attribution_models"
    ).iloc[0]
    built_at = pd.Timestamp(clock["built_at"])
    if pd.isna(clock["data_ends_at"]):
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            metadata={"built_at": str(built_at)},
            description="No touch, opportunity or invoice at all: the data has no end to date.",
        )
    data_ends_at = pd.Timestamp(clock["data_ends_at"])
    lag_days = (built_at - data_ends_at) / pd.Timedelta(days=1)
    passed = bool(lag_days <= warehouse.freshness_days)
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "data_ends_at": str(data_ends_at),
            "built_at": str(built_at),
            "as_of_at": str(pd.Timestamp(clock["as_of_at"])),
            "as_of_source": str(clock["as_of_source"]),
            "lag_days": round(float(lag_days), 2),
            "limit_days": warehouse.freshness_days,
        },
        description=None
        if passed
        else (
            f"The data ends {data_ends_at:%Y-%m-%d %H:%M}, {lag_days:.1f} days before this build"
            f" ({built_at:%Y-%m-%d %H:%M} UTC), more than {warehouse.freshness_days:g}: is an"
            " export stalled? The numbers are as of the data's end; ATTRIBUTION_FRESHNESS_DAYS"
            " sets the limit."
        ),
    )


freshness_checks = [data_is_fresh]
