"""The leadership report renders on any valid input (issue 12): small exports of real shapes,
built by the real Dagster job, each empty section saying in words what is missing and why.

Three builds of tests/helpers/shapes.py, each asserted several ways (a build of tiny data costs a
minute or more):

* `open_deal` (CSV): one account, one lead, every touch on one channel, one open opportunity;
  no spend, targets or invoices (header-only files). No won deal at all.
* `stale` (Parquet): one won deal in 2025 and an as-of time in 2028: the window is empty, the
  data ends long before it. Spend, targets and an invoice exist, all before the window, and
  one target is 0 (an attainment with no denominator).
* `won` (CSV): every amount in EUR; a large won deal on one campaign's channel and a won deal
  no touch reached; spend on that campaign; targets only for the quarter still running.

Numbers on the page are compared with sums computed here from the published marts (or from
the exports the test wrote), never with the report's own queries.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from dagster_project.defs.publish.report_data import (
    HEADLINE_MODEL,
    PROPENSITY_HORIZON_DAYS,
    load_report_data,
    pivot_by_channel,
    propensity_sentence,
)
from dagster_project.defs.publish.report_html import (
    DASH,
    count,
    pct,
    render_report,
    usd,
    usd_full,
)
from dagster_project.lib.svg import Bar, bar_chart, range_dot_plot
from dagster_project.settings import DBT_PROJECT_DIR
from tests.helpers.exports import Exports
from tests.helpers.report_page import Page
from tests.helpers.shapes import STALE_TARGETS, ShapeBuilds
from tests.helpers.warehouse_build import BuiltWarehouse


@dataclass(frozen=True)
class Shape:
    built: BuiltWarehouse
    exports: Exports
    page: Page
    html: str
    window: tuple[date, date]

    @property
    def in_window(self) -> str:
        return f"this window ({self.window[0]} to {self.window[1]})"

    def serving(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(self.built.resource.serving_database_path, read_only=True)


def _shape(shape_builds: ShapeBuilds, name: str) -> Shape:
    build = shape_builds[name]
    built = build.built
    failures = [
        f"{event.step_key}: {event.step_failure_data.error}"
        for event in built.result.all_events
        if event.is_step_failure
    ]
    assert built.result.success, failures
    report = Path(built.resource.leadership_report_path)
    assert report.exists(), f"{name}: the run wrote no report"
    html = report.read_text(encoding="utf-8")
    return Shape(built, build.exports, Page.read(report), html, build.spec.window)


@pytest.fixture(scope="module")
def open_deal(shape_builds: ShapeBuilds) -> Shape:
    return _shape(shape_builds, "open_deal")


@pytest.fixture(scope="module")
def stale(shape_builds: ShapeBuilds) -> Shape:
    return _shape(shape_builds, "stale")


@pytest.fixture(scope="module")
def won(shape_builds: ShapeBuilds) -> Shape:
    return _shape(shape_builds, "won")


@pytest.fixture
def serving(
    request: pytest.FixtureRequest, shape_builds: ShapeBuilds
) -> Iterator[duckdb.DuckDBPyConnection]:
    shape = _shape(shape_builds, request.param)
    with shape.serving() as con:
        yield con


def _value(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> float:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return float(row[0] or 0)


def _models(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0] for row in con.execute("select model from marts.dim_attribution_models").fetchall()
    ]


def _by_channel_and_model(
    con: duckdb.DuckDBPyConnection, measure: str, date_column: str, window: tuple[date, date]
) -> dict[tuple[str, str], float]:
    """Sums of fct_attribution per (channel, model): the report's tables, from the mart."""
    won = "is_won and " if measure == "attributed_revenue_usd" else ""
    rows = con.execute(
        f"""
        select channel, model, sum({measure}) from marts.fct_attribution
        where {won}cast({date_column} as date) >= ? and cast({date_column} as date) < ?
        group by channel, model
        """,
        list(window),
    ).fetchall()
    return {(channel, model): float(total) for channel, model, total in rows}


def _charts(page: Page) -> list[str]:
    return [svg.attrs["aria-label"] for svg in page.root.find_all("svg", "chart")]


# ------------------------------------------------------------------ every shape


@pytest.mark.parametrize("name", ["open_deal", "stale", "won"])
def test_every_shape_renders_every_section_with_definitions(
    name: str, shape_builds: ShapeBuilds
) -> None:
    shape = _shape(shape_builds, name)
    [event] = [
        event
        for event in shape.built.result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == "leadership_report"
    ]
    assert (
        event.materialization.metadata["path"].value == shape.built.resource.leadership_report_path
    )
    page = shape.page
    for section in (
        "contribution",
        "attribution",
        "roi",
        "funnel",
        "plan",
        "forecast",
        "buyers",
        "checks",
        "glossary",
    ):
        assert page.section(section).find_all("h2"), section
    header = page.root.find_all("header")[0].text()
    assert f"{shape.window[0]} to {shape.window[1]} (exclusive)" in header
    # Every term resolves to a glossary entry with its dbt definition; every number has one.
    glossary = {dt.attrs["id"] for dt in page.root.find_all("dt")}
    terms = page.root.find_all("a", "term")
    assert terms
    for term in terms:
        assert term.attrs["title"], term.text()
        assert term.attrs["href"].removeprefix("#") in glossary, term.text()
    assert all(number.attrs.get("title") for number in page.root.find_all("span", "num"))
    # No undefined value leaks into the page, as text or as a coordinate.
    body = re.sub(r"<style>.*?</style>", "", shape.html, flags=re.DOTALL)
    assert not re.search(r"\b(nan|NaN|None|inf)\b", body)


# Open deals and accounts without one in each shape, as its exports make them.
BUYERS = {"open_deal": (1, 0), "stale": (0, None), "won": (0, None)}


@pytest.mark.parametrize("name", ["open_deal", "stale", "won"])
def test_most_likely_buyers_are_listed_or_said_to_be_none(
    name: str, shape_builds: ShapeBuilds
) -> None:
    shape = _shape(shape_builds, name)
    page = shape.page
    with shape.serving() as con:
        deals = int(_value(con, "select count(*) from marts.fct_opportunity_scores", []))
        accounts = int(_value(con, "select count(*) from marts.fct_account_scores", []))
    expected_deals, expected_accounts = BUYERS[name]
    assert deals == expected_deals
    assert expected_accounts is None or accounts == expected_accounts
    if deals:
        assert len(page.rows("buyers-opportunities")) == min(deals, 10)
        assert page.by_id("buyers-opportunities-empty") is None
    else:
        assert page.by_id("buyers-opportunities") is None
        assert page.text("buyers-opportunities-empty") == (
            "No deal open at the as-of time: no deal to score."
        )
    if accounts:
        assert len(page.rows("buyers-accounts")) == min(accounts, 10)
        assert page.by_id("buyers-accounts-empty") is None
    else:
        assert page.by_id("buyers-accounts") is None
        assert page.text("buyers-accounts-empty") == (
            "No account without an open deal at the as-of time: no account to score."
        )
    # One sentence per model, whatever the data taught it.
    assert page.text("buyers-record-opportunity").startswith("Open deals: ")
    assert page.text("buyers-record-account").startswith("Accounts: ")


# ------------------------------------------------------------------ one open deal, one channel


def test_no_won_deal_no_spend_no_target_is_said_in_words(open_deal: Shape) -> None:
    page, window = open_deal.page, open_deal.in_window
    assert page.by_id("data-ends") is None  # the data reaches into the window
    contribution = page.section("contribution").text()
    assert f"No closed-won deals in {window}." in contribution
    assert page.text("attribution-empty") == f"No closed-won deals in {window}."
    assert page.by_id("attribution-by-channel") is None
    assert page.text("roi-empty") == (
        f"No marketing spend in {window}: ROI needs campaign/ad_spend or campaign costs"
        " (actual_cost)."
    )
    assert page.by_id("top-campaigns") is None and page.by_id("channel-roi") is None
    assert page.text("plan-empty") == (
        "No targets: plan vs actual needs revenue/targets, for a period begun before the"
        " as-of time."
    )
    assert page.by_id("plan-totals") is None
    # Nothing to draw but the funnel: no empty chart frames.
    assert _charts(page) == ["Funnel: leads to won deals"]
    freshness = {row[0]: row[1] for row in page.rows("freshness")}
    assert freshness["Latest deal closed"] == freshness["Latest invoice"] == DASH
    assert freshness["Latest marketing spend"] == DASH


@pytest.mark.parametrize("serving", ["open_deal"], indirect=True)
def test_open_deal_numbers_are_the_marts(
    open_deal: Shape, serving: duckdb.DuckDBPyConnection
) -> None:
    page, window = open_deal.page, list(open_deal.window)
    pipeline = _value(
        serving,
        "select sum(amount_usd) from marts.dim_opportunities"
        " where cast(created_at as date) >= ? and cast(created_at as date) < ?",
        window,
    )
    assert pipeline > 0
    cards = page.section("contribution").find_all("div", "cards")[0].text()
    assert f"{usd(pipeline)} Pipeline created · 1 opportunities" in cards
    assert f"{usd(0)} Revenue won · 0 deals" in cards
    # Attributed pipeline: one channel, every model a column even with one row per model.
    expected = _by_channel_and_model(
        serving, "attributed_pipeline_usd", "opportunity_created_at", open_deal.window
    )
    assert {channel for channel, _ in expected} == {"Paid Search"}
    models = page.headers("pipeline-by-channel")[1:]
    assert sorted(models) == sorted(_models(serving))
    [row] = page.rows("pipeline-by-channel")
    assert row[0] == "Paid Search"
    assert row[1:] == [usd(expected[("Paid Search", model)]) for model in models]
    by_model = {row[0]: row for row in page.rows("marketing-by-model")}
    assert by_model[HEADLINE_MODEL][1] == usd_full(expected[("Paid Search", HEADLINE_MODEL)])
    # The funnel of the window's leads.
    leads = _value(
        serving,
        "select count(*) from marts.fct_funnel_events where entity_type = 'lead'"
        " and stage = 'lead' and cohort_month >= ? and cohort_month < ?",
        window,
    )
    funnel = {row[0]: row[1] for row in page.rows("funnel-conversion")}
    assert funnel["Leads"] == count(leads) == "1"


# ------------------------------------------------------------------ data long before the window


def test_data_ending_before_the_window_is_said_at_the_top(stale: Shape) -> None:
    page, window = stale.page, stale.in_window
    with stale.serving() as con:
        row = con.execute(
            "select max(close_date) from marts.dim_opportunities where is_closed"
        ).fetchone()
        latest_touch = con.execute("select max(touched_at) from marts.fct_touchpoints").fetchone()
        spend = _value(con, "select sum(spend_usd) from marts.fct_marketing_spend", [])
    assert row is not None and latest_touch is not None
    last_close: date = row[0]
    assert latest_touch[0].date() < last_close < stale.window[0]
    assert page.text("data-ends") == (
        f"The data ends on {last_close} (Latest deal closed), before this window: nothing in"
        " the window to show. A build as of a time just after the data (ATTRIBUTION_AS_OF)"
        " reports on it."
    )
    assert page.text("contribution-empty") == (
        f"No opportunities created and no closed-won deals in {window}."
    )
    assert page.section("contribution").find_all("div", "cards") == []
    assert page.text("attribution-empty") == f"No closed-won deals in {window}."
    assert page.text("pipeline-empty") == f"No opportunities created in {window}."
    # There is spend, but none in the window.
    assert spend > 0
    assert page.text("roi-empty").startswith(f"No marketing spend in {window}: ROI needs")
    assert page.text("funnel-empty") == (
        f"No leads created in {window}: the funnel follows the leads created in it."
    )
    # Plan vs actual is the last complete quarter, whatever the window: it has one to show.
    assert _charts(page) == ["Attainment of plan, last complete quarter"]


@pytest.mark.parametrize("serving", ["stale"], indirect=True)
def test_plan_vs_actual_of_the_last_complete_quarter_with_a_zero_target(
    stale: Shape, serving: duckdb.DuckDBPyConnection
) -> None:
    page = stale.page
    heading = page.section("plan").find_all("h2")[0].text()
    assert heading == "Plan vs actual, quarter starting 2025-04-01"
    quarter = [date(2025, 4, 1), date(2025, 7, 1)]
    bookings = _value(
        serving,
        "select sum(amount_usd) from marts.dim_opportunities"
        " where is_won and close_date >= ? and close_date < ?",
        quarter,
    )
    leads = _value(
        serving,
        "select count(*) from marts.fct_funnel_events where entity_type = 'lead'"
        " and stage = 'lead' and reached_at >= ? and reached_at < ?",
        quarter,
    )
    target = 3 * STALE_TARGETS["bookings_usd"]
    assert 0 < bookings < target
    # Lowest attainment first; a target of 0 has no attainment and sorts last.
    assert page.rows("plan-totals") == [
        [
            "bookings_usd",
            count(target),
            count(bookings),
            pct(bookings / target),
            count(bookings - target),
        ],
        ["leads", "0", count(leads), DASH, count(leads)],
    ]
    rows = page.by_id("plan-totals")
    assert rows is not None
    shortfalls = [tr.text().split(" ")[0] for tr in rows.find_all("tr", "shortfall")]
    assert shortfalls == ["bookings_usd"]
    assert page.rows("plan-shortfalls") == [["No shortfall below the totals."]]
    [chart] = page.section("plan").find_all("svg", "chart")
    labels = [text.text() for text in chart.find_all("text")]
    assert pct(bookings / target) in labels and DASH in labels


# ------------------------------------------------------------------ won deals, one currency


@pytest.mark.parametrize("serving", ["won"], indirect=True)
def test_won_deals_in_euros_by_channel_under_every_model(
    won: Shape, serving: duckdb.DuckDBPyConnection
) -> None:
    page, window = won.page, list(won.window)
    assert page.by_id("data-ends") is None
    assert {
        row[0]
        for row in serving.execute(
            "select distinct currency from marts.dim_opportunities"
        ).fetchall()
    } == {"EUR"}
    revenue = _value(
        serving,
        "select sum(amount_usd) from marts.dim_opportunities"
        " where is_won and close_date >= ? and close_date < ?",
        window,
    )
    assert revenue > 250_000_000  # converted at a rate above 1
    cards = page.section("contribution").find_all("div", "cards")[0].text()
    assert f"{usd(revenue)} Revenue won · 2 deals" in cards
    expected = _by_channel_and_model(serving, "attributed_revenue_usd", "close_date", won.window)
    channels = {channel for channel, _ in expected}
    assert "(unattributed)" in channels and len(channels) == 2  # the deal no touch reached
    models = page.headers("attribution-by-channel")[1:]
    assert sorted(models) == sorted(_models(serving))
    rows = {row[0]: row[1:] for row in page.rows("attribution-by-channel")}
    assert set(rows) == channels | {"Total"}
    for channel in channels:
        assert rows[channel] == [usd(expected.get((channel, model), 0.0)) for model in models]
    assert rows["Total"] == [usd(revenue)] * len(models)
    dots = [
        circle
        for circle in page.section("attribution").find_all("circle")
        if circle.find_all("title")
    ]
    assert len(dots) == len(channels) * len(models)


@pytest.mark.parametrize("serving", ["won"], indirect=True)
def test_campaign_roi_and_no_complete_quarter_of_plan(
    won: Shape, serving: duckdb.DuckDBPyConnection
) -> None:
    page, window = won.page, list(won.window)
    spend = _value(
        serving,
        "select sum(spend_usd) from marts.fct_marketing_spend"
        " where campaign_id = 'CMP-PS' and spend_date >= ? and spend_date < ?",
        window,
    )
    attributed = _value(
        serving,
        "select sum(attributed_revenue_usd) from marts.fct_attribution"
        " where model = ? and campaign_id = 'CMP-PS' and is_won"
        " and close_date >= ? and close_date < ?",
        [HEADLINE_MODEL, *window],
    )
    assert spend > 0 and attributed > 0
    [campaign] = page.rows("top-campaigns")
    assert campaign[0] == "Paid Search - Brand 2025"
    assert campaign[2] == usd_full(spend)
    assert campaign[4] == usd_full(attributed)
    assert campaign[7] == pct((attributed - spend) / spend)
    channel_spend = _value(
        serving,
        "select sum(spend_usd) from marts.fct_marketing_spend"
        " where channel = 'Paid Search' and spend_date >= ? and spend_date < ?",
        window,
    )
    channel_roi = {row[0]: row for row in page.rows("channel-roi")}
    assert set(channel_roi) == {"Paid Search"}
    assert channel_roi["Paid Search"][1] == usd_full(channel_spend)
    # Targets only for the quarter still running at the as-of time.
    assert page.section("plan").find_all("h2")[0].text() == "Plan vs actual"
    assert page.text("plan-empty") == "No complete quarter before the as-of time yet."
    assert _charts(page) == [
        "Attributed revenue by channel under each model",
        "Top campaigns by ROI",
        "Funnel: leads to won deals",
    ]


def test_a_model_without_rows_in_the_window_is_a_column_of_zeros(
    won: Shape, tmp_path: Path
) -> None:
    """The issue's failure: a pivot from rows lacking a model gave it no column, and the page
    indexed it (UndefinedError: no attribute 'first_touch'). A copy of the published file
    without that model's rows must render it as zeros, every other number unchanged."""
    copy = tmp_path / "serving.duckdb"
    shutil.copyfile(won.built.resource.serving_database_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from reports.rpt_attribution_by_channel where model = 'first_touch'")
    data = load_report_data(copy)
    assert list(data.revenue_by_channel.columns) == data.models
    assert list(data.pipeline_by_channel.columns) == data.models
    path = tmp_path / "report.html"
    path.write_text(render_report(data, [], []), encoding="utf-8")
    page = Page.read(path)
    models = page.headers("attribution-by-channel")[1:]
    before = {
        row[0]: dict(zip(models, row[1:], strict=True))
        for row in won.page.rows("attribution-by-channel")
    }
    after = {
        row[0]: dict(zip(models, row[1:], strict=True))
        for row in page.rows("attribution-by-channel")
    }
    assert set(after) == set(before)
    for channel, cells in after.items():
        assert cells["first_touch"] == usd(0), channel
        assert {m: v for m, v in cells.items() if m != "first_touch"} == {
            m: v for m, v in before[channel].items() if m != "first_touch"
        }


# ------------------------------------------------------------------ the parts, on their own


def test_pivot_by_channel_has_a_column_for_every_model() -> None:
    rows = pd.DataFrame(
        {
            "channel": ["Email", "Webinar"],
            "model": ["linear", "linear"],
            "usd": [Decimal("10.25"), Decimal("30.50")],  # exact money from an exact engine
        }
    )
    table = pivot_by_channel(rows, ["first_touch", "linear"])
    assert list(table.columns) == ["first_touch", "linear"]
    assert list(table.index) == ["Webinar", "Email"]  # by descending total
    assert table.to_dict() == {
        "first_touch": {"Webinar": 0.0, "Email": 0.0},
        "linear": {"Webinar": 30.5, "Email": 10.25},
    }
    assert all(str(dtype) == "float64" for dtype in table.dtypes)
    empty = pivot_by_channel(rows.iloc[0:0], ["first_touch", "linear"])
    assert list(empty.columns) == ["first_touch", "linear"] and empty.empty
    # Without models (the make run summary), the columns are the models that have rows.
    assert list(pivot_by_channel(rows).columns) == ["linear"]


def test_a_chart_with_nothing_to_draw_is_not_emitted() -> None:
    nan = float("nan")
    assert bar_chart([], label="x", fmt=pct) == ""
    assert bar_chart([Bar("a", nan, "a")], label="x", fmt=pct) == ""
    assert range_dot_plot({}, ["linear"], label="x", fmt=usd) == ""
    assert range_dot_plot({"Email": {"linear": 1.0}}, [], label="x", fmt=usd) == ""
    # Undefined values are drawn at zero and labelled as undefined, never as a coordinate.
    chart = bar_chart([Bar("a", nan, "a"), Bar("b", 0.5, "b")], label="x", fmt=pct, reference=1.0)
    assert chart.startswith("<svg") and "nan" not in chart and DASH in chart
    # Only values below zero: bars of zero length, no division by zero.
    negative = bar_chart([Bar("a", -0.5, "a")], label="x", fmt=pct)
    assert 'width="0.0"' in negative and "-50%" in negative
    dots = range_dot_plot(
        {"Email": {"linear": 0.0, "w_shaped": nan}}, ["linear", "w_shaped"], label="x", fmt=usd
    )
    assert dots.startswith("<svg") and "nan" not in dots


def test_the_propensity_sentences_say_what_each_model_did() -> None:
    performance = pd.DataFrame(
        {
            "model": ["opportunity", "account"],
            "cutoff_at": pd.to_datetime(["2026-04-01", "2026-04-01"]),
            "evaluation_rows": [1341, 0],
            "auc": [0.8621, None],
            "base_rate": [0.349, None],
            "top_decile_rate": [0.9429, None],
        }
    )
    assert propensity_sentence("opportunity", performance) == (
        "Open deals: tested on 1,341 snapshots since 2026-04-01, AUC 0.86 (0.5 is chance);"
        " 94% of the top tenth won, against 35% overall."
    )
    untested = (
        "Accounts: not tested yet: no snapshot after the cutoff has a known outcome, so the"
        " scores have no track record."
    )
    assert propensity_sentence("account", performance) == untested
    assert propensity_sentence("account", performance.iloc[0:0]) == untested
    assert propensity_sentence("account", pd.DataFrame()) == untested
    one_outcome = performance.assign(auc=None)
    assert propensity_sentence("opportunity", one_outcome).startswith(
        "Open deals: tested on 1,341 snapshots since 2026-04-01, AUC n/a (every snapshot ended"
        " the same way);"
    )


def test_the_horizon_the_report_names_is_dbts() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["propensity_horizon_days"] == PROPENSITY_HORIZON_DAYS


def test_money_formats_huge_and_exact_numbers() -> None:
    assert usd(2.5e12) == "$2.5T"
    assert usd(Decimal("987654321.00")) == "$987.7M"
    assert usd_full(Decimal("1234.5")) == "$1,234"
    assert pct(Decimal("0.5")) == "50%"
    assert usd(None) == DASH


@pytest.mark.parametrize("serving", ["open_deal"], indirect=True)
def test_an_open_deal_past_its_expected_close_is_overdue(
    open_deal: Shape, serving: duckdb.DuckDBPyConnection
) -> None:
    """OPP-1 is open, expected to close on 2025-05-15, and the as-of time is 2025-06-01: it is
    overdue in dim_opportunities and in the open pipeline of May's month end, not of April's."""
    assert serving.execute("select is_overdue from marts.dim_opportunities").fetchall() == [(True,)]
    rows = serving.execute(
        "select month_start, open_count, overdue_count, overdue_pipeline_usd"
        " from reports.rpt_pipeline where month_start in ('2025-04-01', '2025-05-01')"
        " order by month_start"
    ).fetchall()
    assert [(str(m), o, d, float(u)) for m, o, d, u in rows] == [
        ("2025-04-01", 1, 0, 0.0),
        ("2025-05-01", 1, 1, 12_000.0),
    ]
    coverage = _value(
        serving,
        "select sum(overdue_pipeline_usd) from reports.rpt_pipeline_coverage where month_start = ?",
        ["2025-05-01"],
    )
    assert coverage == 12_000.0
