"""Property: on any valid export the whole job succeeds with every blocking check passing.

Hypothesis draws the shape of a company's exports: from one opportunity up, deals all open,
all lost or mixed, amounts in currencies that have fx rates or not, touches on any channel or
none, and every optional source provided, empty or missing. Each example runs landing, dbt,
every check, publishing and the leadership report (tests/helpers/shape_runs.py: `assert_delivers`).

A run takes most of a minute, so the examples are few and drawn deterministically (CI sees
the same ones every time) and failures are not shrunk; set ATTRIBUTION_PROPERTY_EXAMPLES to
draw more, with a random seed, when exploring.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers.exports import OPTIONAL_SOURCES, TOUCH_SOURCES, Exports
from tests.helpers.shape_runs import assert_delivers, run_shape

EXAMPLES = int(os.environ.get("ATTRIBUTION_PROPERTY_EXAMPLES", "3"))
START = datetime(2025, 1, 1)
CURRENCIES = ("USD", "EUR", "GBP", "JPY")
# What a touch can look like: (utm_source, utm_medium, referrer) of a web session.
SESSION_KINDS = (
    (None, None, None),
    ("google", "cpc", None),
    ("linkedin", "paid_social", None),
    ("newsletter", "email", None),
    (None, None, "https://www.google.com/"),
    (None, None, "https://partner.example/"),
)
CAMPAIGN_TYPES = ("Webinar", "Event", "Email", "Paid Search", "Content Syndication")


def _day(draw: st.DrawFn, low: int = 0, high: int = 600) -> datetime:
    return START + timedelta(days=draw(st.integers(low, high)), minutes=draw(st.integers(0, 1439)))


@st.composite
def exports_of_any_shape(draw: st.DrawFn) -> tuple[Exports, tuple[str, ...]]:
    """A valid export of a random shape, and the optional sources to leave out."""
    e = Exports()
    n_accounts = draw(st.integers(1, 3))
    accounts = [
        e.account(f"ACC-{a}", segment=draw(st.sampled_from(["SMB", "Enterprise"])))
        for a in range(n_accounts)
    ]
    mode = draw(st.sampled_from(["mixed", "all_open", "all_lost"]))
    with_rates = draw(st.sets(st.sampled_from(CURRENCIES[1:])))
    campaign_ids = []
    for c in range(draw(st.integers(0, 2))):
        campaign_ids.append(e.campaign(f"CMP-{c}", draw(st.sampled_from(CAMPAIGN_TYPES))))
    for a, account in enumerate(accounts):
        for p in range(draw(st.integers(1, 2))):
            contact = f"CON-{a}-{p}"
            email = f"{contact.lower()}@acc{a}.example"
            lead_at = _day(draw)
            e.contact(contact, account, email=email, lead_created_at=lead_at.isoformat(sep=" "))
            anon = f"anon-{a}-{p}"
            for t in range(draw(st.integers(0, 5))):
                source, medium, referrer = draw(st.sampled_from(SESSION_KINDS))
                e.visit(
                    f"SES-{a}-{p}-{t}",
                    anon,
                    _day(draw).isoformat(sep=" "),
                    utm_source=source,
                    utm_medium=medium,
                    referrer=referrer,
                )
            if draw(st.booleans()):
                e.form_fill(f"SUB-{a}-{p}", anon, email, lead_at.isoformat(sep=" "))
            if campaign_ids and draw(st.booleans()):
                e.response(
                    f"CMM-{a}-{p}",
                    draw(st.sampled_from(campaign_ids)),
                    contact,
                    _day(draw).isoformat(sep=" "),
                )
    n_deals = draw(st.integers(1, 4))
    for d in range(n_deals):
        account = draw(st.sampled_from(accounts))
        created = _day(draw, 30, 640)
        close = created + timedelta(days=draw(st.integers(0, 200)))
        status = {
            "mixed": draw(st.sampled_from(["open", "won", "lost"])),
            "all_open": "open",
            "all_lost": "lost",
        }[mode]
        currency = draw(st.sampled_from(CURRENCIES))
        deal = e.opportunity(
            f"OPP-{d}",
            account,
            status=status,
            currency=currency,
            amount=draw(st.sampled_from([0.0, 1.0, 999.99, 25_000.0, 1_000_000_000.0])),
            created_at=created.isoformat(sep=" "),
            close_date=close.date().isoformat(),
        )
        if draw(st.booleans()):
            e.contact_role(deal, f"CON-{accounts.index(account)}-0")
        e.stage(deal, "Prospecting", created.isoformat(sep=" "))
        if status == "won" and draw(st.booleans()):
            e.invoice(
                f"INV-{d}",
                account,
                opportunity_id=deal,
                currency=currency,
                invoice_date=close.date().isoformat(),
                amount=25_000.0,
            )
    for currency in with_rates:
        e.fx_rate(currency, "2024-12-31", draw(st.sampled_from([0.0067, 1.08, 1.27])))
    if draw(st.booleans()):
        e.spend("2025-06-01", "google_ads", 1_500.0)
    if draw(st.booleans()):
        e.target("2025-06", "pipeline_usd", 100_000)
    # Each optional source: provided (as drawn), provided but empty, or missing.
    omit: list[str] = []
    for source in OPTIONAL_SOURCES:
        if source in TOUCH_SOURCES:
            continue  # at least one must be provided; they carry the touches drawn above
        choice = draw(st.sampled_from(["as drawn", "empty", "missing"]))
        if choice == "empty":
            e.rows[source] = []
        if choice == "missing" or (choice == "as drawn" and not e.rows.get(source)):
            omit.append(source)
    return e, tuple(omit)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="ATTRIBUTION_PROPERTY_EXAMPLES" not in os.environ,
    phases=[Phase.explicit, Phase.generate],  # a run per shrink step would take hours
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exports_of_any_shape())
def test_any_valid_export_builds_checks_and_reports(drawn: tuple[Exports, tuple[str, ...]]) -> None:
    exports, omit = drawn
    with tempfile.TemporaryDirectory(prefix="any-export-") as tmp:
        run = run_shape(exports, Path(tmp), omit=omit)
        assert_delivers(run)
