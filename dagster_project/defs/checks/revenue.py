"""A check that bookings and billing agree, for finance to follow up.

It reads fct_bookings_billing, whose statuses already separate real mismatches from billing
schedules in progress. It warns and never blocks: a billing difference is a finance follow-up
and must not stop the marketing numbers from publishing.
"""

from __future__ import annotations

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)
from dagster_dbt import get_asset_key_for_model

from dagster_project.defs.dbt.assets import dbt_build
from dagster_project.lib.warehouse import WarehouseResource

FCT_BOOKINGS_BILLING = get_asset_key_for_model([dbt_build], "fct_bookings_billing")
MAX_ROWS_SHOWN = 20


@asset_check(
    asset=FCT_BOOKINGS_BILLING,
    blocking=False,
    description=(
        "Every won deal is invoiced as booked (within billing_tolerance_usd, at the deal's fx "
        "rate) or is on its billing schedule, and every invoice names a won deal or none "
        "(ad-hoc): no row of fct_bookings_billing is a mismatch. Warns, never blocks."
    ),
)
def bookings_reconcile_to_billing(warehouse: WarehouseResource) -> AssetCheckResult:
    statuses = warehouse.query(
        """
        select
            status,
            count(*) as rows,
            sum(case when is_mismatch then 1 else 0 end) as mismatches,
            round(sum(booked_usd), 2) as booked_usd,
            round(sum(invoiced_usd), 2) as invoiced_usd
        from marts.fct_bookings_billing
        group by status
        order by status
        """
    )
    mismatched = warehouse.query(
        """
        select
            bookings_billing_id,
            status,
            unmatched_reason,
            opportunity_id,
            invoice_id,
            close_date,
            currency,
            round(booked_usd, 2) as booked_usd,
            round(invoiced_usd, 2) as invoiced_usd,
            round(difference_usd, 2) as difference_usd,
            invoiced_through
        from marts.fct_bookings_billing
        where is_mismatch
        order by abs(difference_usd) desc, bookings_billing_id
        """
    )
    metadata: dict[str, object] = {
        "mismatched_rows": len(mismatched),
        "rows_per_status": MetadataValue.md(statuses.to_markdown(index=False)),
        "total_booked_usd": float(statuses["booked_usd"].sum()),
        "total_invoiced_usd": float(statuses["invoiced_usd"].sum()),
    }
    for row in statuses.itertuples(index=False):
        metadata[f"status_{row.status}"] = int(row.rows)
    if not mismatched.empty:
        preview = mismatched.head(MAX_ROWS_SHOWN).to_markdown(index=False)
        metadata["mismatch_preview"] = MetadataValue.md(preview)
    return AssetCheckResult(
        passed=mismatched.empty,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
        description=None if mismatched.empty else _explanation(mismatched),
    )


def _explanation(mismatched: pd.DataFrame) -> str:
    """How many, how much in all, the largest, and where finance finds the list."""
    differences = mismatched["difference_usd"].fillna(0.0)
    largest = mismatched.iloc[0]  # the query orders by the size of the difference
    what = (
        largest["opportunity_id"] if pd.notna(largest["opportunity_id"]) else largest["invoice_id"]
    )
    return (
        f"{len(mismatched)} mismatched row{'s' * (len(mismatched) != 1)} in bookings vs billing,"
        f" {differences.abs().sum():,.2f} USD of differences in all (net"
        f" {differences.sum():+,.2f}); largest: {what}"
        f" {largest['status']} by {differences.iloc[0]:+,.2f} USD: see"
        " marts.fct_bookings_billing where is_mismatch"
    )


revenue_checks = [bookings_reconcile_to_billing]
