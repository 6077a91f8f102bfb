"""The vectorised reference against a brute-force per-opportunity oracle on random journeys,
and self-tests of the comparison helper that judges the marts.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from tests.helpers import reference as ref
from tests.helpers.reference.journeys import CREATED, DAY, contacts, opps, run, touches

# ---- brute-force oracle on random data -------------------------------------------------------


def brute_force(
    tp: pd.DataFrame,
    ct: pd.DataFrame,
    op: pd.DataFrame,
    roles: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    lookback_days: int,
    scope: str,
    half_life_days: float,
) -> dict[tuple[str, str, str | None], float]:
    """The rules of docs/attribution_rules.md applied literally, one opportunity at a time, with
    plain Python."""
    touch_list = sorted(tp.to_dict("records"), key=lambda r: (r["touched_at"], r["touchpoint_id"]))
    lead = dict(zip(ct["contact_id"], ct["lead_created_at"], strict=True))
    lc_touch: dict[str, str] = {}
    for r in touch_list:  # ascending, so the last assignment is the last touch <= lead
        ld = lead.get(r["contact_id"])
        if ld is not None and not pd.isna(ld) and r["touched_at"] <= ld:
            lc_touch[r["contact_id"]] = r["touchpoint_id"]
    out: dict[tuple[str, str, str | None], float] = {}
    for o in op.to_dict("records"):
        # Role contacts always; under account scope, every contact of the account as well.
        cs = set(roles.loc[roles["opportunity_id"] == o["opportunity_id"], "contact_id"])
        scoped = [
            r
            for r in touch_list
            if r["contact_id"] in cs or (scope == "account" and r["account_id"] == o["account_id"])
        ]
        start = o["created_at"] - pd.Timedelta(days=lookback_days)
        end = pd.Timestamp(o["close_date"]) + DAY if o["is_closed"] else None
        p = [r for r in scoped if start <= r["touched_at"] <= o["created_at"]]
        j = [
            r
            for r in scoped
            if start <= r["touched_at"]
            and (r["touched_at"] < end if end is not None else r["touched_at"] <= as_of)
        ]
        oc = p[-1]["touchpoint_id"] if p else None
        non_direct = [r for r in p if r["channel"] != "Direct"]
        last_non_direct = (non_direct or p)[-1]["touchpoint_id"] if p else None
        cw = j[-1]["touchpoint_id"] if (j and o["is_won"]) else None
        for model in ref.MODELS:
            w = p if model.window == "P" else j
            if not w:
                out[(o["opportunity_id"], model.name, None)] = 1.0
                continue
            lc_ids = {
                lc_touch[c]
                for c in {r["contact_id"] for r in w}
                if c in lc_touch and lead[c] <= o["created_at"]
            }
            lcs = [r["touchpoint_id"] for r in w if r["touchpoint_id"] in lc_ids]
            holders = {"FT": w[0]["touchpoint_id"], "LC": lcs[0] if lcs else None, "OC": oc}
            holders["CW"] = cw
            if model.name == "last_non_direct":
                raw = [1.0 if r["touchpoint_id"] == last_non_direct else 0.0 for r in w]
            elif model.time_decay:
                raw = [
                    2 ** (-((o["created_at"] - r["touched_at"]) / DAY) / half_life_days) for r in w
                ]
            else:
                held = [[x for x in model.roles() if holders[x] == r["touchpoint_id"]] for r in w]
                k = sum(1 for h in held if not h)
                raw = [sum(model.weights[x] for x in h) if h else model.middle / k for h in held]
            total = sum(raw)
            shares = [x / total if total > 0 else 1 / len(w) for x in raw]
            # Published: 12 places half up, the residue on the largest (first in touch order).
            units = [int(np.floor(c * 10**12 + 0.5)) for c in shares]
            anchor = units.index(max(units))
            units[anchor] = 10**12 - (sum(units) - units[anchor])
            for r, u in zip(w, units, strict=True):
                if u > 0:
                    out[(o["opportunity_id"], model.name, r["touchpoint_id"])] = u / 10**12
    return out


@pytest.mark.parametrize(
    ("seed", "scope"), itertools.product(range(6), ["account", "contact_role"])
)
def test_vectorised_reference_matches_brute_force(seed: int, scope: str) -> None:
    rng = random.Random(seed)
    base = pd.Timestamp("2025-01-01")
    contact_ids = [f"c{i}" for i in range(10)]
    accounts = {c: f"A{rng.randrange(3)}" for c in contact_ids}
    # Whole days (and a few hours) so that ties on touched_at happen often.
    tp = touches(
        *[
            (
                f"t{i:03d}",
                c,
                base + rng.randrange(0, 200) * DAY + rng.choice([0, 0, 6]) * pd.Timedelta(hours=1),
                accounts[c] if rng.random() > 0.1 else "A9",
            )
            for i in range(120)
            for c in [rng.choice(contact_ids)]
        ]
    )
    # About a third of the touches are Direct, so last_non_direct has to skip some.
    tp["channel"] = [ch if rng.random() < 0.65 else "Direct" for ch in tp["channel"]]
    leads = {
        c: (base + rng.randrange(0, 200) * DAY if rng.random() < 0.7 else None) for c in contact_ids
    }
    ct = pd.concat([contacts({c: leads[c]}, accounts[c]) for c in contact_ids])
    op_rows = []
    for i in range(12):
        closed = rng.random() < 0.6
        created = base + rng.randrange(20, 180) * DAY + rng.randrange(0, 24) * pd.Timedelta(hours=1)
        op_rows.append(
            {
                "opportunity_id": f"O{i}",
                "account_id": f"A{rng.randrange(4)}",
                "created_at": created,
                "close_date": (created + rng.randrange(0, 40) * DAY).date(),
                "is_closed": closed,
                "is_won": closed and rng.random() < 0.5,
            }
        )
    op = opps(*op_rows)
    roles = pd.DataFrame(
        [(f"O{i}", c) for i in range(12) for c in rng.sample(contact_ids, 3)],
        columns=["opportunity_id", "contact_id"],
    )
    params = {"lookback_days": 90, "scope": scope, "half_life_days": 7.0}
    as_of = pd.Timestamp("2025-06-01")
    result = run(tp, ct, op, roles, as_of=as_of, **params)
    got = {
        (r.opportunity_id, r.model, r.touchpoint_id): r.credit
        for r in result.itertuples(index=False)
    }
    expected = brute_force(tp, ct, op, roles, as_of=as_of, **params)
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert round(got[key] * 10**12) == round(value * 10**12), (key, got[key], value)


# ---- the comparison helper used against the mart ---------------------------------------------


def sample_attribution() -> pd.DataFrame:
    tp = touches(("t1", "c1", CREATED - 2 * DAY), ("t2", "c1", CREATED - DAY))
    op = opps({}, {"opportunity_id": "O2", "account_id": "A2"})
    return run(tp, contacts({"c1": None}), op)


def test_compare_identical_frames_has_no_problems() -> None:
    frame = sample_attribution()
    assert ref.compare_attribution(frame, frame.copy()) == []


def test_compare_tolerates_db_types() -> None:
    # What DuckDB returns: NaN for NULL strings, datetime64[us], money off by less than a cent.
    frame = sample_attribution()
    mart = frame.copy()
    for col in ["touchpoint_id", "contact_id", "account_id", "campaign_id"]:
        mart[col] = mart[col].astype("str")
        mart[col] = mart[col].where(frame[col].notna(), np.nan)
    mart["touched_at"] = mart["touched_at"].astype("datetime64[us]")
    mart["attributed_pipeline_usd"] = mart["attributed_pipeline_usd"] + 0.004
    mart["credit"] = mart["credit"] + 5e-10
    mart = mart.sample(frac=1.0, random_state=1)
    assert ref.compare_attribution(mart, frame) == []


def test_compare_reports_each_kind_of_difference() -> None:
    frame = sample_attribution()
    mart = frame.copy()
    mart.loc[0, "credit"] += 1e-6
    mart.loc[1, "channel"] = "Other"
    mart.loc[1, "attributed_revenue_usd"] += 0.01
    mart.loc[2, "touched_at"] = mart.loc[2, "touched_at"] + pd.Timedelta(seconds=1)
    extra = mart.iloc[[0]].assign(touchpoint_id="t_extra")
    mart = pd.concat([mart.drop(index=3), extra], ignore_index=True)
    problems = ref.compare_attribution(mart, frame)
    text = "\n".join(problems)
    assert "keys only in actual" in text and "'t_extra'" in text
    assert "keys only in expected" in text
    for col in ["credit", "channel", "attributed_revenue_usd", "touched_at"]:
        assert f"differ in {col}" in text, col


def test_compare_unattributed_rows_match_on_null_touchpoint() -> None:
    frame = sample_attribution()
    unattributed = frame[frame["touchpoint_id"].isna()]
    assert len(unattributed) == len(ref.MODELS)  # O2 has no touches
    mart = frame.copy()
    mart.loc[unattributed.index[0], "credit"] = 0.5
    problems = ref.compare_attribution(mart, frame)
    assert len(problems) == 1 and "NULL" in problems[0] and "credit" in problems[0]


def test_compare_reports_duplicates_and_caps_examples() -> None:
    frame = sample_attribution()
    mart = pd.concat([frame, frame], ignore_index=True)
    problems = ref.compare_attribution(mart, frame, max_report=2)
    assert len(problems) == 1 and problems[0].startswith(f"{len(frame)} duplicated keys")
    assert problems[0].count("(") == 2


def test_credit_sum_problems_detects_bad_sums() -> None:
    frame = sample_attribution()
    assert ref.credit_sum_problems(frame) == []
    bad = frame.copy()
    bad.loc[0, "credit"] += 1e-6
    assert len(ref.credit_sum_problems(bad)) == 1
