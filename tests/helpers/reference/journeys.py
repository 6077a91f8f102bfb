"""Tiny hand-written journeys for the reference's examples: touches, contacts, opportunities
and roles as in-memory frames, and the credits a run gives each touch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.helpers import reference as ref

CREATED = pd.Timestamp("2025-06-01 12:00:00")
AS_OF = "2025-07-15 00:00:00"
DAY = pd.Timedelta(days=1)


# ---- builders --------------------------------------------------------------------------------


def touches(*rows: tuple) -> pd.DataFrame:
    """Rows of (touchpoint_id, contact_id, touched_at[, account_id]); channel = 'ch_' + id."""
    records = []
    for row in rows:
        tid, contact, at = row[:3]
        account = row[3] if len(row) > 3 else "A1"
        records.append(
            {
                "touchpoint_id": tid,
                "contact_id": contact,
                "account_id": account,
                "touched_at": pd.Timestamp(at),
                "touch_type": "web_session",
                "channel": f"ch_{tid}",
                "campaign_id": f"cmp_{tid}",
                "is_marketing": True,
                "is_paid": False,
            }
        )
    return pd.DataFrame(records)


def contacts(leads: dict[str, pd.Timestamp | None], account: str = "A1") -> pd.DataFrame:
    """One contact per key of ``leads`` with that lead_created_at (None = never a lead)."""
    return pd.DataFrame(
        {
            "contact_id": list(leads),
            "account_id": account,
            "email": [f"{c}@example.com" for c in leads],
            "lead_created_at": pd.to_datetime(pd.Series(list(leads.values()), dtype=object)),
            "updated_at": pd.NaT,
        }
    )


def opps(*rows: dict) -> pd.DataFrame:
    """Opportunities with defaults: O1 of A1, 1000 USD, created CREATED, open."""
    base = {
        "opportunity_id": "O1",
        "account_id": "A1",
        "amount": 1000.0,
        "currency": "USD",
        "created_at": CREATED,
        "close_date": (CREATED + 30 * DAY).date(),
        "is_closed": False,
        "is_won": False,
    }
    return pd.DataFrame([{**base, **r} for r in (rows or ({},))])


NO_ROLES = pd.DataFrame({"opportunity_id": pd.Series(dtype=str), "contact_id": []})
NO_FX = pd.DataFrame({"rate_date": [], "currency": [], "usd_per_unit": []})


def run(
    tp: pd.DataFrame,
    ct: pd.DataFrame,
    op: pd.DataFrame | None = None,
    roles: pd.DataFrame | None = None,
    fx: pd.DataFrame | None = None,
    **kwargs: object,
) -> pd.DataFrame:
    """Run the reference with test defaults; also assert its credits sum to 1 everywhere."""
    result = ref.reference_attribution(
        tp,
        ct,
        opps() if op is None else op,
        NO_ROLES if roles is None else roles,
        NO_FX if fx is None else fx,
        as_of=kwargs.pop("as_of", AS_OF),
        **kwargs,
    )
    assert ref.credit_sum_problems(result) == []
    assert (result["credit"] > 0).all()
    return result


def credits(result: pd.DataFrame, model: str, opp: str = "O1") -> dict[str | None, float]:
    """{touchpoint_id: credit} of one opportunity and model."""
    rows = result[(result["model"] == model) & (result["opportunity_id"] == opp)]
    return dict(zip(rows["touchpoint_id"], rows["credit"], strict=True))


def assert_credits(actual: dict, expected: dict) -> None:
    """Same touchpoints; each credit is its expected share rounded half up to 12 places,
    except one, among the largest, that takes the rounding residue: they sum to exactly 1."""
    assert set(actual) == set(expected), (actual, expected)
    units = {k: round(v * 10**12) for k, v in actual.items()}
    assert all(abs(units[k] / 10**12 - v) < 1e-15 for k, v in actual.items()), actual
    rounded = {k: int(np.floor(v * 10**12 + 0.5)) for k, v in expected.items()}
    assert sum(units.values()) == 10**12, (actual, expected)
    residue = 10**12 - sum(rounded.values())
    off = [k for k in expected if units[k] != rounded[k]]
    if residue == 0:
        assert off == [], (off, actual, expected)
    else:
        assert len(off) == 1, (off, actual, expected)
        (anchor,) = off
        assert units[anchor] - rounded[anchor] == residue, (anchor, actual, expected)
        assert rounded[anchor] == max(rounded.values()), (anchor, actual, expected)


def three_touches() -> pd.DataFrame:
    """One contact's touches 50, 40 and 10 days before the opportunity's creation."""
    return touches(
        ("t1", "c1", CREATED - 50 * DAY),
        ("t2", "c1", CREATED - 40 * DAY),
        ("t3", "c1", CREATED - 10 * DAY),
    )
