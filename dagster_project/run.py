"""`make run`: materialise every asset on the configured sources, then print a summary.

Runs the `materialize_everything` job in this process against the persistent Dagster
instance (DAGSTER_HOME), so the run and its check results also show in `make dev`; its
events are written through connections kept open for the run (lib/event_log.py).
"""

from __future__ import annotations

import sys

from dagster_project.definitions import defs
from dagster_project.lib.event_log import run_instance
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.run_outcome import run_outcome
from dagster_project.summary import render_summary

# Step-by-step DEBUG events are for the UI; the terminal shows dbt's progress and problems.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def main() -> int:
    job = defs.resolve_job_def("materialize_everything")
    with run_instance() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
        )
    outcome = run_outcome(result)
    warehouse = defs.resources["warehouse"]
    assert isinstance(warehouse, WarehouseResource)
    print(render_summary(warehouse, outcome))
    # A warning (billing to follow up, say) is printed, not an error: the numbers published.
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
