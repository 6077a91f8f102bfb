"""The `make run` summary's data-driven table, read from a report table this test writes into
a real DuckDB file: each model's interval is the one its report row carries (markov's weight;
shapley's coefficient, as its weight is not resampled), and the mark follows the evidence."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.lib.warehouse import WarehouseResource
from dagster_project.summary import DATA_DRIVEN_REPORT, NO_FITTING_JOURNEYS, _data_driven_section

NOT = "not distinguishable from no effect"
YES = "distinguishable from no effect"
# model, channel, effect, effect_low, effect_high, weight, weight_low, weight_high, evidence
ROWS = [
    ("markov", "Email", 0.9, 0.85, 0.95, 0.6, 0.55, 0.65, YES),
    ("markov", "Webinar", 0.6, 0.0, 0.7, 0.4, 0.0, 0.45, NOT),
    ("shapley", "Email", -0.25, -0.78, 0.36, 0.0, None, None, NOT),
    ("shapley", "Webinar", 0.32, 0.06, 0.64, 1.0, None, None, YES),
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
    assert "markov: of the weight; shapley: of the logistic coefficient" in lines[0]
    table = lines[1].splitlines()
    assert table[0].split() == ["model", "markov", "shapley"]
    rows = {line.split()[0]: " ".join(line.split()[1:]) for line in table[2:]}
    assert list(rows) == ["Webinar", "Email"]  # the largest weight of either model first
    assert rows["Email"] == "60.0% [55.0%, 65.0%] 0.0%, coef -0.25 [-0.78, +0.36] *"
    assert rows["Webinar"] == "40.0% [0.0%, 45.0%] * 100.0%, coef +0.32 [+0.06, +0.64]"


def test_no_fitting_journey_is_said_in_words(tmp_path: Path) -> None:
    assert _data_driven_section(_warehouse(tmp_path, ROWS, 0)) == [NO_FITTING_JOURNEYS, ""]
