"""A built warehouse's attribution marts beside the reference run on the same inputs.

The reference reads what the warehouse itself read: marts.fct_touchpoints (the touchpoints
after identity stitching and channel rules) and the raw CRM and fx Parquet that the same run
landed, with the build's parameters (as-of time, lookback, scope, half-life).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from tests.helpers import reference as ref
from tests.helpers.reference import lead_attribution as lead_ref

REQUIRED_MODELS = {"first_touch", "linear", "w_shaped"}
# Every model of the reference must be published by the mart (the ten models of
# docs/attribution_rules.md: the seven of the brief plus j_shaped,
# inverse_j and last_non_direct).
ALL_MODELS = frozenset(m.name for m in ref.MODELS)

# Required (NOT NULL) columns of the raw sources the reference reads (docs/source_contracts.md);
# rows missing
# them cannot have been accepted by the warehouse either.
_REQUIRED = {
    "contacts": ["contact_id"],
    "opportunities": [
        "opportunity_id",
        "account_id",
        "amount",
        "currency",
        "created_at",
        "close_date",
    ],
    "opportunity_contact_roles": ["opportunity_id", "contact_id"],
    "fx_rates": ["rate_date", "currency", "usd_per_unit"],
}


@dataclass(frozen=True)
class Frames:
    """The mart and the reference restricted to the models both compute."""

    mart: pd.DataFrame
    reference: pd.DataFrame
    mart_models: frozenset[str]
    models: frozenset[str]
    mart_columns: frozenset[str] = frozenset()


def qualified_table(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``schema.table`` for a mart, preferring schema ``marts`` (dbt may prefix schemas)."""
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [table]
    ).fetchall()
    schemas = sorted({r[0] for r in rows})
    if not schemas:
        raise AssertionError(f"table {table} not found in the warehouse")
    preferred = [s for s in schemas if s == "marts"] or [s for s in schemas if "marts" in s]
    schema = (preferred or schemas)[0]
    return f'"{schema}"."{table}"'


def table_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    """Column names of a table, in order."""
    return [r[0] for r in con.execute(f"describe {qualified}").fetchall()]


def select_columns(con: duckdb.DuckDBPyConnection, table: str, wanted: list[str]) -> pd.DataFrame:
    """``wanted`` columns (those that exist) of a mart: fetching only them keeps 10M-row marts
    cheap to load. DECIMAL columns (credits, money) come as doubles: Arrow would hand them over
    as Decimal objects, slow to compare by the million; a double holds 12 places of a credit
    and a cent of any amount below 10^13 exactly enough to tell two values apart."""
    qualified = qualified_table(con, table)
    types = dict(
        (name, data_type) for name, data_type, *_ in con.execute(f"describe {qualified}").fetchall()
    )
    cols = ", ".join(
        f'cast("{c}" as double) as "{c}"' if types[c].startswith("DECIMAL") else f'"{c}"'
        for c in wanted
        if c in types
    )
    # Through Arrow: several times faster than .df() for millions of rows (strings arrive as
    # pandas' Arrow-backed str dtype, NULL as NaN).
    return con.sql(f"select {cols} from {qualified}").to_arrow_table().to_pandas()


def read_raw(raw_dir: Path, family: str, name: str) -> pd.DataFrame:
    """Read one raw source and drop rows that break its NOT NULL contract."""
    df = ref.read_parquet_area(raw_dir / family / name)
    required = [c for c in _REQUIRED.get(name, []) if c in df.columns]
    return df.dropna(subset=required).reset_index(drop=True)


def load_and_compute(built: Any) -> Frames:
    """Read the mart and the reference inputs, run the reference with the fixture's params."""
    touch_cols = ["touchpoint_id", "contact_id", "account_id", "touched_at", "channel"]
    con = duckdb.connect(str(built.warehouse_path), read_only=True)
    try:
        touchpoints = select_columns(con, "fct_touchpoints", [*touch_cols, "campaign_id"])
        mart_columns = frozenset(table_columns(con, qualified_table(con, "fct_attribution")))
        mart = select_columns(con, "fct_attribution", ref.OUTPUT_COLUMNS)
    finally:
        con.close()

    raw_dir = Path(built.raw_dir)
    contacts = read_raw(raw_dir, "crm", "contacts")
    opportunities = ref.dedupe_latest(read_raw(raw_dir, "crm", "opportunities"), "opportunity_id")
    roles = read_raw(raw_dir, "crm", "opportunity_contact_roles")
    fx_rates = read_raw(raw_dir, "revenue", "fx_rates")

    reference = ref.reference_attribution(
        touchpoints,
        contacts,
        opportunities,
        roles,
        fx_rates,
        as_of=built.as_of,
        lookback_days=built.lookback_days,
        scope=built.scope,
        half_life_days=built.half_life_days,
    )
    mart_models = frozenset(str(model) for model in mart["model"].dropna().unique())
    models = mart_models & frozenset(reference["model"])
    return Frames(
        mart=mart[mart["model"].isin(models)].reset_index(drop=True),
        reference=reference[reference["model"].isin(models)].reset_index(drop=True),
        mart_models=mart_models,
        models=models,
        mart_columns=mart_columns,
    )


ALL_LEAD_MODELS = frozenset(m.name for m in lead_ref.LEAD_MODELS)
TOUCH_COLUMNS = ["touchpoint_id", "contact_id", "touched_at", "channel", "campaign_id"]


@dataclass(frozen=True)
class LeadFrames:
    """fct_lead_attribution and the reference, restricted to the models both compute."""

    mart: pd.DataFrame
    reference: pd.DataFrame
    mart_models: frozenset[str]
    models: frozenset[str]
    mart_columns: frozenset[str]


def load_and_compute_leads(built: Any) -> LeadFrames:
    """Read the lead mart and the reference inputs; run the reference with the build's L."""
    con = duckdb.connect(str(built.warehouse_path), read_only=True)
    try:
        touchpoints = select_columns(con, "fct_touchpoints", TOUCH_COLUMNS)
        mart_columns = frozenset(table_columns(con, qualified_table(con, "fct_lead_attribution")))
        mart = select_columns(con, "fct_lead_attribution", lead_ref.LEAD_OUTPUT_COLUMNS)
    finally:
        con.close()
    contacts = read_raw(Path(built.raw_dir), "crm", "contacts")
    reference = lead_ref.reference_lead_attribution(
        touchpoints, contacts, lookback_days=built.lookback_days
    )
    mart_models = frozenset(str(model) for model in mart["model"].dropna().unique())
    models = mart_models & frozenset(reference["model"])
    return LeadFrames(
        mart=mart[mart["model"].isin(models)].reset_index(drop=True),
        reference=reference[reference["model"].isin(models)].reset_index(drop=True),
        mart_models=mart_models,
        models=models,
        mart_columns=mart_columns,
    )


def assert_leads_match(frames: LeadFrames) -> None:
    """Fail with up to 20 examples per kind of difference."""
    assert frames.models, "no lead model in common between the mart and the reference"
    problems = lead_ref.compare_lead_attribution(frames.mart, frames.reference, credit_tol=1e-9)
    if problems:
        header = (
            f"fct_lead_attribution differs from the reference (models {sorted(frames.models)}):"
        )
        pytest.fail("\n".join([header, *problems]), pytrace=False)
