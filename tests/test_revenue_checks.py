"""The bookings-vs-billing check on a real warehouse: it passes on the sample and can fail.

The sample bills every won deal as booked or on schedule, so the check passes; a tampered copy
of the warehouse (one matched deal turned under-invoiced) makes it warn with
the offending rows listed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity

from dagster_project.defs.checks.revenue import bookings_reconcile_to_billing
from dagster_project.lib.warehouse import WarehouseResource
from tests.helpers.warehouse_build import SAMPLE_DIR, BuiltWarehouse


@pytest.fixture
def tampered(built_warehouse: BuiltWarehouse, tmp_path: Path) -> WarehouseResource:
    """A copy of the built warehouse, so the check can be proven able to fail."""
    path = tmp_path / "tampered.duckdb"
    shutil.copy(built_warehouse.warehouse_path, path)
    return WarehouseResource(
        source_dir=str(SAMPLE_DIR), raw_dir=str(built_warehouse.raw_dir), warehouse_path=str(path)
    )


def _tamper(warehouse: WarehouseResource, sql: str) -> None:
    with duckdb.connect(warehouse.warehouse_path) as con:
        con.execute(sql)


def test_check_passes_on_the_sample(built_warehouse: BuiltWarehouse) -> None:
    result = bookings_reconcile_to_billing(warehouse=built_warehouse.resource)
    assert result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert result.metadata["mismatched_rows"].value == 0
    assert result.metadata["status_matched"].value > 0


def test_check_warns_and_lists_the_mismatches(tampered: WarehouseResource) -> None:
    row = tampered.query(
        "select min(bookings_billing_id) as id from marts.fct_bookings_billing"
        " where status = 'matched'"
    )
    booking_id = str(row["id"].iloc[0])
    _tamper(
        tampered,
        "update marts.fct_bookings_billing set status = 'under_invoiced', is_mismatch = true,"
        " invoiced_usd = invoiced_usd - 100, difference_usd = difference_usd - 100"
        f" where bookings_billing_id = '{booking_id}'",
    )
    result = bookings_reconcile_to_billing(warehouse=tampered)
    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert result.metadata["mismatched_rows"].value == 1
    assert booking_id in result.metadata["mismatch_preview"].value
    row = tampered.query(
        "select opportunity_id, difference_usd from marts.fct_bookings_billing"
        f" where bookings_billing_id = '{booking_id}'"
    ).iloc[0]
    difference = round(float(row["difference_usd"]), 2)
    assert difference < -99  # the 100 USD taken off the invoice
    assert result.description == (
        f"1 mismatched row in bookings vs billing, {abs(difference):,.2f} USD of differences in"
        f" all (net {difference:+,.2f}); largest: {row['opportunity_id']} under_invoiced by"
        f" {difference:+,.2f} USD: see marts.fct_bookings_billing where is_mismatch"
    )
