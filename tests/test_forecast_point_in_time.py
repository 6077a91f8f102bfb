"""The forecast and the propensity features at a past cutoff use only what was known then
(docs/forecast.md, docs/propensity.md).

The sample is built twice with the same as-of time: as committed, and with everything after
the 1 Apr 2026 cutoff changed (outcomes of the deals that closed later flipped, later stage
entries and amounts doubled, a deal created later, later fx rates moved, later MQL and SQL
milestones removed, the web sessions of the later quarters gone). Everything the forecast knew
at that cutoff and at the earlier ones is identical row for row, and so is every propensity
feature of a snapshot taken by then (its outcome, which comes later, aside) and the whole
training set the propensity models' metrics come from; the later cutoffs and snapshots see the
changes, so the changes do reach the models.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.helpers.warehouse_build import AS_OF, SAMPLE_DIR, BuiltWarehouse, materialize_all

CUTOFF = "2026-04-01T00:00:00Z"
CUTOFF_DAY = CUTOFF[:10]
# What each cutoff knew, by the model that holds it.
KNOWN_AT_CUTOFF = {
    "intermediate.int_forecast_quarters_listed": "cutoff_at",
    "intermediate.int_forecast_rates_learned": "cutoff_at",
    "intermediate.int_forecast_prospect_values_learned": "cutoff_at",
    "intermediate.int_forecast_open_pipeline_expected": "cutoff_at",
    "intermediate.int_forecast_new_pipeline_expected": "cutoff_at",
    "intermediate.int_forecast_new_opportunities_expected": "cutoff_at",
    "intermediate.int_forecast_bookings_expected": "cutoff_at",
    "intermediate.int_forecast_errors_learned": "cutoff_at",
}
# The propensity features of a snapshot, by model: its instant and the outcome columns, which
# are read only once known (never at the snapshot).
PROPENSITY_FEATURES = {
    "intermediate.int_account_engagement_snapshotted": ("snapshot_at", ()),
    "intermediate.int_account_channel_touches_snapshotted": ("snapshot_at", ()),
    "intermediate.int_accounts_snapshotted": ("snapshot_at", ("has_new_opportunity",)),
    "intermediate.int_opportunity_snapshots_enriched": (
        "snapshot_at",
        ("is_won", "outcome_known_at"),
    ),
}


def _changed_after_cutoff(target: Path) -> Path:
    """A copy of the sample exports with everything dated on or after the cutoff changed."""
    shutil.copytree(SAMPLE_DIR, target)
    crm = target / "crm"

    opportunities = pd.read_csv(crm / "opportunities.csv", dtype=str, keep_default_na=False)
    later = opportunities["close_date"] >= CUTOFF_DAY
    closed_later = later & (opportunities["is_closed"] == "true")
    won = opportunities["is_won"] == "true"
    opportunities.loc[closed_later & won, ["is_won", "stage_name"]] = ["false", "Closed Lost"]
    opportunities.loc[closed_later & ~won, ["is_won", "stage_name"]] = ["true", "Closed Won"]
    open_or_later = later | (opportunities["is_closed"] == "false")
    opportunities.loc[open_or_later, "amount"] = (
        opportunities.loc[open_or_later, "amount"].astype(float) * 2
    ).map("{:.2f}".format)
    newcomer = opportunities.iloc[[0]].copy()
    newcomer[["opportunity_id", "stage_name", "is_closed", "is_won"]] = [
        "OPP-9999999", "Negotiation", "false", "false"
    ]  # fmt: skip
    newcomer[["created_at", "close_date", "updated_at", "amount"]] = [
        "2026-05-02T10:00:00Z", "2026-11-30", "2026-05-02T10:00:00Z", "250000.00"
    ]  # fmt: skip
    pd.concat([opportunities, newcomer]).to_csv(crm / "opportunities.csv", index=False)

    history = pd.read_csv(crm / "opportunity_stage_history.csv", dtype=str, keep_default_na=False)
    after = history["entered_at"] >= CUTOFF
    history.loc[after, "amount"] = (history.loc[after, "amount"].astype(float) * 2).map(
        "{:.2f}".format
    )
    entry = pd.DataFrame(
        [["OPP-9999999", "Negotiation", "2026-05-02T10:00:00Z", "250000.00"]],
        columns=history.columns,
    )
    pd.concat([history, entry]).to_csv(crm / "opportunity_stage_history.csv", index=False)

    contacts = pd.read_csv(crm / "contacts.csv", dtype=str, keep_default_na=False)
    # A milestone reached later is not reached at all (an SQL follows its MQL).
    contacts.loc[contacts["sql_at"] >= CUTOFF, "sql_at"] = ""
    contacts.loc[contacts["mql_at"] >= CUTOFF, ["mql_at", "sql_at"]] = ["", ""]
    contacts.to_csv(crm / "contacts.csv", index=False)

    rates = pd.read_csv(target / "revenue" / "fx_rates.csv", dtype=str, keep_default_na=False)
    moved = (rates["rate_date"] >= CUTOFF_DAY) & (rates["currency"] != "USD")
    rates.loc[moved, "usd_per_unit"] = (rates.loc[moved, "usd_per_unit"].astype(float) * 1.5).map(
        "{:.6f}".format
    )
    rates.to_csv(target / "revenue" / "fx_rates.csv", index=False)

    # The quarters after the cutoff had no web visits at all (the sample has a file per quarter).
    for later_quarter in ("2026-q2.csv", "2026-q3.csv"):
        (target / "campaign" / "web_sessions" / later_quarter).unlink()
    return target


@pytest.fixture(scope="module")
def builds(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> tuple[BuiltWarehouse, BuiltWarehouse]:
    """The session's sample build, and the sample with everything after the cutoff changed,
    built as of the same time (its dbt data tests skipped: this test reads models only)."""
    assert pd.Timestamp(built_warehouse.as_of) == pd.Timestamp(AS_OF)
    root = tmp_path_factory.mktemp("forecast_point_in_time")
    changed = materialize_all(
        root / "changed",
        _changed_after_cutoff(root / "exports"),
        as_of=AS_OF,
        dbt_data_tests=False,
    )
    return built_warehouse, changed


def _select(built: BuiltWarehouse, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(built.warehouse_path), read_only=True)
    try:
        frame = con.execute(sql).df()
    finally:
        con.close()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _rows(built: BuiltWarehouse, table: str, column: str, known: bool) -> pd.DataFrame:
    condition = "<=" if known else ">"
    return _select(
        built, f"select * from {table} where {column} {condition} cast('{CUTOFF_DAY}' as timestamp)"
    )


@pytest.mark.parametrize("table", sorted(KNOWN_AT_CUTOFF))
def test_what_a_cutoff_knew_is_unchanged_by_later_data(
    builds: tuple[BuiltWarehouse, BuiltWarehouse], table: str
) -> None:
    original, changed = builds
    column = KNOWN_AT_CUTOFF[table]
    before = _rows(original, table, column, known=True)
    after = _rows(changed, table, column, known=True)
    assert len(before) > 0, f"{table} has no row at or before the cutoff"
    pd.testing.assert_frame_equal(before, after, check_exact=True)


def test_the_later_cutoffs_see_the_changes(
    builds: tuple[BuiltWarehouse, BuiltWarehouse],
) -> None:
    """Without this the test above could pass on changes that reach no model."""
    original, changed = builds
    table = "intermediate.int_forecast_bookings_expected"
    before = _rows(original, table, "cutoff_at", known=False)
    after = _rows(changed, table, "cutoff_at", known=False)
    assert not before.equals(after)


@pytest.mark.parametrize("table", sorted(PROPENSITY_FEATURES))
def test_propensity_features_read_nothing_after_their_snapshot(
    builds: tuple[BuiltWarehouse, BuiltWarehouse], table: str
) -> None:
    original, changed = builds
    column, outcomes = PROPENSITY_FEATURES[table]
    before = _rows(original, table, column, known=True).drop(columns=list(outcomes))
    after = _rows(changed, table, column, known=True).drop(columns=list(outcomes))
    assert len(before) > 0, f"{table} has no snapshot at or before the cutoff"
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    later_before = _rows(original, table, column, known=False)
    later_after = _rows(changed, table, column, known=False)
    assert not later_before.equals(later_after), f"the changes reach no later row of {table}"


@pytest.mark.parametrize(
    "table", ["int_accounts_snapshotted", "int_opportunity_snapshots_enriched"]
)
def test_the_propensity_training_set_of_a_cutoff_is_unchanged_by_later_data(
    builds: tuple[BuiltWarehouse, BuiltWarehouse], table: str
) -> None:
    """What a model judged at this cutoff trains on (lib/propensity/train.py: taken before
    the cutoff, outcome known by it), outcomes included."""
    sql = (
        f"select * from intermediate.{table} where snapshot_at < cast('{CUTOFF_DAY}' as timestamp)"
        f" and outcome_known_at <= cast('{CUTOFF_DAY}' as timestamp)"
    )
    original, changed = builds
    before = _select(original, sql)
    assert len(before) > 0
    pd.testing.assert_frame_equal(before, _select(changed, sql), check_exact=True)
