"""A user's first run must not fail on valid data: every output on every shape of export.

The shapes are the named builds of tests/helpers/shapes.py (each a real Dagster run of the whole
job: landing, dbt, every check, publishing, the leadership report), shared with the modules that
assert their particulars. Here each one must deliver what a user reads
(tests/helpers/shape_runs.py: the job succeeded, every blocking check passed, every public
table is published row for row, the report and the `make run` summary rendered without a
raw error, and the semantic layer answers a question over every semantic model), credits sum
to one per deal and model, and the case the
shape stands for holds in the published numbers."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS
from dagster_project.defs.ingest.landing import land_source
from tests.helpers.shape_runs import (
    ShapeRun,
    ask_semantic_layer,
    assert_delivers,
    outputs_of,
    semantic_project,
)
from tests.helpers.shapes import TOUCHES, ShapeBuilds, won_exports

MODELS_SQL = "select model from marts.dim_attribution_models"


@pytest.fixture(scope="module")
def semantic(tmp_path_factory: pytest.TempPathFactory, shape_builds: ShapeBuilds) -> Path:
    """One parsed dbt project for MetricFlow (parsing needs a build's environment)."""
    return semantic_project(tmp_path_factory.mktemp("semantic"), shape_builds["minimal"].built)


def _run(shape_builds: ShapeBuilds, name: str) -> ShapeRun:
    return outputs_of(shape_builds[name].built)


def _credits_sum_to_one(run: ShapeRun) -> None:
    sums = run.query(
        "select model, opportunity_id, sum(credit) as credit"
        " from marts.fct_attribution group by all"
    )
    models = set(run.query(MODELS_SQL)["model"])
    opportunities = set(
        run.query("select opportunity_id from marts.dim_opportunities")["opportunity_id"]
    )
    assert set(sums["model"]) == models
    assert len(sums) == len(models) * len(opportunities)
    assert (sums["credit"].astype(float) - 1).abs().max() < 1e-12


def _page_text(run: ShapeRun) -> str:
    """The report as read: tags dropped (defined terms are wrapped in their own element)."""
    return " ".join(re.sub(r"<[^>]+>", " ", run.report_html).split())


def _touch_channels(run: ShapeRun) -> set[str]:
    return set(run.query("select distinct channel from marts.fct_touchpoints")["channel"])


def _a_single_opportunity(run: ShapeRun) -> None:
    assert run.scalar("select count(*) from marts.dim_opportunities") == 1
    revenue = run.query(
        "select model, sum(attributed_revenue_usd) as usd from marts.fct_attribution group by 1"
    )
    assert (revenue["usd"].astype(float) == 12_000).all()


def _no_won_deal_at_all_and_one_channel(run: ShapeRun) -> None:
    assert run.scalar("select count(*) from marts.dim_opportunities where is_won") == 0
    assert (
        run.scalar("select coalesce(sum(attributed_revenue_usd), 0) from marts.fct_attribution")
        == 0
    )
    assert len(_touch_channels(run)) == 1
    assert "No closed-won deals" in _page_text(run)


def _data_ending_long_before_the_as_of_time(run: ShapeRun) -> None:
    # The one won deal closed in 2025; the as-of time is in 2028 and its window is empty.
    assert run.scalar("select count(*) from marts.dim_opportunities where is_won") == 1
    assert (
        run.scalar(
            "select count(*) from marts.dim_opportunities where close_date >= date '2027-03-01'"
        )
        == 0
    )
    assert "No closed-won deals" in _page_text(run)


def _one_currency_and_an_opportunity_without_touches(run: ShapeRun) -> None:
    currencies = run.query("select distinct currency from marts.dim_opportunities")
    assert list(currencies["currency"]) == ["EUR"]
    assert run.scalar("select count(*) from marts.dim_opportunities where amount_usd is null") == 0
    quiet = run.query(
        "select channel, attributed_revenue_usd, d.amount_usd"
        " from marts.fct_attribution a join marts.dim_opportunities d using (opportunity_id)"
        " where opportunity_id = 'OPP-2'"
    )
    assert len(quiet) == len(run.query(MODELS_SQL))
    assert set(quiet["channel"]) == {"(unattributed)"}
    assert (quiet["attributed_revenue_usd"] == quiet["amount_usd"]).all()


def _a_20000_touch_journey(run: ShapeRun) -> None:
    linear = run.query(
        "select opportunity_id, count(*) as touches from marts.fct_attribution"
        " where model = 'linear' and opportunity_id = 'OPP-USD' group by 1"
    )
    assert int(linear["touches"].iloc[0]) == TOUCHES


CASES = {
    "minimal": _a_single_opportunity,
    "open_deal": _no_won_deal_at_all_and_one_channel,
    "stale": _data_ending_long_before_the_as_of_time,
    "won": _one_currency_and_an_opportunity_without_touches,
    "limits": _a_20000_touch_journey,
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_output_renders_on_the_shape(
    name: str, shape_builds: ShapeBuilds, semantic: Path
) -> None:
    run = _run(shape_builds, name)
    assert_delivers(run)
    ask_semantic_layer(semantic, run)
    _credits_sum_to_one(run)
    CASES[name](run)


def test_every_source_as_csv_and_as_parquet_lands_the_same_rows(tmp_path: Path) -> None:
    """The `won` exports written as CSV and as typed Parquet land the same typed rows in every
    source (only the lineage differs: the file, and a CSV's line counts its header). dbt
    reads nothing but these raw tables, so every number downstream is the same; `stale` and
    `limits` run the whole job on Parquet, the other shapes on CSV."""
    exports = won_exports()
    for source, contract in SOURCE_CONTRACTS.items():
        landed = {}
        for fmt in ("csv", "parquet"):
            source_dir = exports.write(tmp_path / fmt / "exports", fmt=fmt, omit=())
            result = land_source(contract, source_dir, tmp_path / fmt / "raw")
            landed[fmt] = duckdb.sql(
                "select * exclude (_source_file, _source_line)"
                f" from read_parquet('{result.output_path}') order by _source_line"
            ).fetchall()
        assert landed["csv"] == landed["parquet"], source
        assert len(landed["csv"]) == len(exports.rows.get(source, [])), source
