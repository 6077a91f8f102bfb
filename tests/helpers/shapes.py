"""Named exports of shapes the sample never has, each built once per test session.

A real build of even tiny data costs about a minute (Dagster and dbt), so every test module
that asserts something about a shape reads the same build of it: the report's empty states
(test_report_shapes.py), optional sources absent (test_optional_sources_build.py), money at
the limits (test_exact_money.py) and every output a user reads on each shape (test_shapes.py).
conftest.py puts every test that uses `shape_builds` on one xdist worker, so each shape is
built once.

The shapes, and what each one is the case of:

* `minimal` (CSV): one account, one lead, one won deal after a 400-touch paid-social journey;
  every optional source absent (no file at all), and three bad web-session rows appended.
  A single opportunity; every touch on one channel but the lead's form fill.
* `open_deal` (CSV): the same deal, still open, with one visit; every optional source
  written with a header only. No won deal at all, every touch on one channel.
* `stale` (Parquet): the deal won in 2025, spend, targets (one of them 0) and an invoice, all
  before an as-of time in 2028: data that ends long before it, no won deal in the window.
* `won` (CSV): every amount in EUR (one currency only); a 250M deal on one campaign's
  channel and a won deal that no touch reached (an opportunity without touches); spend on that
  campaign; targets only for the quarter still running.
* `limits` (Parquet): one account whose contact touched 20,000 times; deals of 1,000,000,000
  USD, JPY and KWD; a deal in a currency without any rate and one that closed before its
  currency's first rate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.helpers.exports import Exports, one_deal
from tests.helpers.warehouse_build import BuiltWarehouse, materialize_all

# --- minimal ------------------------------------------------------------------------------
SESSIONS_FILE = "campaign/web_sessions.csv"
# (row as written, column, reason, raw_record) of the three rows appended to the sessions file.
BAD_ROWS = [
    (
        "SES-BAD-1,anon-J,yesterday,,,,,,,",
        "started_at",
        "cannot parse 'yesterday' as timestamp",
        {"session_id": "SES-BAD-1", "anonymous_id": "anon-J", "started_at": "yesterday"},
    ),
    (
        "SES-BAD-2,,2025-01-20T08:00:00Z,,,,,,,",
        "anonymous_id",
        "required value is empty",
        {"session_id": "SES-BAD-2", "anonymous_id": None, "started_at": "2025-01-20T08:00:00Z"},
    ),
    ("SES-BAD-3,anon-J", None, "row has 2 fields, expected 10", ["SES-BAD-3", "anon-J"]),
]


def minimal_exports() -> Exports:
    exports = one_deal()
    # 400 touches of the deal's contact: enough rows that 3 bad ones stay well under 1%.
    exports.journey("CON-1", "ada@acme.example", "2025-01-02 08:00:00", 400, prefix="J",
                    utm_source="linkedin", utm_medium="paid_social")  # fmt: skip
    return exports


def _append_bad_rows(source: Path) -> None:
    with (source / SESSIONS_FILE).open("a", encoding="utf-8") as fh:
        fh.write("".join(f"{row}\n" for row, *_ in BAD_ROWS))


# --- stale ----------------------------------------------------------------------------------
STALE_TARGETS = {"bookings_usd": 10_000.0, "leads": 0.0}  # per month, 2025-04 to 2025-06


def stale_exports() -> Exports:
    exports = one_deal(status="won")  # OPP-1 created 2025-02-01, won 2025-05-15
    exports.campaign(
        "CMP-PS", "Paid Search", start_date="2025-01-01", end_date="2025-03-31", currency="USD"
    )
    exports.spend("2025-03-01", "google_ads", 500.0, campaign_id="CMP-PS")
    for month in ("2025-04", "2025-05", "2025-06"):
        for metric, target in STALE_TARGETS.items():
            exports.target(month, metric, target)
    exports.invoice(
        "INV-1", "ACC-1", opportunity_id="OPP-1", invoice_date="2025-05-20", amount=12_000.0
    )
    return exports


# --- won ------------------------------------------------------------------------------------
def won_exports() -> Exports:
    exports = Exports()
    exports.account("ACC-1", segment="Enterprise")
    exports.account("ACC-2", segment="SMB")  # no contact, no touch
    exports.contact(
        "CON-1",
        "ACC-1",
        email="grace@navy.example",
        created_at="2025-01-02 09:00:00",
        lead_created_at="2025-01-10 12:00:00",
    )
    exports.campaign(
        "CMP-PS",
        "Paid Search",
        campaign_name="Paid Search - Brand 2025",
        utm_campaign="ps-brand-2025",
        start_date="2025-01-01",
        end_date="2025-12-31",
        currency="EUR",
    )
    paid = {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "ps-brand-2025"}
    for day in range(5):
        exports.visit(f"SES-{day}", "anon-1", f"2025-01-0{day + 4} 08:00:00", **paid)
    exports.form_fill("SUB-1", "anon-1", "grace@navy.example", "2025-01-10 12:00:00")
    for day in range(10):
        exports.visit(f"SES-1{day}", "anon-1", f"2025-02-1{day} 08:00:00", **paid)
    exports.opportunity(
        "OPP-1",
        "ACC-1",
        amount=250_000_000.0,
        currency="EUR",
        created_at="2025-03-01 10:00:00",
        close_date="2025-06-20",
        status="won",
    )
    exports.contact_role("OPP-1", "CON-1")
    exports.opportunity(
        "OPP-2",
        "ACC-2",
        amount=40_000.0,
        currency="EUR",
        created_at="2025-04-01 10:00:00",
        close_date="2025-07-15",
        status="won",
    )
    for rate_date, rate in (("2024-12-02", 1.05), ("2025-04-01", 1.08), ("2025-07-01", 1.12)):
        exports.fx_rate("EUR", rate_date, rate)
    exports.spend("2025-02-10", "google_ads", 2_000.0, currency="EUR", campaign_id="CMP-PS")
    exports.spend("2025-03-10", "google_ads", 3_000.0, currency="EUR", utm_campaign="ps-brand-2025")
    for month in ("2025-10", "2025-11"):
        exports.target(month, "bookings_usd", 100_000.0)
    return exports


# --- limits ---------------------------------------------------------------------------------
TOUCHES = 20_000
BILLION = 1_000_000_000.0
RATES = {"JPY": 0.0066741, "KWD": 3.2546, "EUR": 1.0834}
CREATED = "2025-04-01 00:00:00"
# opportunity_id -> (currency, amount, status, created_at, close_date)
DEALS = {
    "OPP-USD": ("USD", BILLION, "won", CREATED, "2025-06-30"),
    "OPP-JPY": ("JPY", BILLION, "won", CREATED, "2025-06-30"),
    "OPP-KWD": ("KWD", BILLION, "open", CREATED, "2025-09-30"),
    "OPP-EUR": ("EUR", 10_000.0, "lost", CREATED, "2025-06-30"),
    "OPP-CHF": ("CHF", 50_000.0, "won", CREATED, "2025-06-30"),  # no CHF rate at all
    # Closed before EUR's first rate; its journey is the 14,000 touches before its creation.
    "OPP-EUR-EARLY": ("EUR", 75_000.0, "won", "2025-01-10 00:00:00", "2025-02-15"),
}
UNCONVERTED = {
    "OPP-CHF": "no fx rate at all for currency CHF",
    "OPP-EUR-EARLY": "no fx rate on or before close date; first rate is 2025-03-01",
}


def limits_exports() -> Exports:
    exports = Exports()
    exports.account("ACC-BIG", segment="Enterprise")
    exports.contact(
        "CON-BIG",
        "ACC-BIG",
        email="big@acme.example",
        created_at="2024-06-01 00:00:00",
        lead_created_at="2025-01-01 00:00:00",
    )
    # 20,000 touches 20 minutes apart: 2024-06-15 to 2025-03-21, all within a year of creation.
    exports.journey(
        "CON-BIG", "big@acme.example", "2024-06-15 00:00:00", TOUCHES, every=timedelta(minutes=20)
    )
    for opportunity_id, (currency, amount, status, created_at, close_date) in DEALS.items():
        exports.opportunity(
            opportunity_id,
            "ACC-BIG",
            amount=amount,
            currency=currency,
            created_at=created_at,
            close_date=close_date,
            status=status,
        )
        exports.contact_role(opportunity_id, "CON-BIG")
    for currency, rate in RATES.items():
        exports.fx_rate(currency, "2025-03-01", rate)
    return exports


# --- the registry ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ShapeSpec:
    """How a shape is written and built. `omit=None`: optional sources without rows are left
    out (no file); `()`: every source written, header only where it has no rows."""

    exports: Callable[[], Exports]
    fmt: str
    as_of: str
    window: tuple[date, date]  # the leadership report's twelve complete months
    omit: tuple[str, ...] | None = ()
    after_write: Callable[[Path], None] | None = None


SHAPES: dict[str, ShapeSpec] = {
    "minimal": ShapeSpec(
        minimal_exports,
        "csv",
        "2026-10-01 00:00:00",
        (date(2025, 10, 1), date(2026, 10, 1)),
        omit=None,
        after_write=_append_bad_rows,
    ),
    # one_deal: ACC-1, lead CON-1 on 2025-01-10 after a Google CPC visit and a form fill,
    # OPP-1 (12,000 USD) created 2025-02-01, here still open.
    "open_deal": ShapeSpec(
        lambda: one_deal(status="open"),
        "csv",
        "2025-06-01 00:00:00",
        (date(2024, 6, 1), date(2025, 6, 1)),
    ),
    "stale": ShapeSpec(
        stale_exports, "parquet", "2028-03-15 00:00:00", (date(2027, 3, 1), date(2028, 3, 1))
    ),
    "won": ShapeSpec(
        won_exports, "csv", "2025-12-15 00:00:00", (date(2024, 12, 1), date(2025, 12, 1))
    ),
    # As of December 2025, so that the leadership report's last twelve months hold the deals.
    "limits": ShapeSpec(
        limits_exports, "parquet", "2025-12-01 00:00:00", (date(2024, 12, 1), date(2025, 12, 1))
    ),
}


@dataclass(frozen=True)
class ShapeBuild:
    """One shape's exports as written and the warehouse the whole Dagster job built from them."""

    name: str
    spec: ShapeSpec
    exports: Exports
    source_dir: Path
    built: BuiltWarehouse


class ShapeBuilds:
    """Builds each named shape on first use and keeps it for the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._builds: dict[str, ShapeBuild] = {}

    def __getitem__(self, name: str) -> ShapeBuild:
        if name not in self._builds:
            spec = SHAPES[name]
            root = self._factory.mktemp(name)
            exports = spec.exports()
            source = exports.write(root / "exports", fmt=spec.fmt, omit=spec.omit)
            if spec.after_write is not None:
                spec.after_write(source)
            built = materialize_all(root / "warehouse", source, as_of=spec.as_of)
            self._builds[name] = ShapeBuild(name, spec, exports, source, built)
        return self._builds[name]
