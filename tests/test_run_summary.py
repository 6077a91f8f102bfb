"""The `make run` summary after real runs that fail, and after one on unusual but valid data.

A failed run must say which step failed and why (the exception the step raised, not
Dagster's wrapper, no stack trace), how much did not run, and each failed check in its own
words with its figures and the fix; it never shows a raw database error for a warehouse that
was never built. A small valid export (one open deal, one channel, no targets) prints words
where the tables have nothing to show.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from dagster_project.definitions import build_definitions
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.run_outcome import RunOutcome, run_outcome
from dagster_project.settings import REPO_ROOT
from dagster_project.summary import (
    NO_FITTING_JOURNEYS,
    NO_OPPORTUNITIES,
    NO_REPORTS,
    NO_TARGETS,
    NO_WAREHOUSE,
    NO_WON_DEALS,
    render_summary,
)
from tests.helpers.exports import one_deal
from tests.helpers.shapes import ShapeBuilds
from tests.helpers.warehouse_build import AS_OF, SAMPLE_DIR, BuiltWarehouse, materialize_all

RAW_ERRORS = ("IO Error", "Catalog Error", "Traceback", "DagsterExecutionStepExecutionError")


def _assert_no_raw_error(text: str) -> None:
    for raw in RAW_ERRORS:
        assert raw not in text, f"{raw!r} in the summary:\n{text}"


def _sample_copy(tmp_path: Path) -> Path:
    exports = tmp_path / "exports"
    shutil.copytree(SAMPLE_DIR, exports)
    return exports


def test_a_source_that_cannot_land_is_named_with_its_error(tmp_path: Path) -> None:
    exports = _sample_copy(tmp_path)
    (exports / "crm" / "opportunities.csv").unlink()

    built = materialize_all(tmp_path / "build", exports)
    outcome = run_outcome(built.result)
    text = render_summary(built.resource, outcome)

    assert not outcome.succeeded and outcome.exit_code == 1
    [failure] = outcome.failed_steps
    assert failure.step == "raw/crm/opportunities"
    assert failure.error.startswith(
        "SourceFileError: crm/opportunities: no input found for this required source; expected"
    )
    assert str(exports / "crm" / "opportunities.csv") in failure.error
    lines = text.splitlines()
    assert f"  raw/crm/opportunities: {failure.error}" in lines
    assert "The run FAILED:" in lines
    # Everything downstream of the landing (dbt, its checks, publishing) did not run.
    assert outcome.steps_not_run >= 5
    assert f"  {outcome.steps_not_run} more steps did not run because of it." in lines
    assert outcome.checks_not_run > 100  # dbt's tests and the contribution checks
    assert f"{outcome.checks_not_run} not run (the run stopped before them)" in text
    assert "  -      credits_sum_to_one (not run)" in lines
    # No warehouse was built: said in words, not as DuckDB's "Cannot open database".
    assert not built.warehouse_path.exists()
    assert NO_WAREHOUSE in lines
    _assert_no_raw_error(text)


def test_quarantine_above_the_limit_fails_with_counts_limit_folder_and_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    exports = _sample_copy(tmp_path)
    path = exports / "crm" / "opportunities.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == 673  # the committed sample
    bad = 27  # 4.0%, above the default 1%
    frame.loc[: bad - 1, "currency"] = "XYZ"  # not an ISO 4217 code: quarantined
    frame.to_csv(path, index=False)

    built = materialize_all(tmp_path / "build", exports)
    outcome = run_outcome(built.result)
    text = render_summary(built.resource, outcome)

    [check] = [c for c in outcome.checks if not c.passed]
    assert (check.asset, check.check, check.severity) == (
        "raw/crm/opportunities",
        "quarantine_rate",
        "ERROR",
    )
    folder = built.raw_dir / "_quarantine" / "crm" / "opportunities"
    expected = (
        "raw/crm/opportunities: 27 of 673 rows quarantined (4%), above the 1% limit:"
        f" see {folder}/, or set ATTRIBUTION_QUARANTINE_ERROR_RATE"
    )
    assert check.explanation == expected
    lines = text.splitlines()
    assert "  FAILED [ERROR] raw/crm/opportunities :: quarantine_rate" in lines
    assert f"         {expected}" in lines
    assert f"Checks: {len(outcome.checks) - 1} of {len(outcome.checks)} passed, 1 failed" in text
    # The blocking check stopped the run; its own line says why, no step error is repeated.
    assert outcome.failed_steps == []
    assert "  a blocking check failed (above), so nothing after it was built." in lines
    assert outcome.exit_code == 1
    assert len(list(folder.glob("*.parquet"))) > 0
    _assert_no_raw_error(text)


@pytest.fixture(scope="module")
def small_build(shape_builds: ShapeBuilds) -> BuiltWarehouse:
    """One open deal of one account through one paid-search touch: no won deal, no targets,
    one channel (every source file present, the optional ones with a header only)."""
    return shape_builds["open_deal"].built


def test_a_small_valid_build_prints_words_where_tables_are_empty(
    small_build: BuiltWarehouse,
) -> None:
    outcome = run_outcome(small_build.result)
    # The models, reports and checks all built (the HTML report is another matter).
    steps = {"dbt_build", "data_driven_fit", "propensity_scores", "dbt_after_fits"}
    assert steps <= set(outcome.steps_done)
    assert not [c for c in outcome.checks if c.is_error]
    text = render_summary(small_build.resource, outcome)
    lines = text.splitlines()

    revenue = lines.index("Attributed revenue (USD, won deals) by channel and model")
    assert lines[revenue + 1] == NO_WON_DEALS
    pipeline = lines.index("Attributed pipeline (USD, all deals) by channel and model")
    table = lines[pipeline + 1 : pipeline + 5]
    models = small_build.resource.query("select model from marts.dim_attribution_models")
    assert table[0].split() == ["model", *sorted(models["model"])]
    # One channel; every model credits the one deal's 12,000 USD to it in full.
    assert table[2].split() == ["Paid", "Search", *["12,000"] * len(models)]
    assert table[3].split() == ["TOTAL", *["12,000"] * len(models)]
    assert NO_TARGETS in lines
    assert NO_FITTING_JOURNEYS in lines  # the one deal is open: nothing to fit on
    assert "Plan vs actual" not in text
    for name in ("credits_sum_to_one", "attribution_reconciles_to_crm", "no_credit_outside_window"):
        assert f"  ok     {name}" in lines
    _assert_no_raw_error(text)


def _copy(built: BuiltWarehouse, tmp_path: Path, sql: str) -> WarehouseResource:
    path = tmp_path / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    shutil.copy(built.warehouse_path, path)
    with duckdb.connect(str(path)) as con:
        con.execute(sql)
    return WarehouseResource(source_dir="", raw_dir=str(built.raw_dir), warehouse_path=str(path))


def test_a_warehouse_without_reports_or_opportunities_is_said_in_words(
    small_build: BuiltWarehouse, tmp_path: Path
) -> None:
    without_reports = _copy(small_build, tmp_path / "a", "drop schema reports cascade")
    text = render_summary(without_reports, RunOutcome(succeeded=False))
    assert NO_REPORTS in text.splitlines()
    _assert_no_raw_error(text)

    empty = _copy(small_build, tmp_path / "b", "delete from reports.rpt_attribution_by_channel")
    text = render_summary(empty, RunOutcome(succeeded=True))
    assert NO_OPPORTUNITIES in text.splitlines()
    assert NO_TARGETS in text.splitlines()
    _assert_no_raw_error(text)


def test_a_failed_dbt_test_names_the_test_the_model_the_rows_and_how_to_see_them(
    tmp_path: Path,
) -> None:
    exports = one_deal(status="open")
    exports.opportunity("OPP-2", "ACC-NOWHERE")  # an account the CRM does not have
    source_dir = exports.write(tmp_path / "exports", omit=())
    warehouse = WarehouseResource(
        source_dir=str(source_dir),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
        as_of=AS_OF,
    )
    definitions = build_definitions(warehouse)
    # The whole job: dbt runs a test once any of its parents is selected, so a partial
    # selection would break tests whose other parents it leaves out.
    job = definitions.resolve_job_def("materialize_everything")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    outcome = run_outcome(result)
    text = render_summary(warehouse, outcome)

    test = "relationships_stg_crm__opportunities_account_id__account_id__ref_stg_crm__accounts_"
    [check] = [c for c in outcome.checks if not c.passed]
    assert (check.asset, check.check, check.severity) == (
        "staging/stg_crm__opportunities",
        test,
        "ERROR",
    )
    assert check.explanation == (
        f"dbt test {test} on staging/stg_crm__opportunities: 1 failing row; see them with"
        f" `cd dbt && ../.venv/bin/dbt show --select {test}`"
    )
    assert f"         {check.explanation}" in text.splitlines()
    [failure] = outcome.failed_steps
    assert failure.step == "dbt_build"
    log = Path(warehouse.dbt_target_path) / "dbt.log"
    assert re.fullmatch(
        r"DbtBuildError: dbt build failed: 1 data test failed \(listed with the checks\);"
        rf"(?: \d+ nodes? skipped after them;)? dbt's log: {re.escape(str(log))}",
        failure.error,
    ), failure.error
    assert log.is_file()
    # The reports stand on the data-driven fit, which waits for the first dbt step: a failed
    # first step leaves them unbuilt, and the summary says so in words.
    assert NO_REPORTS in text.splitlines()
    _assert_no_raw_error(text)


def _run_env(root: Path, source_dir: Path) -> dict[str, str]:
    """`make run`'s environment, every path in `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTRIBUTION_", "DBT_"))}
    home = root / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **env,
        "ATTRIBUTION_SOURCE_DIR": str(source_dir),
        "ATTRIBUTION_DATA_DIR": str(root / "data"),
        "ATTRIBUTION_WAREHOUSE_PATH": str(root / "data" / "warehouse.duckdb"),
        "ATTRIBUTION_RAW_DIR": str(root / "data" / "raw"),
        "ATTRIBUTION_AS_OF": AS_OF,
        "DAGSTER_HOME": str(home),
        "DBT_TARGET": "duckdb",
        "DO_NOT_TRACK": "1",
    }


def test_make_run_exits_1_and_prints_the_step_and_its_error(tmp_path: Path) -> None:
    exports = _sample_copy(tmp_path)
    opportunities = exports / "crm" / "opportunities.csv"
    frame = pd.read_csv(opportunities, dtype=str, keep_default_na=False)
    frame.drop(columns=["amount"]).to_csv(opportunities, index=False)

    completed = subprocess.run(
        [sys.executable, "-m", "dagster_project.run"],
        cwd=REPO_ROOT,
        env=_run_env(tmp_path, exports),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert completed.returncode == 1, completed.stdout + completed.stderr[-3000:]
    summary = completed.stdout
    lines = summary.splitlines()
    assert (
        "  raw/crm/opportunities: SourceFileError: crm/opportunities.csv: missing required"
        " column 'amount'"
    ) in lines
    assert "The run FAILED:" in lines
    assert NO_WAREHOUSE in lines
    _assert_no_raw_error(summary)
