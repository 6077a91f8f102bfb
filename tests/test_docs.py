"""`make docs`: dbt's documentation of the built warehouse as one self-contained page, with
the exposures that say who reads which marts and reports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from dagster_project.defs.checks import contribution, revenue
from dagster_project.defs.publish import report_data
from dagster_project.settings import DBT_PROJECT_DIR
from tests.helpers.warehouse_build import BuiltWarehouse


def test_docs_show_every_public_table_and_who_reads_it(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **built_warehouse.resource.dbt_env(),
        "DBT_TARGET_PATH": str(tmp_path),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [str(dbt), "docs", "generate", "--static", "--quiet"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    page = (tmp_path / "static_index.html").read_text()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) == {"serving_database", "weekly_revenue_review", "leadership_report"}
    review = exposures["weekly_revenue_review"]
    assert review["owner"]["name"] == "Revenue operations"
    assert "model.attribution.rpt_plan_vs_actual" in review["depends_on"]["nodes"]
    # Every report is read by the review; every public mart by the serving database.
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    reports = {f"model.attribution.{n['name']}" for n in models if n["schema"] == "reports"}
    marts = {f"model.attribution.{n['name']}" for n in models if n["schema"] == "marts"}
    assert reports <= set(review["depends_on"]["nodes"])
    assert marts <= set(exposures["serving_database"]["depends_on"]["nodes"])
    # The report's exposure lists exactly the tables its code and its checks read.
    read = {
        f"model.attribution.{name}"
        for module in (report_data, contribution, revenue)
        for name in re.findall(r"\b(?:marts|reports)\.(\w+)", Path(module.__file__).read_text())
    }
    assert set(exposures["leadership_report"]["depends_on"]["nodes"]) == read
    # The catalog comes from the real warehouse: columns and their types are there.
    documented = {node["metadata"]["name"]: node for node in catalog["nodes"].values()}
    assert "attainment" in documented["rpt_plan_vs_actual"]["columns"]
    assert "weekly_revenue_review" in page and "rpt_channel_roi" in page
