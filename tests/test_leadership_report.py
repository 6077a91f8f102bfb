"""The leadership report as its readers see it: rendered by headless Chromium from the file
the sample build wrote, with the network off. Numbers on the page are compared with sums
computed here from the published marts, not with the report's own queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from dagster_project.defs.publish.assets import PUBLISHED_CHECKS
from dagster_project.defs.publish.report import published_checks
from dagster_project.defs.publish.report_data import HEADLINE_MODEL, load_report_data
from dagster_project.defs.publish.report_html import (
    DASH,
    CheckStatus,
    Glossary,
    MissingDefinition,
    render_report,
    usd,
    usd_full,
)
from dagster_project.lib.browser import headless_chromium, screenshot_page
from tests.helpers.warehouse_build import BuiltWarehouse

# AS_OF is 2026-10-01: the window is the 12 complete months before October 2026.
WINDOW = ("2025-10-01", "2026-10-01")
SECTIONS = {
    "contribution": "Marketing contribution",
    "attribution": "Attribution by channel, every model side by side",
    "roi": "Top campaigns by ROI",
    "funnel": "Funnel and velocity",
    "plan": "Plan vs actual",
    "forecast": "Will we make the number?",
    "buyers": "Most likely buyers",
    "checks": "Checks and freshness",
    "glossary": "Glossary",
}


@pytest.fixture(scope="module")
def report(built_warehouse: BuiltWarehouse) -> Path:
    path = Path(built_warehouse.resource.leadership_report_path)
    assert path.exists(), "the sample build rendered no report"
    return path


@pytest.fixture(scope="module")
def serving(built_warehouse: BuiltWarehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(built_warehouse.resource.serving_database_path, read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[WebDriver]:
    with headless_chromium() as driver:
        driver.get(report.as_uri())
        yield driver


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> float:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return float(row[0] or 0)


def _cells(page: WebDriver, table_id: str) -> list[list[str]]:
    """Visible text of each row's cells (header row excluded)."""
    rows = page.find_elements(By.CSS_SELECTOR, f"table#{table_id} tr")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows[1:]]


def test_the_build_materialises_the_report_with_a_summary_preview(
    built_warehouse: BuiltWarehouse, report: Path
) -> None:
    [event] = [
        event
        for event in built_warehouse.result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == "leadership_report"
    ]
    metadata = event.materialization.metadata
    assert metadata["path"].value == str(report)
    assert "| marketing-sourced pipeline (New Business) |" in metadata["summary"].value
    # Every check passes but data_is_fresh, which warns once the sample (ending 2026-09-30) is
    # more than two days older than the build.
    assert metadata["checks_total"].value - metadata["checks_passed"].value <= 1


def test_every_section_is_visible_in_the_browser(page: WebDriver) -> None:
    assert page.title.startswith("Revenue attribution: leadership report")
    for section, heading in SECTIONS.items():
        element = page.find_element(By.CSS_SELECTOR, f"section#{section} h2")
        assert element.is_displayed(), section
        assert element.text.startswith(heading), (section, element.text)
    header = page.find_element(By.TAG_NAME, "header").text
    assert f"{WINDOW[0]} to {WINDOW[1]}" in header
    assert "as of 2026-10-01" in header
    charts = page.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 4
    assert all(chart.is_displayed() and chart.size["height"] > 50 for chart in charts)


def test_the_page_is_self_contained(page: WebDriver, report: Path) -> None:
    """Nothing to fetch: no scripts, stylesheets, images or fonts from anywhere."""
    fetched = page.execute_script("return performance.getEntriesByType('resource').length")
    assert fetched == 0
    html = report.read_text()
    assert "<script" not in html
    assert "<link" not in html
    assert "src=" not in html
    assert "@import" not in html


def test_marketing_contribution_matches_the_marts(
    page: WebDriver, serving: duckdb.DuckDBPyConnection
) -> None:
    opportunities = (
        "select sum(amount_usd) from marts.dim_opportunities"
        " where {} and created_at >= ? and created_at < ?"
    )
    pipeline = _scalar(serving, opportunities.format("true"), list(WINDOW))
    sourced = _scalar(serving, opportunities.format("is_marketing_sourced"), list(WINDOW))
    cards = page.find_element(By.CSS_SELECTOR, "section#contribution .cards").text
    assert f"{usd(pipeline)}\nPipeline created" in cards
    assert f"{usd(sourced)}\nMarketing-sourced pipeline" in cards

    # Attributed revenue on marketing channels under the headline model: won deals by close date.
    attributed = _scalar(
        serving,
        """
        select sum(attributed_revenue_usd) from marts.fct_attribution
        where model = ? and is_marketing and is_won and close_date >= ? and close_date < ?
        """,
        [HEADLINE_MODEL, *WINDOW],
    )
    rows = {row[0]: row for row in _cells(page, "marketing-by-model")}
    assert rows[HEADLINE_MODEL][3] == usd_full(attributed)
    models = [
        row[0]
        for row in serving.execute("select model from marts.dim_attribution_models").fetchall()
    ]
    assert sorted(rows) == sorted(models)


def test_attribution_by_channel_shows_every_model_side_by_side(
    page: WebDriver, serving: duckdb.DuckDBPyConnection
) -> None:
    header = page.find_elements(By.CSS_SELECTOR, "table#attribution-by-channel tr th")
    models = [
        row[0]
        for row in serving.execute("select model from marts.dim_attribution_models").fetchall()
    ]
    assert sorted(cell.text for cell in header[1:]) == sorted(models)
    rows = _cells(page, "attribution-by-channel")
    channels = {
        row[0]
        for row in serving.execute(
            "select distinct channel from marts.fct_attribution"
            " where is_won and close_date >= ? and close_date < ?",
            list(WINDOW),
        ).fetchall()
    }
    assert {row[0] for row in rows[:-1]} == channels
    # Credits sum to one, so every model hands out the same total: the page must show it.
    [total] = [row for row in rows if row[0] == "Total"]
    assert len(set(total[1:])) == 1
    dots = page.find_elements(By.CSS_SELECTOR, "section#attribution svg circle title")
    assert len(dots) == len(channels) * len(models)


def test_every_number_carries_its_definition(
    page: WebDriver, serving: duckdb.DuckDBPyConnection
) -> None:
    numbers = page.find_elements(By.CSS_SELECTOR, "span.num")
    assert len(numbers) > 200
    assert all(number.get_attribute("title") for number in numbers)
    [description] = serving.execute(
        "select comment from duckdb_columns() where table_name = 'rpt_marketing_contribution'"
        " and column_name = 'sourced_pipeline_usd'"
    ).fetchone()
    card = page.find_element(By.CSS_SELECTOR, "section#contribution .card:nth-child(2) span.num")
    assert card.get_attribute("title") == f"Marketing-sourced pipeline: {description}"
    glossary = {dt.get_attribute("id") for dt in page.find_elements(By.CSS_SELECTOR, "dl dt")}
    for term in page.find_elements(By.CSS_SELECTOR, "a.term"):
        assert term.get_attribute("title"), term.text
        assert term.get_attribute("href").split("#")[1] in glossary, term.text


def test_plan_vs_actual_puts_the_shortfalls_first(
    page: WebDriver, serving: duckdb.DuckDBPyConnection
) -> None:
    rows = page.find_elements(By.CSS_SELECTOR, "table#plan-totals tr")[1:]
    attainment = [float(row.find_elements(By.TAG_NAME, "td")[3].text.rstrip("%")) for row in rows]
    assert attainment == sorted(attainment)
    shortfall = ["shortfall" in (row.get_attribute("class") or "") for row in rows]
    assert shortfall == sorted(shortfall, reverse=True)  # every shortfall above every hit
    expected = serving.execute(
        """
        select count(*) from (
            select metric from reports.rpt_plan_vs_actual
            where period_type = 'quarter' and period_start = '2026-07-01'
            group by metric having sum(actual) < sum(target)
        )
        """
    ).fetchone()
    assert expected is not None and sum(shortfall) == expected[0] > 0
    # Shortfalls by segment and region: worst attainment first, all of them shortfalls.
    detail = _cells(page, "plan-shortfalls")
    worst = [float(row[5].rstrip("%")) for row in detail]
    assert worst == sorted(worst) and all(value < 100 for value in worst)


def test_will_we_make_the_number_shows_the_forecast_and_its_track_record(
    page: WebDriver, serving: duckdb.DuckDBPyConnection
) -> None:
    forecast = serving.execute(
        """
        select quarter_start, expected_bookings_usd, low_usd, high_usd, target_usd
        from reports.rpt_revenue_forecast
        where segment = 'All' and region = 'All'
        order by quarter_start
        """
    ).fetchall()
    rows = _cells(page, "forecast-quarters")
    assert [row[0] for row in rows] == [str(quarter) for quarter, *_ in forecast]
    assert len(rows) == 4
    for row, (_, expected, low, high, target) in zip(rows, forecast, strict=True):
        assert row[4] == usd(expected)
        assert row[5] == f"{usd(low)} to {usd(high)}"
        assert row[6] == usd(target)
    # The track record, recomputed here from the backtest's rows: each of the last four
    # quarters as forecast at its own start.
    backtest = serving.execute(
        """
        select is_within_range, forecast_usd, actual_usd
        from reports.rpt_revenue_forecast_backtest
        where segment = 'All' and quarters_ahead = 0
        order by quarter_start desc
        limit 4
        """
    ).fetchall()
    assert len(backtest) == 4
    within = sum(1 for inside, *_ in backtest if inside)
    error = sum(abs(forecast - actual) / actual for _, forecast, actual in backtest) / 4
    assert page.find_element(By.ID, "forecast-track-record").text == (
        f"Last 4 quarters: actual within range {within} of 4, mean absolute error {error:.0%}."
    )


def test_most_likely_buyers_are_the_top_scores_with_their_drivers_and_track_record(
    page: WebDriver, serving: duckdb.DuckDBPyConnection
) -> None:
    """The ten open deals (renewals counted apart) and the ten accounts scored highest,
    recomputed here from the marts with pandas (ties: the larger expected value, then the id),
    and each model's AUC."""

    def drivers(frame: pd.DataFrame) -> list[str]:
        columns = frame[["driver_1", "driver_2", "driver_3"]].itertuples(index=False)
        return ["; ".join(d for d in row if isinstance(d, str)) or DASH for row in columns]

    scored_deals = serving.execute("select * from marts.fct_opportunity_scores").df()
    renewals = scored_deals[scored_deals["opportunity_type"] == "Renewal"]
    deals = scored_deals[scored_deals["opportunity_type"] != "Renewal"]
    # The sample has open renewals, which would otherwise fill the list: the case is real here.
    assert len(renewals) > 0 and renewals["score"].min() > deals["score"].nlargest(10).min()
    assert page.find_element(By.ID, "buyers-renewals").text.startswith(
        f"{len(renewals)} open renewals ({renewals['score'].mean():.0%} likely to win on average)"
        " are left out"
    )
    names = serving.execute(
        "select opportunity_id, opportunity_name from marts.dim_opportunities"
    ).df()
    accounts = serving.execute("select account_id, account_name from marts.dim_accounts").df()
    top = (
        deals.sort_values(
            ["score", "expected_value_usd", "opportunity_id"], ascending=[False, False, True]
        )
        .head(10)
        .merge(names, on="opportunity_id", how="left")
        .merge(accounts, on="account_id", how="left")
    )
    assert len(top) == 10 and len(deals) > 10
    rows = _cells(page, "buyers-opportunities")
    assert [row[0] for row in rows] == list(top["opportunity_name"])
    assert [row[1] for row in rows] == list(top["account_name"])
    assert [row[2] for row in rows] == list(top["opportunity_type"])
    assert [row[3] for row in rows] == list(top["stage_name"])
    assert [row[4] for row in rows] == [usd_full(amount) for amount in top["amount_usd"]]
    assert [row[5] for row in rows] == [f"{score:.0%}" for score in top["score"]]
    assert [row[6] for row in rows] == drivers(top)

    scored = serving.execute("select * from marts.fct_account_scores").df()
    likeliest = (
        scored.sort_values(["score", "account_id"], ascending=[False, True])
        .head(10)
        .merge(accounts, on="account_id", how="left")
    )
    assert len(likeliest) == 10 and len(scored) > 10
    rows = _cells(page, "buyers-accounts")
    assert [row[0] for row in rows] == list(likeliest["account_name"])
    assert [row[1:3] for row in rows] == likeliest[["segment", "industry"]].to_numpy().tolist()
    assert [row[3] for row in rows] == [f"{score:.0%}" for score in likeliest["score"]]
    assert [row[4] for row in rows] == drivers(likeliest)
    # No contact's name or email: companies and deals only.
    section = page.find_element(By.ID, "buyers").text
    assert "@" not in section

    performance = {
        model: (int(tested), auc, top_rate, base)
        for model, tested, auc, top_rate, base in serving.execute(
            "select model, evaluation_rows, auc, top_decile_rate, base_rate"
            " from reports.rpt_propensity_performance"
        ).fetchall()
    }
    assert set(performance) == {"opportunity", "account"}
    for model, who, outcome in (
        ("opportunity", "Open deals", "won"),
        ("account", "Accounts", "opened a new opportunity within 90 days"),
    ):
        tested, auc, top_rate, base = performance[model]
        sentence = page.find_element(By.ID, f"buyers-record-{model}").text
        assert sentence.startswith(f"{who}: tested on {tested:,} snapshots since "), sentence
        assert f", AUC {auc:.2f} (0.5 is chance); " in sentence, sentence
        assert sentence.endswith(
            f"{top_rate:.0%} of the top tenth {outcome}, against {base:.0%} overall."
        ), sentence


def test_check_status_and_freshness_are_shown(page: WebDriver) -> None:
    checks = {row[0].split(" ")[0]: row[2] for row in _cells(page, "headline-checks")}
    for name in (
        "credits_sum_to_one",
        "attribution_reconciles_to_crm",
        "no_credit_outside_window",
        "sourced_within_influenced_within_total",
        "bookings_reconcile_to_billing",
    ):
        assert checks[name] == "passed", name
    layers = {row[0]: row for row in _cells(page, "checks-by-layer")}
    assert {"ingestion", "staging", "intermediate", "marts", "reports"} <= set(layers)
    assert all(row[1] == row[3] and int(row[1]) > 0 for row in layers.values())  # all passed
    status = page.find_element(By.ID, "check-status")
    assert status.is_displayed() and "checks passed" in status.text
    assert checks["data_is_fresh"] in ("passed", "warned")  # the sample ends 2026-09-30
    freshness = {row[0]: row[1] for row in _cells(page, "freshness")}
    # The as-of time is the data's own end, shown with where it came from and the build time.
    assert freshness["As-of time of this build (the data's end)"] == "2026-10-01"
    assert freshness["Data's end"] == "2026-10-01"
    assert freshness["Build started"] >= "2026-10-01"
    assert freshness["Latest touch"].startswith("2026-09-30")


def test_screenshot_of_the_whole_page(report: Path, tmp_path: Path) -> None:
    picture = screenshot_page(report, tmp_path / "leadership_report.png")
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert picture.stat().st_size > 100_000  # a rendered page, not a blank one


def test_a_failed_check_turns_the_headline_red(built_warehouse: BuiltWarehouse) -> None:
    data = load_report_data(built_warehouse.resource.serving_database_path)
    failed = CheckStatus(
        asset="marts/fct_attribution",
        check="credits_sum_to_one",
        status="failed",
        blocking=True,
        description="Credits sum to one.",
        evaluated="now",
    )
    html = render_report(data, [failed], [])
    assert (
        '<span class="status failed" id="check-status">0 of 1 checks passed · 1 failed</span>'
        in html
    )


def test_when_every_open_deal_is_a_renewal_the_list_says_so(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """A company whose only open deals are renewals gets a sentence, not an empty table: the
    sample's serving file with every other open deal taken out of the scores."""
    copy = tmp_path / "serving.duckdb"
    copy.write_bytes(Path(built_warehouse.resource.serving_database_path).read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from marts.fct_opportunity_scores where opportunity_type != 'Renewal'")
        renewals = con.execute("select count(*) from marts.fct_opportunity_scores").fetchone()
    assert renewals is not None and renewals[0] > 1
    html = render_report(load_report_data(copy), [], [])
    assert 'id="buyers-opportunities"' not in html
    assert '<p class="empty" id="buyers-opportunities-empty">Every deal open at' in html
    assert "is a renewal: no other deal to list.</p>" in html
    assert f'<p class="muted" id="buyers-renewals">{renewals[0]} open renewals (' in html


def test_a_term_without_a_dbt_description_is_refused() -> None:
    with pytest.raises(MissingDefinition, match="rpt_marketing_contribution"):
        Glossary({}, [])


def test_the_checks_shown_are_those_the_publish_kept_in_the_file(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """The report shows the checks the publish ran on the copy it swapped in (kept in
    main.publish_checks), without running them again; a file without that table (published
    by an older version) has them run again."""
    copy = tmp_path / "serving.duckdb"
    copy.write_bytes(Path(built_warehouse.resource.serving_database_path).read_bytes())
    shown = published_checks(str(copy), "1GB")
    assert [c.check for c in shown] == [
        spec.name for c in PUBLISHED_CHECKS for spec in c.check_specs
    ]
    assert all(
        c.evaluated.startswith("on the published copy before it was swapped in") for c in shown
    )
    with duckdb.connect(str(copy)) as con:  # what the file says is what the report shows
        con.execute(
            "update main.publish_checks set passed = false, explanation = 'x'"
            " where check_name = 'credits_sum_to_one'"
        )
    statuses = {c.check: c.status for c in published_checks(str(copy), "1GB")}
    assert statuses["credits_sum_to_one"] == "failed"
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table main.publish_checks")
    rerun = published_checks(str(copy), "1GB")
    assert {c.check: c.status for c in rerun}["credits_sum_to_one"] == "passed"
    assert all(c.evaluated.startswith("re-run on the published copy") for c in rerun)
