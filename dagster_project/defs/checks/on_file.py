"""Running the Python asset checks on one DuckDB file outside a Dagster run.

Publishing runs the blocking checks on the staged copy before swapping it in; the
leadership report re-runs them on the published file it shows. Both go through here, so
"the checks passed on this file" means the same thing in both places.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSpec

from dagster_project.lib.warehouse import WarehouseResource


def run_checks_on(
    path: Path | str,
    checks: Iterable[AssetChecksDefinition],
    *,
    has_staging: bool,
    freshness_days: float | None = None,
) -> list[tuple[AssetCheckSpec, AssetCheckResult]]:
    """Each check (one spec per definition) evaluated against the marts in `path`.

    `has_staging`: the file is a warehouse with dbt's staging layer, so checks also reconcile
    the marts to the CRM as landed; a published copy holds only marts and reports.
    `freshness_days`: the run's freshness limit (default: the resource's).
    """
    limit = {} if freshness_days is None else {"freshness_days": freshness_days}
    reader = WarehouseResource(
        source_dir="", raw_dir="", warehouse_path=str(path), has_staging=has_staging, **limit
    )
    results = []
    with reader.reading():
        for check in checks:
            (spec,) = check.check_specs
            results.append((spec, check(warehouse=reader)))
    return results
