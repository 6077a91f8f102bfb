"""The revenue-performance reports recomputed independently, in pandas, from the sample's
raw CSV exports, and compared with what dbt built.

Nothing here reads the dbt models' SQL or intermediate tables: the reference takes the
exports, applies the definitions written in the model YAML (plan vs actual grain, funnel
conversion, spend in USD spread over campaign days, bookings vs billing) and must land on
the same numbers as the published reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers.reference import compute_amount_usd, to_naive_utc
from tests.helpers.warehouse_build import SAMPLE_DIR, BuiltWarehouse

CENT = 0.005


def _csv(path: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / path, dtype=str, keep_default_na=False).replace("", None)


def _month(values: pd.Series) -> pd.Series:
    return to_naive_utc(values).dt.to_period("M").dt.to_timestamp()


@pytest.fixture(scope="module")
def as_of(built_warehouse: BuiltWarehouse) -> pd.Timestamp:
    return pd.Timestamp(built_warehouse.as_of)


@pytest.fixture(scope="module")
def opportunities() -> pd.DataFrame:
    return reference_opportunities()


def reference_opportunities() -> pd.DataFrame:
    """Opportunities with amount_usd and the account's segment/region as of creation."""
    opps = _csv("crm/opportunities.csv")
    opps["created_at"] = to_naive_utc(opps["created_at"])
    opps["close_date"] = pd.to_datetime(opps["close_date"])
    opps["is_won"] = opps["is_won"].str.lower().eq("true")
    opps["is_closed"] = opps["is_closed"].str.lower().eq("true")
    opps["amount_usd"] = compute_amount_usd(opps, _csv("revenue/fx_rates.csv"))
    accounts = _csv("crm/accounts.csv").reset_index(names="line")
    accounts["updated_at"] = to_naive_utc(accounts["updated_at"])
    accounts["valid_from"] = accounts["updated_at"].fillna(to_naive_utc(accounts["created_at"]))
    accounts = accounts.sort_values(["updated_at", "line"], na_position="first")
    stamped = []
    for row in opps.itertuples():
        versions = accounts[accounts["account_id"] == row.account_id]
        valid = versions[versions["valid_from"] <= row.created_at]
        version = valid.iloc[-1] if len(valid) else versions.iloc[0]
        stamped.append((version["segment"], version["region"]))
    opps[["segment", "region"]] = pd.DataFrame(stamped, index=opps.index)
    return opps


def _query(built: BuiltWarehouse, sql: str) -> pd.DataFrame:
    return built.resource.query(sql)


def test_plan_vs_actual_months_match_the_exports(
    built_warehouse: BuiltWarehouse, opportunities: pd.DataFrame, as_of: pd.Timestamp
) -> None:
    contacts = _csv("crm/contacts.csv")
    events = {
        "leads": _month(contacts["lead_created_at"]),
        "mqls": _month(contacts["mql_at"]),
        "sqls": _month(contacts["sql_at"]),
    }
    targets = _csv("revenue/targets.csv")
    targets["month"] = pd.to_datetime(targets["period_month"] + "-01")
    targets = targets[targets["month"] < as_of]
    expected = []
    for target in targets.itertuples():
        if target.metric in events:
            actual = float((events[target.metric] == target.month).sum())
        else:
            opps = opportunities
            if not pd.isna(target.segment):
                opps = opps[opps["segment"] == target.segment]
            if not pd.isna(target.region):
                opps = opps[opps["region"] == target.region]
            created = opps[opps["created_at"].dt.to_period("M").dt.to_timestamp() == target.month]
            won = opps[
                opps["is_won"]
                & (opps["close_date"].dt.to_period("M").dt.to_timestamp() == target.month)
            ]
            actual = {
                "opportunities": float(len(created)),
                "pipeline_usd": float(created["amount_usd"].sum()),
                "bookings_usd": float(won["amount_usd"].sum()),
            }[target.metric]
        expected.append(
            (
                target.metric,
                target.month,
                "(all)" if pd.isna(target.segment) else target.segment,
                "(all)" if pd.isna(target.region) else target.region,
                actual,
            )
        )
    reference = pd.DataFrame(
        expected, columns=["metric", "period_start", "segment", "region", "expected"]
    )
    built = _query(
        built_warehouse,
        "select metric, period_start, segment, region, actual from reports.rpt_plan_vs_actual"
        " where period_type = 'month'",
    )
    built["period_start"] = pd.to_datetime(built["period_start"])
    merged = reference.merge(
        built, on=["metric", "period_start", "segment", "region"], how="outer", indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    off = merged[(merged["expected"] - merged["actual"]).abs() > CENT]
    assert off.empty, off.head(10).to_string()
    assert len(merged) > 500


def test_funnel_cohorts_match_the_exports(
    built_warehouse: BuiltWarehouse, opportunities: pd.DataFrame, as_of: pd.Timestamp
) -> None:
    contacts = _csv("crm/contacts.csv")
    for column in ("lead_created_at", "mql_at", "sql_at"):
        contacts[column] = to_naive_utc(contacts[column])
    leads = contacts[
        contacts["lead_created_at"].notna() & (contacts["lead_created_at"] <= as_of)
    ].copy()
    roles = _csv("crm/opportunity_contact_roles.csv").merge(
        opportunities[["opportunity_id", "created_at", "close_date", "is_won"]], on="opportunity_id"
    )
    leads = leads.drop(columns=["created_at"])  # the contact's own; only the deal's counts here
    roles = roles.merge(leads[["contact_id", "lead_created_at"]], on="contact_id")
    roles = roles[
        (roles["created_at"] >= roles["lead_created_at"]) & (roles["created_at"] <= as_of)
    ]
    first = roles.sort_values(["created_at", "opportunity_id"]).drop_duplicates("contact_id")
    leads = leads.merge(
        first[["contact_id", "created_at", "close_date", "is_won"]], on="contact_id", how="left"
    )
    leads["cohort"] = leads["lead_created_at"].dt.to_period("M").dt.to_timestamp()
    reached = pd.DataFrame(
        {
            "cohort": leads["cohort"],
            "lead_count": 1,
            "mql_count": (leads["mql_at"] <= as_of).astype(int),
            "sql_count": (leads["sql_at"] <= as_of).astype(int),
            "opportunity_count": leads["created_at"].notna().astype(int),
            "won_count": (
                leads["is_won"].fillna(False).astype(bool) & (leads["close_date"] <= as_of)
            ).astype(int),
        }
    )
    reference = reached.groupby("cohort").sum()
    built = _query(
        built_warehouse,
        "select month_start as cohort, sum(lead_count) as lead_count, sum(mql_count) as mql_count,"
        " sum(sql_count) as sql_count, sum(opportunity_count) as opportunity_count,"
        " sum(won_count) as won_count from reports.rpt_funnel_conversion where view = 'cohort'"
        " group by 1 order by 1",
    )
    built["cohort"] = pd.to_datetime(built["cohort"])
    built = built.set_index("cohort").astype("int64")
    pd.testing.assert_frame_equal(built, reference.astype("int64"), check_names=False)


def _usd(amounts: pd.Series, currencies: pd.Series, days: pd.Series, fx: pd.DataFrame) -> pd.Series:
    """Amount x the rate of the day (or the latest earlier one); USD is 1."""
    frame = pd.DataFrame(
        {"pos": np.arange(len(amounts)), "currency": currencies.to_numpy(), "day": days.to_numpy()}
    )
    merged = pd.merge_asof(frame.sort_values("day"), fx, on="day", by="currency").sort_values("pos")
    rate = np.where(frame["currency"] == "USD", 1.0, merged["usd_per_unit"].to_numpy())
    return pd.Series(pd.to_numeric(amounts).to_numpy() * rate, index=amounts.index)


def test_monthly_spend_matches_the_exports(
    built_warehouse: BuiltWarehouse, as_of: pd.Timestamp
) -> None:
    fx = _csv("revenue/fx_rates.csv")
    fx = pd.DataFrame(
        {
            "day": pd.to_datetime(fx["rate_date"]),
            "currency": fx["currency"],
            "usd_per_unit": pd.to_numeric(fx["usd_per_unit"]),
        }
    ).sort_values("day")
    spend = _csv("campaign/ad_spend.csv")
    spend["day"] = pd.to_datetime(spend["spend_date"])
    spend = spend[spend["day"] < as_of]
    spend["usd"] = _usd(spend["spend"], spend["currency"], spend["day"], fx)
    by_month = spend.groupby(spend["day"].dt.to_period("M").dt.to_timestamp())["usd"].sum()
    campaigns = _csv("campaign/campaigns.csv")
    campaigns = campaigns[campaigns["actual_cost"].notna()].copy()
    campaigns["start"] = pd.to_datetime(campaigns["start_date"])
    campaigns["usd"] = _usd(campaigns["actual_cost"], campaigns["currency"], campaigns["start"], fx)
    last_day = (as_of - pd.Timedelta(days=1)).normalize()
    for campaign in campaigns.itertuples():
        days = pd.date_range(campaign.start, min(pd.Timestamp(campaign.end_date), last_day))
        share = (
            pd.Series(1.0 / len(days), index=days).groupby(days.to_period("M").to_timestamp()).sum()
        )
        by_month = by_month.add(share * campaign.usd, fill_value=0.0)
    built = _query(
        built_warehouse,
        "select month_start, sum(spend_usd) as spend_usd from reports.rpt_channel_roi"
        " where model = 'linear' group by 1 having sum(spend_usd) <> 0 order by 1",
    )
    built = built.set_index(pd.to_datetime(built["month_start"]))["spend_usd"]
    by_month = by_month[by_month.abs() > CENT]
    assert list(built.index) == list(by_month.index)
    assert np.allclose(built.to_numpy(), by_month.to_numpy(), rtol=0, atol=0.01)


def test_bookings_and_billing_match_the_exports(
    built_warehouse: BuiltWarehouse, opportunities: pd.DataFrame
) -> None:
    invoices = _csv("revenue/invoices.csv")
    invoices = invoices[invoices["status"].str.lower() != "void"]
    won = opportunities[opportunities["is_won"]]
    billed = (
        invoices.assign(amount=pd.to_numeric(invoices["amount"]))
        .groupby("opportunity_id")["amount"]
        .sum()
    )
    expected = won.set_index("opportunity_id")["amount"].astype(float).to_frame("booked_amount")
    expected["invoiced_amount"] = billed.reindex(expected.index).fillna(0.0)
    built = _query(
        built_warehouse,
        "select opportunity_id, booked_amount, invoiced_amount, invoice_id, status"
        " from marts.fct_bookings_billing",
    )
    bookings = built[
        built["opportunity_id"].notna() & (built["status"] != "invoice_without_booking")
    ]
    bookings = bookings.set_index("opportunity_id")[
        ["booked_amount", "invoiced_amount"]
    ].sort_index()
    pd.testing.assert_frame_equal(
        bookings.astype(float), expected.sort_index(), check_names=False, atol=CENT
    )
    orphans = set(
        invoices.loc[~invoices["opportunity_id"].isin(won["opportunity_id"]), "invoice_id"]
    )
    assert set(built.loc[built["status"] == "invoice_without_booking", "invoice_id"]) == orphans
    assert orphans  # the sample has ad-hoc invoices; the test must see some


def test_win_rate_by_quarter_matches_the_exports(
    built_warehouse: BuiltWarehouse, opportunities: pd.DataFrame, as_of: pd.Timestamp
) -> None:
    closed = opportunities[opportunities["is_closed"] & (opportunities["close_date"] < as_of)]
    quarter = closed["close_date"].dt.to_period("Q").dt.to_timestamp()
    reference = closed.groupby(quarter).agg(closed=("is_won", "size"), won=("is_won", "sum"))
    reference["win_rate"] = reference["won"] / reference["closed"]
    built = _query(
        built_warehouse,
        "select quarter_start, opportunities_closed as closed, opportunities_won as won, win_rate"
        " from reports.rpt_sales_velocity where segment = 'All' and opportunities_closed > 0"
        " order by 1",
    )
    built = built.set_index(pd.to_datetime(built["quarter_start"]))[["closed", "won", "win_rate"]]
    pd.testing.assert_frame_equal(
        built.astype(float), reference.astype(float), check_names=False, atol=1e-12
    )
