"""Hand-computed examples for the pandas reference attribution (no warehouse needed).

Every worked example of the spec's Normalisation section and every window/role rule gets a
tiny in-memory scenario whose expected credits are written out by hand here, so that the
reference itself is pinned to the spec before it is used to judge the dbt marts. A brute-force
per-opportunity oracle and self-tests of the comparison helper close the loop.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from tests.helpers import reference as ref
from tests.helpers.reference import lead_attribution as lead_ref

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


# ---- spec Normalisation examples -------------------------------------------------------------


@pytest.mark.parametrize("is_lc", [True, False])
def test_w_shaped_one_touch_gets_everything(is_lc: bool) -> None:
    at = CREATED - DAY
    result = run(touches(("t1", "c1", at)), contacts({"c1": at + DAY / 24 if is_lc else None}))
    assert_credits(credits(result, "w_shaped"), {"t1": 1.0})


def journey_ft_m_lc_m_oc() -> tuple[pd.DataFrame, pd.DataFrame]:
    """FT (c1), m (c1), LC (c2's last touch before its lead), m (c2), OC (c1)."""
    tp = touches(
        ("t1", "c1", CREATED - 50 * DAY),
        ("t2", "c1", CREATED - 40 * DAY),
        ("t3", "c2", CREATED - 30 * DAY),
        ("t4", "c2", CREATED - 20 * DAY),
        ("t5", "c1", CREATED - 10 * DAY),
    )
    return tp, contacts({"c1": None, "c2": CREATED - 25 * DAY})


def test_w_shaped_ft_m_lc_m_oc() -> None:
    result = run(*journey_ft_m_lc_m_oc())
    expected = {"t1": 0.3, "t2": 0.05, "t3": 0.3, "t4": 0.05, "t5": 0.3}
    assert_credits(credits(result, "w_shaped"), expected)


def test_u_shaped_oc_is_a_middle_touch() -> None:
    # u_shaped has no OC role: t5 shares the .2 middle with t2 and t4.
    result = run(*journey_ft_m_lc_m_oc())
    expected = {"t1": 0.4, "t2": 0.2 / 3, "t3": 0.4, "t4": 0.2 / 3, "t5": 0.2 / 3}
    assert_credits(credits(result, "u_shaped"), expected)


def test_w_shaped_ft_equals_lc_middle_oc() -> None:
    tp = touches(
        ("t1", "c1", CREATED - 50 * DAY),
        ("t2", "c1", CREATED - 40 * DAY),
        ("t3", "c1", CREATED - 10 * DAY),
    )
    result = run(tp, contacts({"c1": CREATED - 45 * DAY}))
    # raw: t1 = FT+LC = .6, t2 = middle .1, t3 = OC .3; sum 1.
    assert_credits(credits(result, "w_shaped"), {"t1": 0.6, "t2": 0.1, "t3": 0.3})


def three_touches() -> pd.DataFrame:
    return touches(
        ("t1", "c1", CREATED - 50 * DAY),
        ("t2", "c1", CREATED - 40 * DAY),
        ("t3", "c1", CREATED - 10 * DAY),
    )


def test_w_shaped_ft_middle_oc_without_lc() -> None:
    result = run(three_touches(), contacts({"c1": None}))
    # raw .3, .1, .3 -> divided by .7.
    assert_credits(credits(result, "w_shaped"), {"t1": 3 / 7, "t2": 1 / 7, "t3": 3 / 7})


def test_w_shaped_ft_equals_lc_and_oc_nothing_between() -> None:
    tp = touches(("t1", "c1", CREATED - 50 * DAY), ("t2", "c1", CREATED - 10 * DAY))
    result = run(tp, contacts({"c1": CREATED - 45 * DAY}))
    # raw .6 and .3, no middle -> 2/3, 1/3.
    assert_credits(credits(result, "w_shaped"), {"t1": 2 / 3, "t2": 1 / 3})


def full_path_journey() -> tuple[pd.DataFrame, pd.DataFrame]:
    """FT, LC, m, OC (all before creation), m, CW (after creation, before close)."""
    tp = touches(
        ("t1", "c2", CREATED - 40 * DAY),
        ("t2", "c1", CREATED - 36 * DAY),
        ("t3", "c2", CREATED - 20 * DAY),
        ("t4", "c2", CREATED - DAY),
        ("t5", "c2", CREATED + 5 * DAY),
        ("t6", "c2", CREATED + 15 * DAY),
    )
    return tp, contacts({"c1": CREATED - 35 * DAY, "c2": None})


def test_full_path_won() -> None:
    op = opps({"is_closed": True, "is_won": True, "close_date": (CREATED + 20 * DAY).date()})
    result = run(*full_path_journey(), op)
    expected = {"t1": 0.225, "t2": 0.225, "t3": 0.05, "t4": 0.225, "t5": 0.05, "t6": 0.225}
    assert_credits(credits(result, "full_path"), expected)


def test_full_path_lost_last_touch_joins_middle() -> None:
    op = opps({"is_closed": True, "is_won": False, "close_date": (CREATED + 20 * DAY).date()})
    result = run(*full_path_journey(), op)
    m = 0.1 / 3
    raw = {"t1": 0.225, "t2": 0.225, "t3": m, "t4": 0.225, "t5": m, "t6": m}
    assert_credits(credits(result, "full_path"), {k: v / 0.775 for k, v in raw.items()})


def test_full_path_open_opportunity_has_no_cw() -> None:
    # Open: J ends at as_of; no CW, so it is the lost-opportunity split.
    result = run(*full_path_journey())
    m = 0.1 / 3
    raw = {"t1": 0.225, "t2": 0.225, "t3": m, "t4": 0.225, "t5": m, "t6": m}
    assert_credits(credits(result, "full_path"), {k: v / 0.775 for k, v in raw.items()})


def test_time_decay_14_7_0_days() -> None:
    tp = touches(
        ("t1", "c1", CREATED - 14 * DAY),
        ("t2", "c1", CREATED - 7 * DAY),
        ("t3", "c1", CREATED),
    )
    result = run(tp, contacts({"c1": None}), half_life_days=7.0)
    # weights 1/4, 1/2, 1 -> 1/7, 2/7, 4/7.
    assert_credits(credits(result, "time_decay"), {"t1": 1 / 7, "t2": 2 / 7, "t3": 4 / 7})


def test_time_decay_fractional_days_and_half_life() -> None:
    # 36 hours = 1.5 days before creation with h = 3: weight 2^-0.5 against 1 for the OC touch.
    tp = touches(("t1", "c1", CREATED - pd.Timedelta(hours=36)), ("t2", "c1", CREATED))
    result = run(tp, contacts({"c1": None}), half_life_days=3.0)
    w = 2**-0.5
    assert_credits(credits(result, "time_decay"), {"t1": w / (1 + w), "t2": 1 / (1 + w)})


# ---- basic models ----------------------------------------------------------------------------


def test_first_last_linear_u_shaped_basics() -> None:
    result = run(three_touches(), contacts({"c1": None}))
    assert_credits(credits(result, "first_touch"), {"t1": 1.0})
    assert_credits(credits(result, "last_touch"), {"t3": 1.0})
    assert_credits(credits(result, "linear"), {"t1": 1 / 3, "t2": 1 / 3, "t3": 1 / 3})
    # u_shaped without LC: raw FT .4, t2 and t3 share .2 -> .4/.6, .1/.6, .1/.6.
    assert_credits(credits(result, "u_shaped"), {"t1": 2 / 3, "t2": 1 / 6, "t3": 1 / 6})


def test_u_shaped_with_lc_in_the_middle() -> None:
    tp = three_touches()
    result = run(tp, contacts({"c1": CREATED - 30 * DAY}))
    # LC = t2 (c1's last touch before -30d): FT .4, LC .4, t3 alone in the middle .2.
    assert_credits(credits(result, "u_shaped"), {"t1": 0.4, "t2": 0.4, "t3": 0.2})


def test_models_present_and_first_touch_zero_credit_rows_dropped() -> None:
    result = run(three_touches(), contacts({"c1": None}))
    assert set(result["model"]) == {m.name for m in ref.MODELS}
    assert len(result[result["model"] == "first_touch"]) == 1


def test_model_list_is_the_ten_models() -> None:
    assert [m.name for m in ref.MODELS] == [
        "first_touch",
        "last_touch",
        "linear",
        "u_shaped",
        "w_shaped",
        "full_path",
        "time_decay",
        "j_shaped",
        "inverse_j",
        "last_non_direct",
    ]


# ---- j_shaped (FT .2, OC .6, middle .2) and inverse_j (FT .6, OC .2, middle .2) ---------------


def test_j_shaped_ft_m_lc_m_oc_lc_is_a_middle_touch() -> None:
    # j_shaped has no LC weight, so t3 (LC) shares the .2 middle with t2 and t4: .2/3 = 1/15.
    result = run(*journey_ft_m_lc_m_oc())
    expected = {"t1": 0.2, "t2": 1 / 15, "t3": 1 / 15, "t4": 1 / 15, "t5": 0.6}
    assert_credits(credits(result, "j_shaped"), expected)


def test_inverse_j_ft_m_lc_m_oc() -> None:
    result = run(*journey_ft_m_lc_m_oc())
    expected = {"t1": 0.6, "t2": 1 / 15, "t3": 1 / 15, "t4": 1 / 15, "t5": 0.2}
    assert_credits(credits(result, "inverse_j"), expected)


def test_j_shaped_and_inverse_j_one_middle_touch() -> None:
    # FT, m, OC: raw .2, .2, .6 (j) and .6, .2, .2 (inverse); both already sum to 1.
    result = run(three_touches(), contacts({"c1": None}))
    assert_credits(credits(result, "j_shaped"), {"t1": 0.2, "t2": 0.2, "t3": 0.6})
    assert_credits(credits(result, "inverse_j"), {"t1": 0.6, "t2": 0.2, "t3": 0.2})


def test_j_shaped_and_inverse_j_no_middle_is_redistributed() -> None:
    # FT (= LC) and OC, nothing between: raw .2/.6 -> 1/4, 3/4 and .6/.2 -> 3/4, 1/4.
    tp = touches(("t1", "c1", CREATED - 50 * DAY), ("t2", "c1", CREATED - 10 * DAY))
    result = run(tp, contacts({"c1": CREATED - 45 * DAY}))
    assert_credits(credits(result, "j_shaped"), {"t1": 0.25, "t2": 0.75})
    assert_credits(credits(result, "inverse_j"), {"t1": 0.75, "t2": 0.25})


def test_j_shaped_and_inverse_j_one_touch_gets_everything() -> None:
    # The only touch is FT and OC: raw .8 -> 1.
    result = run(touches(("t1", "c1", CREATED - DAY)), contacts({"c1": None}))
    assert_credits(credits(result, "j_shaped"), {"t1": 1.0})
    assert_credits(credits(result, "inverse_j"), {"t1": 1.0})


# ---- last_non_direct ---------------------------------------------------------------------------


def with_channels(tp: pd.DataFrame, channels: dict[str, str]) -> pd.DataFrame:
    """``tp`` with the channel of the given touchpoint ids replaced."""
    out = tp.copy()
    out["channel"] = out["touchpoint_id"].map(channels).fillna(out["channel"])
    return out


def test_last_non_direct_skips_a_direct_last_touch() -> None:
    tp = with_channels(three_touches(), {"t1": "Paid Search", "t2": "Email", "t3": "Direct"})
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "last_non_direct"), {"t2": 1.0})
    assert_credits(credits(result, "last_touch"), {"t3": 1.0})


def test_last_non_direct_skips_several_direct_touches() -> None:
    tp = with_channels(three_touches(), {"t1": "Email", "t2": "Direct", "t3": "Direct"})
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "last_non_direct"), {"t1": 1.0})


def test_last_non_direct_without_direct_is_last_touch() -> None:
    result = run(three_touches(), contacts({"c1": None}))
    assert_credits(credits(result, "last_non_direct"), {"t3": 1.0})


def test_last_non_direct_only_direct_touches_falls_back_to_oc() -> None:
    tp = with_channels(three_touches(), dict.fromkeys(["t1", "t2", "t3"], "Direct"))
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "last_non_direct"), {"t3": 1.0})


def test_last_non_direct_direct_only_plus_empty_opportunity() -> None:
    tp = with_channels(three_touches(), dict.fromkeys(["t1", "t2", "t3"], "Direct"))
    op = opps({}, {"opportunity_id": "O2", "account_id": "A2"})
    result = run(tp, contacts({"c1": None}), op)
    assert_credits(credits(result, "last_non_direct", "O1"), {"t3": 1.0})
    assert credits(result, "last_non_direct", "O2") == {None: 1.0}
    o2 = result[(result["model"] == "last_non_direct") & (result["opportunity_id"] == "O2")]
    assert o2["channel"].tolist() == ["(unattributed)"]


def test_last_non_direct_direct_mail_is_not_direct() -> None:
    tp = with_channels(three_touches(), {"t1": "Email", "t2": "Direct Mail", "t3": "Direct"})
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "last_non_direct"), {"t2": 1.0})


def test_last_non_direct_ignores_touches_after_creation() -> None:
    # t_post is not Direct but lies after o.created_at (outside P); P = t1 Email, t2 Direct.
    tp = with_channels(
        touches(
            ("t1", "c1", CREATED - 2 * DAY),
            ("t2", "c1", CREATED - DAY),
            ("t_post", "c1", CREATED + DAY),
        ),
        {"t1": "Email", "t2": "Direct", "t_post": "Email"},
    )
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "last_non_direct"), {"t1": 1.0})


def test_last_non_direct_ties_broken_by_touchpoint_id() -> None:
    at = CREATED - DAY
    tp = with_channels(
        touches(("tp_b", "c1", at), ("tp_a", "c2", at), ("tp_c", "c1", at)),
        {"tp_a": "Email", "tp_b": "Email", "tp_c": "Direct"},
    )
    result = run(tp, contacts({"c1": None, "c2": None}))
    # Order tp_a, tp_b, tp_c: tp_c (the OC) is Direct, the last non-Direct is tp_b.
    assert_credits(credits(result, "last_non_direct"), {"tp_b": 1.0})
    assert_credits(credits(result, "last_touch"), {"tp_c": 1.0})


# ---- windows ---------------------------------------------------------------------------------


def test_lookback_start_is_inclusive() -> None:
    tp = touches(
        ("t_out", "c1", CREATED - 365 * DAY - pd.Timedelta(seconds=1)),
        ("t_edge", "c1", CREATED - 365 * DAY),
        ("t_in", "c1", CREATED - DAY),
    )
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "linear"), {"t_edge": 0.5, "t_in": 0.5})
    assert_credits(credits(result, "first_touch"), {"t_edge": 1.0})


def test_lookback_days_parameter() -> None:
    tp = touches(("t_old", "c1", CREATED - 31 * DAY), ("t_new", "c1", CREATED - 30 * DAY))
    result = run(tp, contacts({"c1": None}), lookback_days=30)
    assert_credits(credits(result, "first_touch"), {"t_new": 1.0})


def test_touch_at_created_at_is_in_p_and_is_oc() -> None:
    tp = touches(
        ("t1", "c1", CREATED - DAY),
        ("t_at", "c1", CREATED),
        ("t_after", "c1", CREATED + pd.Timedelta(seconds=1)),
    )
    result = run(tp, contacts({"c1": None}))
    assert_credits(credits(result, "last_touch"), {"t_at": 1.0})
    assert_credits(credits(result, "linear"), {"t1": 0.5, "t_at": 0.5})
    # t_after is in J (open opp, before as_of): full_path FT .225, OC .225, middle .1.
    assert_credits(
        credits(result, "full_path"),
        {"t1": 0.225 / 0.55, "t_at": 0.225 / 0.55, "t_after": 0.1 / 0.55},
    )


def test_closed_j_ends_at_end_of_close_day() -> None:
    close = pd.Timestamp("2025-06-20")
    tp = touches(
        ("t1", "c1", CREATED - DAY),
        ("t_last_second", "c1", close + DAY - pd.Timedelta(seconds=1)),
        ("t_midnight", "c1", close + DAY),
        ("t_later", "c1", close + 3 * DAY),
    )
    op = opps({"is_closed": True, "is_won": True, "close_date": close.date()})
    result = run(tp, contacts({"c1": None}), op)
    # J = t1 (FT, OC), t_last_second (CW): raw .45 and .225, no middle.
    assert_credits(credits(result, "full_path"), {"t1": 2 / 3, "t_last_second": 1 / 3})


def test_open_j_ends_at_as_of_inclusive() -> None:
    as_of = pd.Timestamp(AS_OF)
    tp = touches(
        ("t1", "c1", CREATED - DAY),
        ("t_as_of", "c1", as_of),
        ("t_after", "c1", as_of + pd.Timedelta(seconds=1)),
    )
    result = run(tp, contacts({"c1": None}))
    # J = t1 (FT, OC; .45) and t_as_of (middle .1); no CW for an open opp.
    assert_credits(credits(result, "full_path"), {"t1": 0.45 / 0.55, "t_as_of": 0.1 / 0.55})


def test_ties_on_touched_at_broken_by_touchpoint_id() -> None:
    at = CREATED - 5 * DAY
    # Given in reverse id order to make sure the input order does not matter.
    tp = touches(("tp_b", "c1", at), ("tp_a", "c2", at))
    result = run(tp, contacts({"c1": None, "c2": None}))
    assert_credits(credits(result, "first_touch"), {"tp_a": 1.0})
    assert_credits(credits(result, "last_touch"), {"tp_b": 1.0})
    # w_shaped: tp_a FT .3, tp_b OC .3 -> 1/2 each.
    assert_credits(credits(result, "w_shaped"), {"tp_a": 0.5, "tp_b": 0.5})


def test_ties_break_lc_touch_of_a_contact_by_touchpoint_id() -> None:
    at = CREATED - 5 * DAY
    tp = touches(("x0", "c0", at - DAY), ("x2", "c1", at), ("x1", "c1", at))
    # c1's LC touch = its last at/before the lead -> x2 (same time, larger id).
    result = run(tp, contacts({"c0": None, "c1": at}))
    # w_shaped: x0 FT .3, x1 middle .1, x2 LC+OC .6 -> sum 1.
    assert_credits(credits(result, "w_shaped"), {"x0": 0.3, "x1": 0.1, "x2": 0.6})


# ---- no touches ------------------------------------------------------------------------------


def test_no_touches_gives_one_unattributed_row_per_model() -> None:
    tp = touches(("t_other", "c9", CREATED - DAY, "A9"))
    op = opps({"is_closed": True, "is_won": True, "close_date": CREATED.date(), "amount": 250.0})
    result = run(tp, contacts({"c9": None}, account="A9"), op)
    assert len(result) == len(ref.MODELS)
    assert result["touchpoint_id"].isna().all()
    assert (result["channel"] == "(unattributed)").all()
    assert (result["credit"] == 1.0).all()
    for col in ["contact_id", "account_id", "campaign_id", "touched_at"]:
        assert result[col].isna().all(), col
    assert (result["attributed_pipeline_usd"] == 250.0).all()
    assert (result["attributed_revenue_usd"] == 250.0).all()


def test_touches_only_after_creation_unattributed_in_p_but_not_in_j() -> None:
    tp = touches(("t_post", "c1", CREATED + DAY))
    result = run(tp, contacts({"c1": None}))
    assert credits(result, "w_shaped") == {None: 1.0}
    assert credits(result, "time_decay") == {None: 1.0}
    assert_credits(credits(result, "full_path"), {"t_post": 1.0})


# ---- scope -----------------------------------------------------------------------------------


def test_scope_account_vs_contact_role() -> None:
    tp = touches(
        ("t1", "c1", CREATED - 3 * DAY),
        ("t2", "c2", CREATED - 2 * DAY),
        ("t3", "c3", CREATED - DAY, "A2"),  # c3 works elsewhere but has a role on O1
    )
    ct = pd.concat([contacts({"c1": None, "c2": None}), contacts({"c3": None}, "A2")])
    roles = pd.DataFrame({"opportunity_id": ["O1", "O1"], "contact_id": ["c1", "c3"]})
    by_account = run(tp, ct, roles=roles, scope="account")
    by_role = run(tp, ct, roles=roles, scope="contact_role")
    # Account scope: the account's contacts (c1, c2) plus the role contacts (c3 at A2).
    assert_credits(credits(by_account, "linear"), {"t1": 1 / 3, "t2": 1 / 3, "t3": 1 / 3})
    assert_credits(credits(by_role, "linear"), {"t1": 0.5, "t3": 0.5})
    assert_credits(credits(by_role, "last_touch"), {"t3": 1.0})


def test_contact_role_scope_without_roles_is_unattributed() -> None:
    result = run(three_touches(), contacts({"c1": None}), scope="contact_role")
    assert credits(result, "linear") == {None: 1.0}


# ---- lead creation ---------------------------------------------------------------------------


def test_lc_ignored_when_lead_created_after_opportunity() -> None:
    # c1's would-be LC touch is t3, but its lead_created_at is after o.created_at.
    result = run(three_touches(), contacts({"c1": CREATED + DAY}))
    assert_credits(credits(result, "w_shaped"), {"t1": 3 / 7, "t2": 1 / 7, "t3": 3 / 7})


def test_lc_at_exactly_created_at_counts() -> None:
    result = run(three_touches(), contacts({"c1": CREATED}))
    # LC = t3 (last touch before the lead) = OC: t1 .3, t2 .1, t3 .6.
    assert_credits(credits(result, "w_shaped"), {"t1": 0.3, "t2": 0.1, "t3": 0.6})


def test_lc_touch_outside_window_means_no_lc() -> None:
    tp = touches(
        ("t0", "c1", CREATED - 401 * DAY),
        ("t1", "c1", CREATED - 50 * DAY),
        ("t2", "c1", CREATED - 40 * DAY),
        ("t3", "c1", CREATED - 10 * DAY),
    )
    # c1's LC touch is t0 (before the lookback); no other touch replaces it.
    result = run(tp, contacts({"c1": CREATED - 400 * DAY}))
    assert_credits(credits(result, "w_shaped"), {"t1": 3 / 7, "t2": 1 / 7, "t3": 3 / 7})


def test_lc_touch_is_over_all_touches_of_the_contact() -> None:
    # c1's last touch before its lead is on another account (A2), so O1 (A1) has no LC even
    # though c1 has earlier A1 touches.
    tp = touches(
        ("t1", "c1", CREATED - 40 * DAY),
        ("tx", "c1", CREATED - 30 * DAY, "A2"),
        ("t2", "c1", CREATED - 20 * DAY),
    )
    result = run(tp, contacts({"c1": CREATED - 29 * DAY}))
    assert_credits(credits(result, "w_shaped"), {"t1": 0.5, "t2": 0.5})


def test_lc_role_is_earliest_lc_touch_among_contacts() -> None:
    tp = touches(
        ("t1", "c1", CREATED - 50 * DAY),
        ("t2", "c2", CREATED - 40 * DAY),
        ("t3", "c3", CREATED - 30 * DAY),
        ("t4", "c1", CREATED - 10 * DAY),
    )
    ct = contacts({"c1": None, "c2": CREATED - 39 * DAY, "c3": CREATED - 29 * DAY})
    result = run(tp, ct)
    # LC candidates t2 and t3 -> the earliest, t2. t3 is a middle touch.
    assert_credits(credits(result, "w_shaped"), {"t1": 0.3, "t2": 0.3, "t3": 0.1, "t4": 0.3})


def test_full_path_lc_and_oc_on_one_touch_with_post_creation_middle() -> None:
    tp = touches(
        ("t1", "c2", CREATED - 20 * DAY),
        ("t2", "c1", CREATED - 10 * DAY),
        ("t3", "c2", CREATED + 2 * DAY),
    )
    result = run(tp, contacts({"c1": CREATED - 5 * DAY, "c2": None}))
    # P: t1 FT .3, t2 LC+OC .6 -> 1/3, 2/3.
    assert_credits(credits(result, "w_shaped"), {"t1": 1 / 3, "t2": 2 / 3})
    # J (open, no CW): t1 FT .225, t2 LC+OC .45, t3 middle .1; sum .775.
    expected = {"t1": 0.225 / 0.775, "t2": 0.45 / 0.775, "t3": 0.1 / 0.775}
    assert_credits(credits(result, "full_path"), expected)


def test_contacts_deduplicated_latest_updated_at_wins() -> None:
    ct = pd.DataFrame(
        {
            "contact_id": ["c1", "c1", "c1"],
            "lead_created_at": [CREATED - 45 * DAY, pd.NaT, CREATED - 30 * DAY],
            "updated_at": [pd.Timestamp("2025-05-02"), pd.Timestamp("2025-05-03"), pd.NaT],
            "_source_file": ["a.csv", "a.csv", "b.csv"],
            "_source_line": [2, 3, 2],
        }
    )
    deduped = ref.dedupe_latest(ct, "contact_id")
    assert len(deduped) == 1 and pd.isna(deduped["lead_created_at"].iloc[0])
    result = run(three_touches(), ct)
    assert_credits(credits(result, "w_shaped"), {"t1": 3 / 7, "t2": 1 / 7, "t3": 3 / 7})


def test_dedupe_falls_back_to_file_order() -> None:
    ct = pd.DataFrame(
        {
            "contact_id": ["c1", "c1", "c1"],
            "lead_created_at": [CREATED, CREATED - DAY, CREATED - 2 * DAY],
            "updated_at": [pd.NaT, pd.NaT, pd.NaT],
            "_source_file": ["b.csv", "b.csv", "a.csv"],
            "_source_line": [3, 10, 99],
        }
    )
    deduped = ref.dedupe_latest(ct, "contact_id")
    assert deduped["lead_created_at"].tolist() == [CREATED - DAY]


# ---- money -----------------------------------------------------------------------------------


FX = pd.DataFrame(
    {
        "rate_date": [pd.Timestamp("2025-07-01").date(), pd.Timestamp("2025-07-05").date()],
        "currency": ["EUR", "EUR"],
        "usd_per_unit": [1.10, 1.20],
    }
)


@pytest.mark.parametrize(
    ("close", "rate"), [("2025-07-03", 1.10), ("2025-07-05", 1.20), ("2025-07-09", 1.20)]
)
def test_amount_usd_uses_close_date_or_latest_earlier_rate(close: str, rate: float) -> None:
    op = opps({"currency": "EUR", "close_date": pd.Timestamp(close).date()})
    assert ref.compute_amount_usd(op, FX).iloc[0] == pytest.approx(1000.0 * rate)


def test_amount_usd_usd_without_rates_and_missing_rate() -> None:
    op = opps({}, {"opportunity_id": "O2", "currency": "EUR", "close_date": "2025-06-30"})
    usd = ref.compute_amount_usd(op, FX)
    assert usd.iloc[0] == 1000.0
    assert np.isnan(usd.iloc[1])


@pytest.mark.parametrize(("won", "revenue"), [(True, 550.0), (False, 0.0)])
def test_attributed_money(won: bool, revenue: float) -> None:
    tp = touches(("t1", "c1", CREATED - 2 * DAY), ("t2", "c1", CREATED - DAY))
    op = opps(
        {
            "currency": "EUR",
            "close_date": pd.Timestamp("2025-07-03").date(),
            "is_closed": True,
            "is_won": won,
        }
    )
    result = run(tp, contacts({"c1": None}), op, fx=FX)
    linear = result[result["model"] == "linear"]
    assert linear["attributed_pipeline_usd"].tolist() == pytest.approx([550.0, 550.0])
    assert linear["attributed_revenue_usd"].tolist() == pytest.approx([revenue, revenue])
    per_model = result.groupby("model")["attributed_pipeline_usd"].sum()
    assert per_model.to_numpy() == pytest.approx(np.full(len(per_model), 1100.0))


def test_output_columns_and_touch_attributes() -> None:
    result = run(three_touches(), contacts({"c1": None}))
    assert list(result.columns) == ref.OUTPUT_COLUMNS
    row = result[result["model"] == "first_touch"].iloc[0]
    assert (row["touchpoint_id"], row["contact_id"], row["account_id"]) == ("t1", "c1", "A1")
    assert (row["channel"], row["campaign_id"]) == ("ch_t1", "cmp_t1")
    assert row["touched_at"] == CREATED - 50 * DAY


def test_tz_aware_and_string_inputs_are_normalised_to_utc() -> None:
    tp = three_touches()
    tp["touched_at"] = tp["touched_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Paris")
    op = opps({"created_at": "2025-06-01T14:00:00+02:00", "is_closed": "false", "is_won": "no"})
    result = run(tp, contacts({"c1": None}), op)
    assert_credits(credits(result, "linear"), {"t1": 1 / 3, "t2": 1 / 3, "t3": 1 / 3})
    assert result["touched_at"].dt.tz is None


# ---- lead-level attribution (reference_lead_attribution) ---------------------------------------

LEAD = pd.Timestamp("2025-05-01 09:00:00")


def lead_contacts(rows: dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]]) -> pd.DataFrame:
    """{contact_id: (lead_created_at, mql_at)} as a contacts frame."""
    return pd.DataFrame(
        {
            "contact_id": list(rows),
            "lead_created_at": pd.to_datetime(pd.Series([v[0] for v in rows.values()])),
            "mql_at": pd.to_datetime(pd.Series([v[1] for v in rows.values()])),
            "updated_at": pd.NaT,
        }
    )


def run_leads(tp: pd.DataFrame, ct: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    result = lead_ref.reference_lead_attribution(tp, ct, **kwargs)
    assert lead_ref.lead_credit_sum_problems(result) == []
    assert (result["credit"] > 0).all()
    assert list(result.columns) == lead_ref.LEAD_OUTPUT_COLUMNS
    return result


def lead_credits(result: pd.DataFrame, model: str, contact: str = "c1") -> dict:
    rows = result[(result["model"] == model) & (result["contact_id"] == contact)]
    return dict(zip(rows["touchpoint_id"], rows["credit"], strict=True))


def lead_journey() -> pd.DataFrame:
    """c1's window holds t_edge (exactly L days before), t1, t2, t3 and t_at (at the lead)."""
    return touches(
        ("t_out", "c1", LEAD - 365 * DAY - pd.Timedelta(seconds=1)),
        ("t_edge", "c1", LEAD - 365 * DAY),
        ("t1", "c1", LEAD - 50 * DAY),
        ("t2", "c1", LEAD - 40 * DAY, "A2"),  # the account does not matter for leads
        ("tx", "c2", LEAD - 30 * DAY),  # another contact of the same account: not c1's touch
        ("t3", "c1", LEAD - 10 * DAY),
        ("t_at", "c1", LEAD),
        ("t_after", "c1", LEAD + pd.Timedelta(seconds=1)),
    )


def test_lead_models_on_a_five_touch_window() -> None:
    result = run_leads(lead_journey(), lead_contacts({"c1": (LEAD, None), "c2": (None, None)}))
    assert set(result["contact_id"]) == {"c1"}  # c2 is not a lead
    assert set(result["model"]) == {m.name for m in lead_ref.LEAD_MODELS}
    assert_credits(lead_credits(result, "first_touch"), {"t_edge": 1.0})
    assert_credits(lead_credits(result, "lead_creation_touch"), {"t_at": 1.0})
    window = ["t_edge", "t1", "t2", "t3", "t_at"]
    assert_credits(lead_credits(result, "linear"), dict.fromkeys(window, 0.2))
    # u_shaped: FT .4, LC .4, three middle touches share .2 -> 1/15 each.
    expected = {"t_edge": 0.4, "t1": 1 / 15, "t2": 1 / 15, "t3": 1 / 15, "t_at": 0.4}
    assert_credits(lead_credits(result, "u_shaped"), expected)


def test_lead_one_touch_and_two_touches() -> None:
    tp = touches(
        ("a1", "c1", LEAD - DAY),
        ("b1", "c2", LEAD - 3 * DAY),
        ("b2", "c2", LEAD - 2 * DAY),
    )
    result = run_leads(tp, lead_contacts({"c1": (LEAD, None), "c2": (LEAD, None)}))
    for model in ["first_touch", "lead_creation_touch", "linear", "u_shaped"]:
        assert_credits(lead_credits(result, model, "c1"), {"a1": 1.0})  # FT = LC: .8 -> 1
    # Two touches: FT .4 and LC .4, no middle -> 1/2 each.
    assert_credits(lead_credits(result, "u_shaped", "c2"), {"b1": 0.5, "b2": 0.5})
    assert_credits(lead_credits(result, "lead_creation_touch", "c2"), {"b2": 1.0})


def test_lead_lookback_parameter_is_inclusive() -> None:
    tp = touches(
        ("t_old", "c1", LEAD - 30 * DAY - pd.Timedelta(seconds=1)),
        ("t_edge", "c1", LEAD - 30 * DAY),
        ("t_new", "c1", LEAD - DAY),
    )
    result = run_leads(tp, lead_contacts({"c1": (LEAD, None)}), lookback_days=30)
    assert_credits(lead_credits(result, "first_touch"), {"t_edge": 1.0})
    assert_credits(lead_credits(result, "linear"), {"t_edge": 0.5, "t_new": 0.5})


def test_lead_ties_broken_by_touchpoint_id() -> None:
    tp = touches(("x2", "c1", LEAD - DAY), ("x1", "c1", LEAD - DAY))
    result = run_leads(tp, lead_contacts({"c1": (LEAD, None)}))
    assert_credits(lead_credits(result, "first_touch"), {"x1": 1.0})
    assert_credits(lead_credits(result, "lead_creation_touch"), {"x2": 1.0})


def test_lead_without_touches_in_window_is_unattributed() -> None:
    tp = touches(("t_after", "c1", LEAD + DAY), ("t_c2", "c2", LEAD - DAY))
    result = run_leads(tp, lead_contacts({"c1": (LEAD, LEAD + 2 * DAY)}))
    assert len(result) == len(lead_ref.LEAD_MODELS)
    assert result["touchpoint_id"].isna().all() and result["campaign_id"].isna().all()
    assert result["touched_at"].isna().all()
    assert (result["channel"] == "(unattributed)").all()
    assert (result["credit"] == 1.0).all() and (result["mql_credit"] == 1.0).all()
    assert (result["lead_created_at"] == LEAD).all()


def test_lead_is_mql_and_mql_credit() -> None:
    tp = touches(("a1", "c1", LEAD - 2 * DAY), ("a2", "c1", LEAD - DAY), ("b1", "c2", LEAD))
    ct = lead_contacts({"c1": (LEAD, LEAD + 3 * DAY), "c2": (LEAD, None)})
    result = run_leads(tp, ct)
    c1 = result[(result["contact_id"] == "c1") & (result["model"] == "linear")]
    assert c1["is_mql"].all() and c1["mql_credit"].tolist() == pytest.approx([0.5, 0.5])
    c2 = result[result["contact_id"] == "c2"]
    assert not c2["is_mql"].any() and (c2["mql_credit"] == 0.0).all()
    row = result[(result["model"] == "first_touch") & (result["contact_id"] == "c1")].iloc[0]
    assert (row["touchpoint_id"], row["channel"], row["campaign_id"]) == ("a1", "ch_a1", "cmp_a1")
    assert row["touched_at"] == LEAD - 2 * DAY


def test_lead_contacts_are_deduplicated() -> None:
    # The newer version (updated_at) moves the lead earlier and sets mql_at.
    ct = pd.DataFrame(
        {
            "contact_id": ["c1", "c1"],
            "lead_created_at": [LEAD, LEAD - 5 * DAY],
            "mql_at": [pd.NaT, LEAD],
            "updated_at": [pd.Timestamp("2025-05-03"), pd.Timestamp("2025-05-04")],
        }
    )
    tp = touches(("a1", "c1", LEAD - 6 * DAY), ("a2", "c1", LEAD - DAY))
    result = run_leads(tp, ct)
    assert_credits(lead_credits(result, "lead_creation_touch"), {"a1": 1.0})
    assert result["is_mql"].all() and (result["lead_created_at"] == LEAD - 5 * DAY).all()


def test_compare_lead_attribution_reports_differences() -> None:
    result = run_leads(lead_journey(), lead_contacts({"c1": (LEAD, None), "c9": (LEAD, LEAD)}))
    assert lead_ref.compare_lead_attribution(result, result.copy()) == []
    mart = result.copy()
    mart["is_mql"] = mart["is_mql"].astype(object)
    mart["touched_at"] = mart["touched_at"].astype("datetime64[us]")
    assert lead_ref.compare_lead_attribution(mart.sample(frac=1.0, random_state=2), result) == []
    mart.loc[0, "mql_credit"] = 0.5
    mart.loc[1, "lead_created_at"] += pd.Timedelta(seconds=1)
    mart.loc[2, "is_mql"] = True
    unattributed = mart.index[mart["touchpoint_id"].isna()][0]
    mart = mart.drop(index=unattributed)
    text = "\n".join(lead_ref.compare_lead_attribution(mart, result))
    for col in ["mql_credit", "lead_created_at", "is_mql"]:
        assert f"differ in {col}" in text, col
    assert "keys only in expected" in text and "NULL" in text


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
    """Spec rules applied literally, one opportunity at a time, with plain Python."""
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
