"""Every dbt unit test, run once per `make test` against the session's warehouse.

Unit tests check SQL logic on fixed fixtures, so production builds leave them out (dbt's own
advice); here they run on DuckDB, and tests/test_spark.py runs them on Spark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from warehouse_build import BuiltWarehouse

from dagster_project.settings import DBT_PROJECT_DIR

BIN = Path(sys.executable).parent


def test_every_dbt_unit_test_passes(built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            str(BIN / "dbt"),
            "test",
            "--resource-type",
            "unit_test",
            "--target-path",
            str(tmp_path / "target"),
            *built_warehouse.resource.dbt_vars_args(),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **built_warehouse.resource.dbt_env()},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout[-5000:] + completed.stderr[-2000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert len(unit_tests) == len(manifest["unit_tests"]) > 0
    assert {r["status"] for r in unit_tests} == {"pass"}
