"""The lead-level reference (fct_lead_attribution's rules) on hand-computed journeys."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers.reference import lead_attribution as lead_ref
from tests.helpers.reference.journeys import DAY, assert_credits, touches

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
