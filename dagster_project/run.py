"""`make run`: materialise every asset on the configured sources, then print a summary.

Runs the `materialize_everything` job in this process against the persistent Dagster
instance (DAGSTER_HOME), so the run and its check results also show in `make dev`.
"""

from __future__ import annotations

import sys

from dagster import DagsterInstance

from dagster_project.definitions import defs
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.summary import CheckOutcome, render_summary

# Step-by-step DEBUG events are for the UI; the terminal shows dbt's progress and problems.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def main() -> int:
    job = defs.resolve_job_def("materialize_everything")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
        )
    outcomes = [
        CheckOutcome(
            asset=evaluation.asset_key.to_user_string(),
            check=evaluation.check_name,
            passed=evaluation.passed,
            severity=evaluation.severity.value,
        )
        for evaluation in result.get_asset_check_evaluations()
    ]
    warehouse = defs.resources["warehouse"]
    assert isinstance(warehouse, WarehouseResource)
    print(render_summary(warehouse, outcomes, run_ok=result.success))
    # A warning (billing to follow up, say) is printed, not an error: the numbers published.
    errors = [o for o in outcomes if not o.passed and o.severity != "WARN"]
    return 0 if result.success and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
