"""The `make run` summary's data-driven and forecast tables, read from report tables this test
writes into a real DuckDB file: each model's weight with the interval its report row carries,
and the mark follows the evidence (the effect's interval); the forecast shows the company-wide
rows and the record of the last four quarters forecast at their start."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.defs.publish.report_html import DASH
from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.summary import (
    DATA_DRIVEN_REPORT,
    FORECAST_REPORT,
    NO_FITTING_JOURNEYS,
    NO_FORECAST,
    _data_driven_section,
    _forecast_section,
)

NOT = "not distinguishable from no effect"
YES = "distinguishable from no effect"
# model, channel, effect, effect_low, effect_high, weight, weight_low, weight_high, evidence
ROWS = [
    ("markov", "Email", 0.9, 0.85, 0.95, 0.6, 0.55, 0.65, YES),
    ("markov", "Webinar", 0.6, 0.0, 0.7, 0.4, 0.0, 0.45, NOT),
    ("shapley", "Email", -0.25, -0.78, 0.36, 0.0, 0.0, 0.12, NOT),
    ("shapley", "Webinar", 0.32, 0.06, 0.64, 1.0, 0.88, 1.0, YES),
]


def _warehouse(tmp_path: Path, rows: list[tuple[object, ...]], journeys: int) -> WarehouseResource:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema reports")
        con.execute(
            f"create table {DATA_DRIVEN_REPORT} (model varchar, channel varchar, effect double,"
            " effect_low double, effect_high double, weight double, weight_low double,"
            " weight_high double, evidence varchar, fitting_journeys integer)"
        )
        con.executemany(
            f"insert into {DATA_DRIVEN_REPORT} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, journeys) for row in rows],
        )
    return WarehouseResource(source_dir="", raw_dir=str(tmp_path), warehouse_path=str(path))


def test_each_model_shows_the_interval_its_report_row_carries(tmp_path: Path) -> None:
    lines = _data_driven_section(_warehouse(tmp_path, ROWS, 519))
    assert lines[0].startswith("What our own 519 closed deals say")
    assert "the removal effect's or the logistic coefficient's interval includes 0" in lines[0]
    table = lines[1].splitlines()
    assert table[0].split() == ["model", "markov", "shapley"]
    rows = {line.split()[0]: " ".join(line.split()[1:]) for line in table[2:]}
    assert list(rows) == ["Webinar", "Email"]  # the largest weight of either model first
    assert rows["Email"] == "60.0% [55.0%, 65.0%] 0.0% [0.0%, 12.0%] *"
    assert rows["Webinar"] == "40.0% [0.0%, 45.0%] * 100.0% [88.0%, 100.0%]"


def test_no_fitting_journey_is_said_in_words(tmp_path: Path) -> None:
    assert _data_driven_section(_warehouse(tmp_path, ROWS, 0)) == [NO_FITTING_JOURNEYS, ""]


# quarter_start, booked, open pipeline, new pipeline, expected, low, high, target, gap
FORECAST = [
    ("2026-10-01", 100.0, 900.0, 200.0, 1200.0, 700.0, 1700.0, 1500.0, 300.0),
    ("2027-01-01", 0.0, 50.0, 950.0, 1000.0, 400.0, 1600.0, None, None),
]
# quarters_ahead, quarter_start, forecast, actual, within range
BACKTEST = [
    (0, "2025-10-01", 110.0, 100.0, True),
    (0, "2026-01-01", 80.0, 100.0, True),
    (1, "2026-01-01", 50.0, 100.0, False),
    (0, "2026-04-01", 100.0, 100.0, True),
    (0, "2026-07-01", 130.0, 100.0, False),
    (0, "2025-07-01", 500.0, 100.0, False),  # a fifth, older quarter: not in the record
]


def _forecast_warehouse(
    tmp_path: Path, forecast: list[tuple[object, ...]], backtest: list[tuple[object, ...]]
) -> WarehouseResource:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema reports")
        con.execute(
            f"create table {FORECAST_REPORT} (quarter_start date, segment varchar,"
            " region varchar, booked_usd double, open_pipeline_usd double,"
            " new_pipeline_usd double, expected_bookings_usd double, low_usd double,"
            " high_usd double, target_usd double, gap_usd double)"
        )
        for quarter, *numbers in forecast:
            con.execute(
                f"insert into {FORECAST_REPORT} values (?, 'All', 'All', ?, ?, ?, ?, ?, ?, ?, ?)",
                [quarter, *numbers],
            )
            # A segment's row, which the company-wide section leaves out.
            con.execute(
                f"insert into {FORECAST_REPORT} values (?, 'SMB', 'All', 1, 1, 1, 3, 1, 5, 9, 6)",
                [quarter],
            )
        con.execute(
            "create table reports.rpt_revenue_forecast_backtest (segment varchar,"
            " quarters_ahead integer, quarter_start date, forecast_usd double,"
            " actual_usd double, error_share double, is_within_range boolean)"
        )
        for ahead, quarter, forecast_usd, actual, within in backtest:
            con.execute(
                "insert into reports.rpt_revenue_forecast_backtest values"
                " ('All', ?, ?, ?, ?, ?, ?)",
                [ahead, quarter, forecast_usd, actual, (forecast_usd - actual) / actual, within],
            )
    return WarehouseResource(source_dir="", raw_dir=str(tmp_path), warehouse_path=str(path))


def test_the_forecast_shows_each_quarter_and_the_last_four_quarters_record(
    tmp_path: Path,
) -> None:
    lines = _forecast_section(_forecast_warehouse(tmp_path, FORECAST, BACKTEST))
    assert lines[0].startswith("Will we make the number?")
    table = lines[1].splitlines()
    assert table[0].split() == ["quarter", "expected", "90%", "range", "target", "gap"]
    assert table[1].split() == ["2026-10-01", "1,200", "700", "-", "1,700", "1,500", "300"]
    assert table[2].split() == ["2027-01-01", "1,000", "400", "-", "1,600", DASH, DASH]
    # The last four quarters forecast at their start (not 2025-07, nor 1 ahead): 3 in range;
    # errors 30%, 0%, 20%, 10% -> 15%.
    assert lines[2] == "Last 4 quarters: actual within range 3 of 4, mean absolute error 15%."


def test_a_forecast_without_a_track_record_or_rows_is_said_in_words(tmp_path: Path) -> None:
    lines = _forecast_section(_forecast_warehouse(tmp_path, FORECAST, []))
    assert lines[2].startswith("No track record yet")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _forecast_section(_forecast_warehouse(empty, [], [])) == [NO_FORECAST, ""]
