"""The whole pipeline for real: Dagster materialises the sample into a temp warehouse.

No mocks: ingestion lands real files, dbt builds on DuckDB, the checks query the marts.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from dagster_project.defs.checks.contribution import (
    attribution_reconciles_to_crm,
    credits_sum_to_one,
    no_credit_outside_window,
    sourced_within_influenced_within_total,
)
from dagster_project.defs.dbt.translator import raw_asset_key
from dagster_project.defs.ingest.assets import ingestion_assets
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.settings import DBT_PROJECT_DIR
from tests.helpers.warehouse_build import SAMPLE_DIR, BuiltWarehouse

MODELS = {
    "first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path", "time_decay",
    "j_shaped", "inverse_j", "last_non_direct", "markov", "shapley",
}  # fmt: skip


def _frame(path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


def test_every_asset_and_check_succeeds(built_warehouse: BuiltWarehouse) -> None:
    result = built_warehouse.result
    failures = [event.step_key for event in result.all_events if event.is_step_failure]
    assert result.success, f"failed steps: {failures}"
    materialized = {event.asset_key for event in result.all_events if event.is_step_materialization}
    planned = set(result.job_def.asset_layer.executable_asset_keys)
    assert planned - materialized == set()
    evaluations = result.get_asset_check_evaluations()
    failed = {e.check_name: e for e in evaluations if not e.passed}
    # The sample ends on 2026-09-30: built any later than 2026-10-03, its data is stale, and the
    # freshness check says so (a warning) while every other check passes.
    assert set(failed) <= {"data_is_fresh"}
    if "data_is_fresh" in failed:
        assert failed["data_is_fresh"].severity.value == "WARN"
        assert (failed["data_is_fresh"].description or "").startswith(
            "The data ends 2026-10-01 00:00, "
        )
    names = {e.check_name for e in evaluations}
    assert {
        "credits_sum_to_one",
        "attribution_reconciles_to_crm",
        "no_credit_outside_window",
        "sourced_within_influenced_within_total",
    } <= names
    assert len(evaluations) > 50  # every dbt test surfaces as a check too


def test_ingestion_assets_report_rows_and_files(built_warehouse: BuiltWarehouse) -> None:
    metadata = {
        event.asset_key: event.materialization.metadata
        for event in built_warehouse.result.all_events
        if event.is_step_materialization
    }
    for contract in SOURCE_CONTRACTS.values():
        entry = metadata[raw_asset_key(contract.family, contract.name)]
        assert entry["dagster/row_count"].value > 0, contract.qualified_name
        files = entry["source_files"].value
        assert files and all(f.startswith(f"{contract.family}/{contract.name}") for f in files)
    sessions = metadata[AssetKey(["raw", "campaign", "web_sessions"])]
    assert len(sessions["source_files"].value) > 1  # a folder of daily drops, read together
    landed = pd.read_parquet(built_warehouse.raw_dir / "crm" / "opportunities")
    with (SAMPLE_DIR / "crm" / "opportunities.csv").open(newline="") as handle:
        assert len(landed) == sum(1 for _ in csv.DictReader(handle))


def test_public_marts_are_complete(built_warehouse: BuiltWarehouse) -> None:
    path = built_warehouse.warehouse_path
    opportunities = _frame(path, "select * from marts.dim_opportunities")
    raw = pd.read_parquet(built_warehouse.raw_dir / "crm" / "opportunities")
    assert set(opportunities["opportunity_id"]) == set(raw["opportunity_id"])
    assert opportunities["amount_usd"].notna().all()
    assert (opportunities["is_marketing_sourced"] <= opportunities["is_marketing_influenced"]).all()
    attribution = _frame(path, "select * from marts.fct_attribution")
    assert set(attribution["model"]) == MODELS
    per_model = attribution.groupby("model")["opportunity_id"].nunique()
    assert (per_model == len(opportunities)).all()
    unattributed = attribution[attribution["touchpoint_id"].isna()]
    assert (unattributed["channel"] == "(unattributed)").all()
    assert (unattributed["credit"] == 1.0).all()
    touchpoints = _frame(path, "select * from marts.fct_touchpoints")
    assert set(touchpoints["touch_type"]) == {"web_session", "form_fill", "campaign_response"}
    assert not any("email" in column for column in touchpoints.columns)
    report = _frame(path, "select * from reports.rpt_attribution_by_channel")
    totals = report.groupby("model")["attributed_revenue_usd"].sum()
    won = opportunities.loc[opportunities["is_won"], "amount_usd"].sum()
    assert (totals - won).abs().max() < 0.01


def test_dbt_project_runs_alone_against_the_warehouse(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """`cd dbt && dbt build` after ingestion, with nothing but the profile's env vars.

    A plain `dbt build` also runs every dbt unit test (production builds through Dagster
    leave them out: they check SQL logic on fixed fixtures, not the data), so this is where
    `make test` proves each one passes on DuckDB; tests/test_spark.py runs them on Spark."""
    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(built_warehouse.warehouse_path, warehouse)
    env = {
        **os.environ,
        "ATTRIBUTION_WAREHOUSE_PATH": str(warehouse),
        "ATTRIBUTION_RAW_DIR": str(built_warehouse.raw_dir),
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [
            str(dbt),
            "build",
            "--target-path",
            str(tmp_path / "target"),
            "--vars",
            f"{{as_of: '{built_warehouse.as_of}'}}",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "ERROR=0" in completed.stdout
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert len(unit_tests) == len(manifest["unit_tests"]) > 0
    assert {r["status"] for r in unit_tests} == {"pass"}


def test_missing_required_column_fails_its_asset_naming_file_and_column(tmp_path: Path) -> None:
    source_dir = tmp_path / "exports"
    shutil.copytree(SAMPLE_DIR, source_dir)
    opportunities = source_dir / "crm" / "opportunities.csv"
    frame = pd.read_csv(opportunities, dtype=str, keep_default_na=False)
    frame.drop(columns=["amount"]).to_csv(opportunities, index=False)
    warehouse = WarehouseResource(
        source_dir=str(source_dir),
        raw_dir=str(tmp_path / "raw"),
        warehouse_path=str(tmp_path / "warehouse.duckdb"),
    )
    asset = next(a for a in ingestion_assets if raw_asset_key("crm", "opportunities") in a.keys)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [asset], resources={"warehouse": warehouse}, instance=instance, raise_on_error=False
        )
    assert not result.success
    message = str(result.all_events[-1].event_specific_data)
    assert "crm/opportunities.csv" in message
    assert "'amount'" in message


@pytest.fixture
def tampered(built_warehouse: BuiltWarehouse, tmp_path: Path) -> WarehouseResource:
    """A copy of the built warehouse, for checks to be proven able to fail."""
    path = tmp_path / "tampered.duckdb"
    shutil.copy(built_warehouse.warehouse_path, path)
    return WarehouseResource(
        source_dir=str(SAMPLE_DIR), raw_dir=str(built_warehouse.raw_dir), warehouse_path=str(path)
    )


def _tamper(warehouse: WarehouseResource, sql: str) -> None:
    with duckdb.connect(warehouse.warehouse_path) as con:
        con.execute(sql)


def _first_credited_row(warehouse: WarehouseResource, model: str) -> tuple[str, str]:
    row = warehouse.query(
        "select opportunity_id, touchpoint_id from marts.fct_attribution"
        " where model = ? and touchpoint_id is not null order by 1, 2 limit 1",
        [model],
    )
    return str(row["opportunity_id"].iloc[0]), str(row["touchpoint_id"].iloc[0])


def test_credit_check_fails_and_shows_the_offending_rows(tampered: WarehouseResource) -> None:
    assert credits_sum_to_one(warehouse=tampered).passed
    opportunity_id, touchpoint_id = _first_credited_row(tampered, "linear")
    _tamper(
        tampered,
        "update marts.fct_attribution_credits set credit = credit + 0.001"
        f" where model = 'linear' and touchpoint_id = '{touchpoint_id}'"
        f" and opportunity_id = '{opportunity_id}'",
    )
    result = credits_sum_to_one(warehouse=tampered)
    assert not result.passed
    assert result.metadata["offending_rows"].value == 1
    assert opportunity_id in result.metadata["offending_preview"].value
    pairs = result.metadata["opportunity_model_pairs"].value
    assert result.description.startswith(
        f"1 of {pairs} opportunity x model pairs have credits that do not sum to 1; worst:"
        f" {opportunity_id} under linear sums to 1.001 over "
    )
    assert result.description.endswith("dbt/lookups/attribution_models.csv")


def test_reconciliation_check_fails_when_revenue_leaks(tampered: WarehouseResource) -> None:
    assert attribution_reconciles_to_crm(warehouse=tampered).passed
    _tamper(
        tampered,
        "update marts.fct_attribution_credits"
        " set attributed_revenue_usd = attributed_revenue_usd + 0.01"
        " where model = 'w_shaped' and is_won and touchpoint_id is not null"
        " and (opportunity_id, touchpoint_id) = (select min((opportunity_id, touchpoint_id))"
        " from marts.fct_attribution_credits"
        " where model = 'w_shaped' and is_won and touchpoint_id is not null)",
    )
    result = attribution_reconciles_to_crm(warehouse=tampered)
    assert not result.passed
    assert "w_shaped" in result.metadata["offending_preview"].value
    # The revenue total is a cent off, and so is one deal of the model.
    assert result.description.startswith(
        "2 disagreement(s) with the CRM; first: model w_shaped, attributed revenue (USD): CRM "
    )
    assert "(difference 0.01): look for opportunities missing from or credited twice" in (
        result.description
    )
    assert result.description.endswith("marts.fct_attribution")


def test_window_check_fails_on_a_touch_after_creation(tampered: WarehouseResource) -> None:
    assert no_credit_outside_window(warehouse=tampered).passed
    # A first touch no other opportunity credits: moving it moves only this deal's rows.
    row = tampered.query(
        "select min(opportunity_id) as opportunity_id, touchpoint_id"
        " from marts.fct_attribution_credits where touchpoint_id is not null"
        " group by touchpoint_id"
        " having count(distinct opportunity_id) = 1 and bool_or(model = 'first_touch')"
        " order by 1, 2 limit 1"
    )
    opportunity_id = str(row["opportunity_id"].iloc[0])
    touchpoint_id = str(row["touchpoint_id"].iloc[0])
    _tamper(
        tampered,
        # fct_attribution reads each touch's time from fct_touchpoints.
        "update marts.fct_touchpoints set touched_at = ("
        f"select created_at from marts.dim_opportunities where opportunity_id = '{opportunity_id}'"
        f") + interval 1 second where touchpoint_id = '{touchpoint_id}'",
    )
    result = no_credit_outside_window(warehouse=tampered)
    assert not result.passed
    assert touchpoint_id in result.metadata["offending_preview"].value
    offending = result.metadata["offending_rows"].value
    credited = result.metadata["credited_touches"].value
    # One second after creation: the worst touch, a sliver of a day outside.
    assert result.description.startswith(
        f"{offending} of {credited} credited touches lie outside their window (lookback 365"
        f" days); worst: touch {touchpoint_id} of {opportunity_id} under first_touch, 0.0 days"
        " outside"
    )


def test_contribution_check_fails_when_sourced_exceeds_influenced(
    tampered: WarehouseResource,
) -> None:
    assert sourced_within_influenced_within_total(warehouse=tampered).passed
    _tamper(
        tampered,
        "update reports.rpt_marketing_contribution"
        " set sourced_pipeline_usd = influenced_pipeline_usd + 1"
        " where report_row_id ="
        " (select min(report_row_id) from reports.rpt_marketing_contribution)",
    )
    result = sourced_within_influenced_within_total(warehouse=tampered)
    assert not result.passed
    assert result.metadata["offending_rows"].value == 1
    row = tampered.query(
        "select month_start, opportunity_type, segment, sourced_pipeline_usd,"
        " influenced_pipeline_usd"
        " from reports.rpt_marketing_contribution where report_row_id ="
        " (select min(report_row_id) from reports.rpt_marketing_contribution)"
    ).iloc[0]
    rows = result.metadata["month_type_segment_rows"].value
    assert result.description == (
        f"1 of {rows} month x type x segment rows break sourced <= influenced <= total; worst:"
        f" {str(row['month_start'])[:10]} {row['opportunity_type']} {row['segment']}:"
        " sourced_pipeline_usd"
        f" {row['sourced_pipeline_usd']:,.2f} > influenced_pipeline_usd"
        f" {row['influenced_pipeline_usd']:,.2f}: look at reports.rpt_marketing_contribution"
        " and the is_marketing flags in dbt/lookups/channels.csv"
    )


def test_contribution_check_fails_when_a_renewal_counts_as_influenced(
    tampered: WarehouseResource,
) -> None:
    """Only the contribution types (New Business) may be influenced: a renewal row with
    influenced pipeline fails, and the message says its ceiling is 0."""
    assert sourced_within_influenced_within_total(warehouse=tampered).passed
    row_id = (
        "(select min(report_row_id) from reports.rpt_marketing_contribution"
        " where not is_contribution_type and pipeline_usd > 0)"
    )
    _tamper(
        tampered,
        "update reports.rpt_marketing_contribution set influenced_pipeline_usd = pipeline_usd"
        f" where report_row_id = {row_id}",
    )
    result = sourced_within_influenced_within_total(warehouse=tampered)
    assert not result.passed
    assert result.metadata["offending_rows"].value == 1
    assert "influenced_pipeline_usd" in (result.description or "")
    assert "> 0 (not a contribution type) 0.00" in (result.description or "")
