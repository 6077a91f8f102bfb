"""The windows, ties, scope, lead-creation role, deduplication and money of the reference, on
hand-computed journeys (docs/attribution_rules.md, docs/decisions.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import reference as ref
from tests.helpers.reference.journeys import (
    AS_OF,
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
