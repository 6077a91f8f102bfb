"""What a failed dbt build tells the user: which nodes failed and how to see why.

dagster-dbt reports a failed `dbt build` as "The dbt CLI process with command ... failed
with exit code 1. Check the stdout in the Dagster compute logs ..."; the nodes that failed and
their messages are in dbt's run_results.json. A failed dbt test reaches Dagster as an asset
check result with its failing row count but no words; it gets a description here, so the
UI and the `make run` summary say which test, on which model, how many rows, and how to
see them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagster import AssetCheckResult
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

from dagster_project.lib.files import shown_path

FAILED_ROW_COUNT = "dagster_dbt/failed_row_count"
SHOW_COMMAND = "cd dbt && ../.venv/bin/dbt show --select"


class DbtBuildError(RuntimeError):
    """dbt build failed; the message names the failed nodes and dbt's log."""


def explain_test_result(event: Any) -> Any:
    """A failed dbt test's check result, with a one-line description; any other event as is."""
    if not isinstance(event, AssetCheckResult) or event.passed:
        return event
    failing = event.metadata.get(FAILED_ROW_COUNT)
    count = getattr(failing, "value", failing)
    rows = "failing rows" if count is None else f"{count} failing row{'s' * (count != 1)}"
    model = event.asset_key.to_user_string() if event.asset_key else "its model"
    return event._replace(
        description=(
            f"dbt test {event.check_name} on {model}: {rows}; see them with"
            f" `{SHOW_COMMAND} {event.check_name}`"
        )
    )


def _node_name(unique_id: str) -> str:
    """`model.attribution.stg_x` -> `model stg_x`; `test.attribution.unique_x.1a2b` -> `test
    unique_x`."""
    kind, _, rest = unique_id.partition(".")
    parts = rest.split(".")
    name = parts[1] if len(parts) > 1 else rest
    return f"{kind.replace('_', ' ')} {name}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _first_lines(message: str | None) -> str:
    """dbt's first line says where ("Runtime Error in model x (path)"), the second what."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    return ": ".join(lines[:2]) or "no message"


def build_failure(invocation: DbtCliInvocation, error: Exception) -> str:
    """One line: what failed in the build (from run_results.json) and where dbt's log is."""
    # The target path is relative to the dbt project (dbt runs there), not to this process.
    target = Path(invocation.project_dir) / invocation.target_path
    log = target / "dbt.log"
    where = f"; dbt's log: {shown_path(log)}" if log.exists() else ""
    try:
        results = json.loads((target / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        # dbt stopped before running any node (a parse or compile error): its own words.
        _, _, parsed = str(error).partition("Errors parsed from dbt logs:")
        return f"dbt build failed before running any model: {_first_lines(parsed)}{where}"
    # A data test that fails has its own check (and explanation); anything else that broke
    # (a model, a seed, a unit test, a test that could not run) is named here.
    failed_tests = [
        r for r in results if r.get("status") == "fail" and r["unique_id"].startswith("test.")
    ]
    broken = [
        r
        for r in results
        if r.get("status") == "error"
        or (r.get("status") == "fail" and not r["unique_id"].startswith("test."))
    ]
    skipped = sum(1 for r in results if r.get("status") == "skipped")
    parts = []
    if broken:
        first = broken[0]
        parts.append(
            f"{_plural(len(broken), 'node')} broke, first {_node_name(first['unique_id'])}:"
            f" {_first_lines(first.get('message'))}"
        )
    if failed_tests:
        parts.append(f"{_plural(len(failed_tests), 'data test')} failed (listed with the checks)")
    if skipped:
        parts.append(f"{_plural(skipped, 'node')} skipped after them")
    return "dbt build failed: " + ("; ".join(parts) or "see dbt's output above") + where
