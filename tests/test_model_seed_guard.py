"""A bad row in a model-weights seed stops the build, naming the file and the model.

A blank weight used to drop that role's credit silently. The test copies the dbt project,
appends bad rows to both weight seeds and runs a real dbt build of the seeds, their guards and
everything downstream: the build fails with one message per seed naming every bad model and
what is wrong with it, and no credit model runs (dbt skips them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR

BAD_POSITION_ROWS = [
    "blank_lc,P,0.4,,0.4,0,0.2,A blank lead-creation weight",
    "negative_middle,P,0.4,0.4,0,0,-0.2,A negative middle weight",
    "unknown_window,X,1,0,0,0,0,A window that is neither P nor J",
    "all_zero,J,0,0,0,0,0,No positive weight",
]
BAD_LEAD_ROWS = ["blank_middle,0.5,0.5,,A blank middle weight"]
EXPECTED_MESSAGES = [
    "attribution_models.csv: model 'blank_lc' has a blank lead_creation_weight",
    "attribution_models.csv: model 'negative_middle' has a negative middle_weight",
    "attribution_models.csv: model 'unknown_window' has an unknown attribution_window 'X'"
    " (allowed: P, J)",
    "attribution_models.csv: model 'all_zero' has no positive weight",
    "lead_attribution_models.csv: model 'blank_middle' has a blank middle_weight",
]
CREDIT_MODELS = [
    "int_attribution_credits_positioned",
    "int_attribution_credits_decayed",
    "int_attribution_credits_last_non_direct",
    "int_lead_attribution_credits_positioned",
]
SELECTION = [
    "attribution_models",
    "lead_attribution_models",
    "lead_model_for_attribution_model",
    "int_attribution_models_validated+",
    "int_lead_attribution_models_validated+",
]


def _append(seed: Path, rows: list[str]) -> None:
    seed.write_text(seed.read_text().rstrip("\n") + "\n" + "\n".join(rows) + "\n")


def _build(project: Path, warehouse: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {
        **os.environ,
        "ATTRIBUTION_WAREHOUSE_PATH": str(warehouse),
        "ATTRIBUTION_RAW_DIR": str(warehouse.parent / "raw"),
        "DBT_TARGET": "duckdb",
        "DO_NOT_TRACK": "1",
    }
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--select", *SELECTION,
         "--exclude", "resource_type:unit_test"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    results = json.loads((project / "target" / "run_results.json").read_text())
    statuses = {r["unique_id"].split(".")[-1]: r["status"] for r in results["results"]}
    return completed, statuses


def test_bad_weight_rows_fail_the_build_before_any_credit(tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    _append(project / "lookups" / "attribution_models.csv", BAD_POSITION_ROWS)
    _append(project / "lookups" / "lead_attribution_models.csv", BAD_LEAD_ROWS)

    completed, statuses = _build(project, tmp_path / "warehouse.duckdb")

    assert completed.returncode != 0
    output = completed.stdout
    for message in EXPECTED_MESSAGES:
        assert message in output, f"{message!r} not in the dbt output:\n{output[-4000:]}"
    # The sound rows of the committed seeds are not named.
    assert "model 'w_shaped'" not in output and "model 'first_touch'" not in output
    assert statuses["int_attribution_models_validated"] == "error"
    assert statuses["int_lead_attribution_models_validated"] == "error"
    for model in CREDIT_MODELS:
        assert statuses[model] == "skipped", (model, statuses.get(model))


def test_the_committed_seeds_pass_their_guards(tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))

    completed, statuses = _build(project, tmp_path / "warehouse.duckdb")

    assert statuses["int_attribution_models_validated"] == "success", completed.stdout[-3000:]
    assert statuses["int_lead_attribution_models_validated"] == "success", completed.stdout[-3000:]
    # Passed through whole: every row of each seed.
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        for seed in ("attribution_models", "lead_attribution_models"):
            rows = len((project / "lookups" / f"{seed}.csv").read_text().strip().splitlines()) - 1
            (count,) = con.execute(
                f"select count(*) from intermediate.int_{seed}_validated"
            ).fetchone() or (None,)
            assert count == rows, (seed, count, rows)
