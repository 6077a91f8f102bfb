"""The position-based models on hand-computed journeys (docs/attribution_rules.md): the worked
examples of the normalisation, first/last/linear/U/W, full path, time decay, J-shaped and
last non-direct, each credit written out by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import reference as ref
from tests.helpers.reference.journeys import (
    CREATED,
    DAY,
    assert_credits,
    contacts,
    credits,
    opps,
    run,
    three_touches,
    touches,
)

#


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
