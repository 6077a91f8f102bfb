"""An incremental build equals a full rebuild, row for row.

A warehouse is built from yesterday's exports, then from today's on top of it: the second
build recomputes only the opportunities whose inputs changed (int_opportunities_changed) and
keeps every other one's stored rows. Another warehouse is built from today's exports alone.
Both must hold the same attribution rows, the same public marts and the same state for the
next build, and the incremental build must really have skipped opportunities.

Yesterday differs from today the ways a daily export does, and a few more: the newest touches
and deals are not there yet, deals closed since were open, an amount was corrected, a
session was deleted upstream and a deal was removed; the as-of time moves by two weeks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.helpers.warehouse_build import SAMPLE_DIR, BuiltWarehouse, materialize_all

YESTERDAY = "2026-09-15 00:00:00"
TODAY = "2026-10-01 00:00:00"
CUT = pd.Timestamp(YESTERDAY, tz="UTC")
# Touch sources and the column that says when each row happened.
TOUCH_TIMES = {
    "campaign/form_submissions.csv": "submitted_at",
    "campaign/campaign_members.csv": "created_at",
}
# Beside every public mart: the state the next build compares with.
STATE = (
    "intermediate.attribution_state__touchpoints",
    "intermediate.attribution_state__opportunities",
    "intermediate.attribution_state__build",
)
# When the build ran, not what it computed.
BUILD_TIME_COLUMNS = ("built_at",)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _before_cut(values: pd.Series) -> pd.Series:
    """Rows that happened before the cut; a row whose time does not parse stays (landing
    quarantines it either way)."""
    when = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    return when.isna() | (when < CUT)


def _yesterdays_exports(root: Path) -> Path:
    """Today's sample as it looked two weeks earlier, with a few upstream edits since."""
    day = root / "yesterday"
    shutil.copytree(SAMPLE_DIR, day)
    for name, column in TOUCH_TIMES.items():
        rows = _read(day / name)
        _write(rows[_before_cut(rows[column])], day / name)
    for part in sorted((day / "campaign" / "web_sessions").glob("*.csv")):
        sessions = _read(part)
        _write(sessions[_before_cut(sessions["started_at"])], part)
    # A session that was deleted upstream since yesterday (a bot visit, say).
    first_part = sorted((day / "campaign" / "web_sessions").glob("*.csv"))[0]
    sessions = _read(first_part)
    deleted = sessions.iloc[[0]].assign(
        session_id="SES-9999999999", started_at="2025-03-03T10:00:00Z"
    )
    _write(pd.concat([sessions, deleted]), first_part)

    opportunities = _read(day / "crm" / "opportunities.csv")
    created = pd.to_datetime(opportunities["created_at"], utc=True, format="mixed")
    closed_since = pd.to_datetime(opportunities["close_date"], utc=True) >= CUT
    opportunities = opportunities[created < CUT].copy()
    still_open = closed_since[created < CUT] & (opportunities["is_closed"] == "true")
    opportunities.loc[still_open, ["is_closed", "is_won", "stage_name"]] = [
        "false",
        "false",
        "Negotiation",
    ]
    # An amount corrected since yesterday, and a deal removed since (a duplicate).
    corrected = opportunities.index[opportunities["is_closed"] == "true"][0]
    opportunities.loc[corrected, "amount"] = (
        f"{float(opportunities.loc[corrected, 'amount']) + 100:.2f}"
    )
    removed = opportunities.iloc[[0]].assign(opportunity_id="OPP-9999999")
    _write(pd.concat([opportunities, removed]), day / "crm" / "opportunities.csv")
    roles = _read(day / "crm" / "opportunity_contact_roles.csv")
    kept = roles["opportunity_id"].isin(opportunities["opportunity_id"])
    _write(roles[kept], day / "crm" / "opportunity_contact_roles.csv")
    return day


def _rows(path: Path, relation: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.sql(f"select * from {relation}").df()
    frame = frame.drop(columns=[c for c in BUILD_TIME_COLUMNS if c in frame.columns])
    return frame.sort_values(list(frame.columns), ignore_index=True, na_position="first")


def _public_marts(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.sql(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema = 'marts' order by 1"
        ).fetchall()
    return [name for (name,) in rows]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltWarehouse, BuiltWarehouse]:
    root = tmp_path_factory.mktemp("incremental")
    yesterday = _yesterdays_exports(root)
    daily = root / "daily"
    first = materialize_all(
        daily, yesterday, as_of=YESTERDAY, marts_only=True, dbt_data_tests=False
    )
    assert first.result.success
    incremental = materialize_all(daily, SAMPLE_DIR, as_of=TODAY, marts_only=True)
    full = materialize_all(
        root / "full", SAMPLE_DIR, as_of=TODAY, marts_only=True, dbt_data_tests=False
    )
    assert incremental.result.success
    assert full.result.success
    return incremental, full


def test_the_incremental_build_recomputed_only_what_changed(
    builds: tuple[BuiltWarehouse, BuiltWarehouse],
) -> None:
    incremental, full = builds
    reasons = incremental.resource.query(
        "select change_reason, count(*) as opportunities"
        " from intermediate.int_opportunities_changed group by 1"
    ).set_index("change_reason")["opportunities"]
    everyone = full.resource.query("select count(*) as n from marts.dim_opportunities")["n"][0]
    assert set(reasons.index) == {
        "opportunity_added",
        "opportunity_changed",
        "opportunity_removed",
        "touches_changed",
    }
    assert reasons["opportunity_removed"] == 1
    assert 0 < reasons.sum() < everyone / 2, "an incremental build recomputes a part, not all"


def test_every_public_mart_and_the_state_equal_a_full_rebuild(
    builds: tuple[BuiltWarehouse, BuiltWarehouse],
) -> None:
    incremental, full = builds
    marts = _public_marts(full.warehouse_path)
    assert "marts.fct_attribution_credits" in marts and "marts.dim_opportunities" in marts
    assert _public_marts(incremental.warehouse_path) == marts
    differing = []
    for relation in (*marts, *STATE):
        expected = _rows(full.warehouse_path, relation)
        actual = _rows(incremental.warehouse_path, relation)
        if len(actual) != len(expected) or not actual.equals(expected):
            differing.append(relation)
    assert differing == []


def test_a_change_to_the_chain_recomputes_every_opportunity(
    builds: tuple[BuiltWarehouse, BuiltWarehouse],
) -> None:
    """A new lookback changes every window: nothing stored may be kept."""
    incremental, _ = builds
    root = incremental.warehouse_path.parent
    again = materialize_all(
        root, SAMPLE_DIR, as_of=TODAY, lookback_days=180, marts_only=True, dbt_data_tests=False
    )
    assert again.result.success
    reasons = again.resource.query(
        "select distinct change_reason from intermediate.int_opportunities_changed"
    )["change_reason"]
    assert list(reasons) == ["chain_changed"]
