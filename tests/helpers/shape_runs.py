"""One user's first run on exports of a given shape, end to end, and what it must deliver.

`run_shape` writes the exports, runs the whole Dagster job (landing, dbt, checks, publishing,
the leadership report) into a temp directory, then gathers every output a user reads: the
report page, the `make run` summary and an answer of the semantic layer. `assert_delivers`
is what "the run never breaks on valid data" means: the job succeeds, every blocking check
passes, every public table is published, and each output renders without an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from dagster import AssetCheckSeverity

from dagster_project.run_outcome import run_outcome
from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.summary import render_summary
from tests.helpers.exports import Exports
from tests.helpers.warehouse_build import BuiltWarehouse, materialize_all

BIN = Path(sys.executable).parent
# One question that touches every semantic model: attribution, pipeline, spend, funnel.
SEMANTIC_METRICS = (
    "attributed_revenue",
    "pipeline",
    "sourced_pipeline",
    "marketing_spend",
    "roas",
    "win_rate",
    "lead_to_mql_rate",
)
RAW_ERRORS = ("Traceback", "Error:", "IO Error", "Catalog Error", "Binder Error", " nan ", " NaN")


@dataclass(frozen=True)
class ShapeRun:
    """A finished run on one shape and every output a user reads."""

    build: BuiltWarehouse
    report_html: str
    summary: str

    @property
    def serving(self) -> Path:
        return Path(self.build.resource.serving_database_path)

    def query(self, sql: str) -> pd.DataFrame:
        """Read the published serving database, as a BI tool would."""
        with duckdb.connect(str(self.serving), read_only=True) as con:
            return con.execute(sql).df()

    def scalar(self, sql: str) -> object:
        return self.query(sql).iloc[0, 0]


def run_shape(
    exports: Exports,
    root: Path,
    *,
    fmt: str = "csv",
    omit: tuple[str, ...] | None = None,
    as_of: str | None = None,
) -> ShapeRun:
    """Write the exports under `root`, run the whole job on them and collect its outputs."""
    source = exports.write(root / "exports", fmt=fmt, omit=omit)
    return outputs_of(materialize_all(root / "build", source, as_of=as_of))


def outputs_of(build: BuiltWarehouse) -> ShapeRun:
    """Every output a user reads of a finished run: the report page and the summary."""
    report = Path(build.resource.leadership_report_path)
    return ShapeRun(
        build=build,
        report_html=report.read_text(encoding="utf-8") if report.exists() else "",
        summary=render_summary(build.resource, run_outcome(build.result)),
    )


def _failed_steps(build: BuiltWarehouse) -> list[str]:
    return [
        f"{event.step_key}: {event.event_specific_data.error.message.strip()[:2000]}"
        for event in build.result.all_events
        if event.event_type_value == "STEP_FAILURE"
    ]


def assert_delivers(run: ShapeRun) -> None:
    """The run succeeded, its blocking checks passed, and every output a user reads rendered."""
    build = run.build
    assert build.result.success, "\n".join(_failed_steps(build))
    failed = [
        f"{e.asset_key.to_user_string()} :: {e.check_name}"
        for e in build.result.get_asset_check_evaluations()
        if not e.passed and e.severity == AssetCheckSeverity.ERROR
    ]
    assert failed == [], failed
    # Every public table of the warehouse is in the serving database, row for row.
    with duckdb.connect(str(build.warehouse_path), read_only=True) as con:
        built = dict(
            con.execute(
                "select schema_name || '.' || table_name, estimated_size from duckdb_tables()"
                " where schema_name in ('marts', 'reports')"
            ).fetchall()
        )
    published = run.query(
        "select schema_name || '.' || table_name as name from duckdb_tables()"
        " where schema_name in ('marts', 'reports')"
    )
    assert set(published["name"]) == set(built)
    # The report and the summary rendered, and neither shows a raw error to its reader.
    assert "</html>" in run.report_html
    assert "Attribution summary" in run.summary
    for text in RAW_ERRORS:
        assert text not in run.summary, f"summary shows {text!r}:\n{run.summary}"


def semantic_project(root: Path, build: BuiltWarehouse) -> Path:
    """A parsed copy of the dbt project (MetricFlow reads target/ under the project it runs in)."""
    project = root / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet"],
        cwd=project,
        env={**os.environ, **build.resource.dbt_env()},
        check=True,
    )
    return project


def ask_semantic_layer(project: Path, run: ShapeRun) -> pd.DataFrame:
    """`mf query` on the run's warehouse, as a user would: metrics of every semantic model by
    month (attribution summed over models, which only a smoke test may do), checked against
    the marts' total pipeline."""
    out = project / "answer.csv"
    out.unlink(missing_ok=True)
    completed = subprocess.run(
        [
            str(BIN / "mf"),
            "query",
            "--metrics",
            ",".join(SEMANTIC_METRICS),
            "--group-by",
            "metric_time__month",
            "--csv",
            str(out),
            "--quiet",
        ],
        cwd=project,
        env={**os.environ, **run.build.resource.dbt_env()},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    answer = pd.read_csv(out)
    pipeline = run.scalar("select coalesce(sum(amount_usd), 0) from marts.dim_opportunities")
    assert abs(float(answer["pipeline"].fillna(0).sum()) - float(pipeline)) < 0.005
    return answer
