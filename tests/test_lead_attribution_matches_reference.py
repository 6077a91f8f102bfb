"""The dbt mart ``fct_lead_attribution`` must agree, row by row, with the pandas reference.

The reference (tests/helpers/reference/lead_attribution.py) was written from the lead-attribution
definitions only. It reads ``marts.fct_touchpoints`` and the raw contacts that the same Dagster
run landed; loading and comparison reuse the opportunity comparison's helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from tests.helpers.reference import lead_attribution as lead_ref
from tests.helpers.reference.on_warehouse import (
    ALL_LEAD_MODELS,
    LeadFrames,
    assert_leads_match,
    load_and_compute_leads,
)
from tests.helpers.warehouse_build import BuildParameters


@pytest.fixture(scope="module")
def lead_frames(built_warehouse: Any) -> LeadFrames:
    return load_and_compute_leads(built_warehouse)


def test_lead_mart_has_every_model(lead_frames: LeadFrames) -> None:
    missing = ALL_LEAD_MODELS - lead_frames.mart_models
    assert not missing, f"fct_lead_attribution lacks models {sorted(missing)}"


def test_lead_mart_has_the_expected_columns(lead_frames: LeadFrames) -> None:
    missing = set(lead_ref.LEAD_OUTPUT_COLUMNS) - lead_frames.mart_columns
    assert not missing, f"fct_lead_attribution lacks columns {sorted(missing)}"


def test_lead_reference_credits_sum_to_one(lead_frames: LeadFrames) -> None:
    problems = lead_ref.lead_credit_sum_problems(lead_frames.reference)
    assert not problems, "\n".join(problems[:20])


def test_fct_lead_attribution_matches_reference(lead_frames: LeadFrames) -> None:
    assert_leads_match(lead_frames)


# ---- self-test of the loading + comparison path on a synthetic warehouse -------------------


def _fake_lead_build(tmp_path: Path) -> BuildParameters:
    """A tiny warehouse whose fct_lead_attribution is the reference itself, in DB types."""
    day = pd.Timedelta(days=1)
    lead = pd.Timestamp("2025-03-01 10:00:00")
    touchpoints = pd.DataFrame(
        {
            "touchpoint_id": ["tp1", "tp2", "tp3", "tp4"],
            "contact_id": ["c1", "c1", "c1", "c2"],
            "account_id": ["A1", "A1", "A1", "A1"],
            "touched_at": [lead - 9 * day, lead - 3 * day, lead + day, lead - 40 * day],
            "channel": ["Paid Search", "Email", "Direct", "Other"],
            "campaign_id": ["cmp1", None, None, None],
        }
    )
    contacts = pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c1"],
            "lead_created_at": [lead + 5 * day, lead, None, lead],
            "mql_at": [None, lead + day, None, lead + 2 * day],
            "updated_at": [
                pd.Timestamp("2025-01-01"),
                None,
                None,
                pd.Timestamp("2025-02-01"),
            ],
            "_source_file": "contacts.csv",
            "_source_line": [2, 3, 4, 5],
        }
    )
    raw_dir = tmp_path / "raw"
    (raw_dir / "crm" / "contacts").mkdir(parents=True)
    contacts.to_parquet(raw_dir / "crm" / "contacts" / "drop_0.parquet", index=False)
    build = BuildParameters(tmp_path / "wh.duckdb", raw_dir, "2025-03-20 00:00:00", 30, 7.0, "")
    reference = lead_ref.reference_lead_attribution(touchpoints, contacts, lookback_days=30)
    con = duckdb.connect(str(build.warehouse_path))
    try:
        con.execute("create schema marts")
        con.register("tp_df", touchpoints)
        con.register("lead_df", reference)
        con.execute("create table marts.fct_touchpoints as select * from tp_df")
        con.execute(
            "create table marts.fct_lead_attribution as select * replace"
            " (touched_at::timestamp as touched_at, lead_created_at::timestamp as lead_created_at)"
            " from lead_df"
        )
    finally:
        con.close()
    return build


def test_lead_comparison_pipeline_on_synthetic_warehouse(tmp_path: Path) -> None:
    build = _fake_lead_build(tmp_path)
    frames = load_and_compute_leads(build)
    assert frames.models == ALL_LEAD_MODELS
    assert_leads_match(frames)
    # c1's newer version: lead at `lead`, MQL. L = 30 days: tp1, tp2 (tp3 is after the lead).
    # c2: lead at `lead`, its only touch is 40 days earlier -> unattributed, MQL.
    u = frames.reference.query("contact_id == 'c1' and model == 'u_shaped'")
    assert dict(zip(u["touchpoint_id"], u["credit"], strict=True)) == pytest.approx(
        {"tp1": 0.5, "tp2": 0.5}
    )
    assert u["mql_credit"].tolist() == pytest.approx([0.5, 0.5])
    c2 = frames.reference.query("contact_id == 'c2'")
    assert len(c2) == len(ALL_LEAD_MODELS) and c2["touchpoint_id"].isna().all()
    assert "c3" not in set(frames.reference["contact_id"])

    con = duckdb.connect(str(build.warehouse_path))
    try:
        con.execute(
            "update marts.fct_lead_attribution set mql_credit = 0"
            " where contact_id = 'c1' and model = 'linear'"
        )
        con.execute("delete from marts.fct_lead_attribution where contact_id = 'c2'")
    finally:
        con.close()
    frames = load_and_compute_leads(build)
    problems = lead_ref.compare_lead_attribution(frames.mart, frames.reference)
    assert any("2 rows differ in mql_credit" in p for p in problems), problems
    assert any("keys only in expected" in p and "'c2'" in p for p in problems), problems
