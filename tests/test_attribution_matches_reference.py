"""The dbt mart ``fct_attribution`` must agree, row by row, with the pandas reference.

The reference (tests/helpers/reference/attribution.py) was written from docs/attribution_rules.md
independently
of the dbt SQL. Both run on the committed sample: the mart through the lead's
``built_warehouse`` fixture (one full Dagster materialisation), the reference on
``marts.fct_touchpoints`` plus the raw CRM and fx parquet that the same run landed. Any
difference is printed with up to 20 example keys per kind of problem, which is usually enough to
spot the rule at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from tests.helpers import reference as ref
from tests.helpers.reference.on_warehouse import (
    ALL_MODELS,
    REQUIRED_MODELS,
    Frames,
    load_and_compute,
)
from tests.helpers.warehouse_build import BuildParameters


@pytest.fixture(scope="module")
def frames(built_warehouse: Any) -> Frames:
    """Computed once per module: the reference takes a few seconds on the sample."""
    return load_and_compute(built_warehouse)


def test_mart_has_core_models(frames: Frames) -> None:
    missing = REQUIRED_MODELS - frames.mart_models
    assert not missing, f"fct_attribution lacks models {sorted(missing)}"


def test_mart_has_every_reference_model(frames: Frames) -> None:
    missing = ALL_MODELS - frames.mart_models
    assert not missing, f"fct_attribution lacks models {sorted(missing)}"


def test_mart_has_the_expected_columns(frames: Frames) -> None:
    missing = set(ref.OUTPUT_COLUMNS) - frames.mart_columns
    assert not missing, f"fct_attribution lacks columns {sorted(missing)}"


def test_reference_credits_sum_to_one(frames: Frames) -> None:
    problems = ref.credit_sum_problems(frames.reference)
    assert not problems, "\n".join(problems[:20])


def test_fct_attribution_matches_reference(frames: Frames) -> None:
    assert frames.models, "no model in common between the mart and the reference"
    problems = ref.compare_attribution(
        frames.mart, frames.reference, credit_tol=1e-9, money_tol=0.005, max_report=20
    )
    if problems:
        header = f"fct_attribution differs from the reference (models {sorted(frames.models)}):"
        pytest.fail("\n".join([header, *problems]), pytrace=False)


# ---- self-test of the loading + comparison path on a synthetic warehouse -------------------


def _write_raw(raw_dir: Path, family: str, name: str, parts: list[pd.DataFrame]) -> None:
    folder = raw_dir / family / name
    folder.mkdir(parents=True)
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"drop_{i}.parquet", index=False)


def _fake_build(tmp_path: Path) -> BuildParameters:
    """A tiny warehouse whose fct_attribution is the reference itself, in DB types."""
    day = pd.Timedelta(days=1)
    created = pd.Timestamp("2025-03-01 10:00:00")
    touchpoints = pd.DataFrame(
        {
            "touchpoint_id": ["tp1", "tp2", "tp3", "tp4"],
            "contact_id": ["c1", "c2", "c1", "c3"],
            "account_id": ["A1", "A1", "A1", None],
            "touched_at": [created - 9 * day, created - 3 * day, created + day, created],
            "touch_type": "web_session",
            "channel": ["Paid Search", "Email", "Direct", "Other"],
            "campaign_id": ["cmp1", None, None, None],
            "is_marketing": True,
            "is_paid": False,
        }
    )
    raw_dir = tmp_path / "raw"
    contact_cols = ["contact_id", "account_id", "lead_created_at", "updated_at"]
    contacts = pd.DataFrame(
        [
            ["c1", "A1", None, pd.Timestamp("2025-01-01")],
            ["c2", "A1", None, None],
            ["c3", None, None, None],
        ],
        columns=contact_cols,
    )
    contacts_update = pd.DataFrame(
        [["c2", "A1", created - 2 * day, pd.Timestamp("2025-02-01")]], columns=contact_cols
    )
    for i, part in enumerate([contacts, contacts_update]):
        part["_source_file"] = f"contacts_{i}.csv"
        part["_source_line"] = range(2, 2 + len(part))
    _write_raw(raw_dir, "crm", "contacts", [contacts, contacts_update])
    opportunities = pd.DataFrame(
        {
            "opportunity_id": ["O1", "O2", "O3"],
            "account_id": ["A1", "A1", "A2"],
            "amount": [1000.0, 333.33, 50.0],
            "currency": ["EUR", "USD", "USD"],
            "created_at": [created, created + 2 * day, created],
            "close_date": [(created + 5 * day).date(), (created + 9 * day).date(), created.date()],
            "is_closed": [True, False, True],
            "is_won": [True, False, False],
        }
    )
    _write_raw(raw_dir, "crm", "opportunities", [opportunities])
    roles = pd.DataFrame({"opportunity_id": ["O1"], "contact_id": ["c1"]})
    _write_raw(raw_dir, "crm", "opportunity_contact_roles", [roles])
    fx = pd.DataFrame(
        {
            "rate_date": [pd.Timestamp("2025-03-01").date()],
            "currency": ["EUR"],
            "usd_per_unit": [1.1],
        }
    )
    _write_raw(raw_dir, "revenue", "fx_rates", [fx])

    build = BuildParameters(
        tmp_path / "wh.duckdb", raw_dir, "2025-03-20 00:00:00", 365, 7.0, "account"
    )
    reference = ref.reference_attribution(
        touchpoints,
        pd.concat([contacts, contacts_update], ignore_index=True),
        opportunities,
        roles,
        fx,
        as_of=build.as_of,
    )
    con = duckdb.connect(str(build.warehouse_path))
    try:
        con.execute("create schema marts")
        con.register("tp_df", touchpoints)
        con.register("attr_df", reference)
        con.execute("create table marts.fct_touchpoints as select * from tp_df")
        # DB types as dbt produces them: TIMESTAMP (microseconds), VARCHAR with NULLs.
        con.execute(
            "create table marts.fct_attribution as"
            " select * replace (touched_at::timestamp as touched_at) from attr_df"
        )
    finally:
        con.close()
    return build


def test_comparison_pipeline_on_synthetic_warehouse(tmp_path: Path) -> None:
    build = _fake_build(tmp_path)
    frames = load_and_compute(build)
    assert frames.models == frozenset(m.name for m in ref.MODELS)
    assert ref.compare_attribution(frames.mart, frames.reference) == []
    # Only c2's newer version has a lead (created - 2d), so tp2 is LC (and OC): w_shaped O1 =
    # tp1 FT .3, tp2 LC+OC .6 -> 1/3, 2/3. tp3 is after creation, tp4 has no account.
    w = frames.reference.query("opportunity_id == 'O1' and model == 'w_shaped'")
    assert dict(zip(w["touchpoint_id"], w["credit"], strict=True)) == pytest.approx(
        {"tp1": 1 / 3, "tp2": 2 / 3}
    )
    # O1 is EUR 1000 at 1.1 and won; O3 has no touch and is lost.
    assert w["attributed_revenue_usd"].sum() == pytest.approx(1100.0)
    o3 = frames.reference.query("opportunity_id == 'O3'")
    assert o3["touchpoint_id"].isna().all() and (o3["attributed_revenue_usd"] == 0).all()

    con = duckdb.connect(str(build.warehouse_path))
    try:
        con.execute(
            "update marts.fct_attribution set credit = credit + 0.001"
            " where opportunity_id = 'O1' and model = 'linear'"
        )
        con.execute(
            "delete from marts.fct_attribution"
            " where model = 'first_touch' and opportunity_id = 'O3'"
        )
    finally:
        con.close()
    problems = ref.compare_attribution(*_mart_and_ref(build))
    assert any("differ in credit" in p for p in problems)
    assert any("keys only in expected" in p and "first_touch" in p for p in problems)


def _mart_and_ref(build: BuildParameters) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = load_and_compute(build)
    return frames.mart, frames.reference
