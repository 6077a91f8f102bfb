"""Benchmark at volume: the whole job on generated data, split by stage, against a floor.

    .venv/bin/python benchmarks/bench_scale.py --touchpoints 1000000 [--touchpoints 10000000]
        [--source seeds] [--runs 3] [--format parquet] [--work DIR] [--incremental [--new-days 14]]

For each size: the project's generator writes the sources once (scale = touchpoints /
TOUCHPOINTS_PER_SCALE, so the built fct_touchpoints is about that size; the table prints the
real count). Then, `--runs` times on an empty data area, what `make run` does: `dbt parse`
and `python -m dagster_project.run`, each under GNU time (wall, peak RSS of the largest
process). Per run the time is split by stage from the run's Dagster event log and dbt's
run_results of the dbt step:

* landing: the raw__ assets and the ingestion log (CSV/Parquet -> typed Parquet);
* dbt models: the wall time during which dbt worked on at least one model (the union of
  the models' intervals, compile to end of execute, so two threads do not count twice);
  dbt tests: the time dbt ran only tests;
* dbt other: the rest of the dbt step (dbt start-up, parsing, adapter, Dagster's
  handling of dbt's events);
* checks: the Python asset checks (reconciliation, credits, freshness, ingestion counts);
* publish, report: the serving database and the leadership page;
* outside the job: the process start, imports, `dbt parse` and the summary.

The floor is one hand-written DuckDB statement on the same build: it reads fct_touchpoints
and dim_opportunities and writes first_touch, linear and w_shaped credits for every
opportunity (365-day window before creation, account scope). Its time is a median of three
runs in each benchmark run; the ratio is the job's wall over it.

With --incremental, each size is also measured the way a daily load runs: a build of the
exports as they stood --new-days earlier (daily_exports.py: newer touches and deals left out,
deals closed since still open), then, on that warehouse, today's exports: the second run is
the one timed, with the same split, next to the full build's wall (the issue's target: at
most 10%).

Figures are medians over the runs. Not part of `make test`: 50M touchpoints take most of
an hour per run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
from daily_exports import write_yesterday
from gnu_time import fresh_dagster_home, timed

from dagster_project.lib.engines import cap_memory
from dagster_project.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin"
# fct_touchpoints rows per unit of generator scale (scale 45 gave 1,147,616).
TOUCHPOINTS_PER_SCALE = 25_500
AS_OF = "2026-10-01 00:00:00"
DBT_STEP_NAMES = ("dbt_build", "dbt_after_fits")  # each keeps run_results.<step>.json
STAGES = (
    "landing",
    "dbt models",
    "dbt tests",
    "dbt other",
    "data-driven fit",
    "propensity",
    "checks",
    "publish",
    "report",
    "outside the job",
)

FLOOR_SQL = """
create or replace temp table floor_credits as
with windowed as (
    select
        o.opportunity_id,
        t.touchpoint_id,
        row_number() over (
            partition by o.opportunity_id order by t.touched_at, t.touchpoint_id
        ) as position,
        count(*) over (partition by o.opportunity_id) as touches,
        max(case when t.touched_at <= o.created_at then t.touched_at end)
            over (partition by o.opportunity_id) as last_before_creation_at,
        t.touched_at
    from marts.dim_opportunities as o
    inner join marts.fct_touchpoints as t
        on t.account_id = o.account_id
        and t.touched_at between o.created_at - interval 365 day and o.created_at
),
roles as (
    select
        *,
        position = 1 as is_first,
        touched_at = last_before_creation_at as is_creation,
        position = touches as is_last
    from windowed
)
select opportunity_id, touchpoint_id, 'first_touch' as model, 1.0 as credit
from roles where is_first
union all
select opportunity_id, touchpoint_id, 'linear', 1.0 / touches from roles
union all
select
    opportunity_id, touchpoint_id, 'w_shaped',
    case
        when touches = 1 then 1.0
        when touches <= 3 then 1.0 / touches
        else (case when is_first then 0.3 else 0 end) + (case when is_creation then 0.3 else 0 end)
            + (case when is_last then 0.3 else 0 end)
            + case when not (is_first or is_creation or is_last) then 0.1 / (touches - 3) else 0 end
    end
from roles
"""


@dataclass
class RunFigures:
    wall: float
    peak_rss_mb: int
    stages: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0
    touchpoints: int = 0
    attribution_rows: int = 0


def _stage(step: str) -> str:
    if step.endswith(("_rows_read_equal_loaded_plus_quarantined", "_quarantine_rate")):
        return "checks"
    if step.startswith("raw__") or step == "ingestion_log":
        return "landing"
    if step in DBT_STEP_NAMES:
        return "dbt"
    if step == "data_driven_fit":
        return "data-driven fit"
    if step == "propensity_scores":
        return "propensity"
    if step == "serving_database":
        return "publish"
    if step == "leadership_report":
        return "report"
    return "checks"


def _step_durations(dagster_home: Path) -> dict[str, float]:
    """Seconds per step of the newest run in this Dagster home (start to success/failure)."""
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        started: dict[str, float] = {}
        durations: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type_value == "STEP_START":
                started[event.step_key] = entry.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                durations[event.step_key] = entry.timestamp - started[event.step_key]
    return durations


def _union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def _dbt_split(run_results: Path) -> tuple[float, float]:
    """(model seconds, test seconds) of one dbt step: the time some model was being built
    (the union of the models' intervals, compile to end of execute), then the time only
    tests ran (the union of every node's intervals minus that), so no second counts twice."""
    intervals: dict[str, list[tuple[float, float]]] = {"model": [], "test": []}
    for result in json.loads(run_results.read_text())["results"]:
        kind = result["unique_id"].split(".")[0]
        kind = "test" if kind in ("test", "unit_test") else kind
        moments = [
            datetime.fromisoformat(timing[key].replace("Z", "+00:00")).timestamp()
            for timing in result.get("timing", [])
            for key in ("started_at", "completed_at")
            if timing.get(key)
        ]
        if kind in intervals and moments:
            intervals[kind].append((min(moments), max(moments)))
    models = _union_seconds(intervals["model"])
    busy = _union_seconds(intervals["model"] + intervals["test"])
    return models, busy - models


def _floor_and_counts(warehouse: Path) -> tuple[float, int, int]:
    """Under the job's own DuckDB cap: uncapped, this connection took 80% of RAM and at 50M
    touchpoints reached 16.1 GB after the job, which GNU time over the benchmark then reported
    as the job's peak.

    A floor that cannot finish (its spill ran out of disk beside a 50M build and its serving
    copies, 2026-12-05) is NaN, not the end of the benchmark: the job's figures are measured
    by then, and an hour's run is not thrown away for the reference statement."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cap_memory(con, load_settings().duckdb_memory_limit)
        touchpoints = con.execute("select count(*) from marts.fct_touchpoints").fetchone()[0]
        rows = con.execute("select count(*) from marts.fct_attribution_credits").fetchone()[0]
        seconds = []
        try:
            for _ in range(3):
                began = time.perf_counter()
                con.execute(FLOOR_SQL)
                seconds.append(time.perf_counter() - began)
        except duckdb.IOException as error:
            print(f"floor statement failed, reported as NaN: {error}", file=sys.stderr)
            return float("nan"), touchpoints, rows
    return statistics.median(seconds), touchpoints, rows


def one_run(source: Path, data: Path, as_of: str = AS_OF, fresh: bool = True) -> RunFigures:
    """One build of `source` into `data`: from empty (`fresh`), or on the warehouse a
    previous run left there (an incremental build)."""
    home = data / "dagster_home"
    if fresh:
        shutil.rmtree(data, ignore_errors=True)
        fresh_dagster_home(home)
    env = {
        **os.environ,
        "ATTRIBUTION_DATA_DIR": str(data),
        "ATTRIBUTION_SOURCE_DIR": str(source),
        "ATTRIBUTION_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
        "ATTRIBUTION_RAW_DIR": str(data / "raw"),
        "ATTRIBUTION_SERVING_PATH": str(data / "serving.duckdb"),
        "ATTRIBUTION_AS_OF": as_of,
        "DAGSTER_HOME": str(home),
        "DO_NOT_TRACK": "1",
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    parse_wall, parse_rss = timed([str(BIN / "dbt"), "parse", "--quiet"], REPO / "dbt", env)
    job_wall, job_rss = timed([str(BIN / "python"), "-m", "dagster_project.run"], REPO, env)
    steps = _step_durations(home)
    stages = dict.fromkeys(STAGES, 0.0)
    for step, seconds in steps.items():
        stage = _stage(step)
        if stage == "dbt":
            models, tests = _dbt_split(data / "dbt_target" / f"run_results.{step}.json")
            stages["dbt models"] += models
            stages["dbt tests"] += tests
            stages["dbt other"] += seconds - models - tests
        else:
            stages[stage] += seconds
    stages["outside the job"] = parse_wall + job_wall - sum(stages.values())
    # Printed now, before the floor statement, so that whatever happens to it the run is kept.
    split = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in stages.items())
    peak = max(parse_rss, job_rss)
    print(f"run: wall {parse_wall + job_wall:.1f} s; peak RSS {peak:,} MB; {split}", flush=True)
    floor, touchpoints, rows = _floor_and_counts(data / "warehouse.duckdb")
    return RunFigures(
        wall=parse_wall + job_wall,
        peak_rss_mb=peak,
        stages=stages,
        floor=floor,
        touchpoints=touchpoints,
        attribution_rows=rows,
    )


def incremental_runs(source: Path, work: Path, runs: int, days: int) -> list[RunFigures]:
    """Build yesterday's exports, then time today's on top of them, `runs` times."""
    yesterday = source.with_name(f"{source.name}-minus-{days}d")
    cut, new_share = write_yesterday(source, yesterday, AS_OF, days)
    print(f"\nincremental: {new_share:.2%} of today's touch rows are new since {cut}")
    timed_runs = []
    for _ in range(runs):
        one_run(yesterday, work, as_of=cut)
        timed_runs.append(one_run(source, work, fresh=False))
    return timed_runs


def report(size: int, runs: list[RunFigures]) -> None:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    wall = median([r.wall for r in runs])
    # A floor that failed (NaN) is left out: statistics.median does not order NaN.
    floors = [r.floor for r in runs if not math.isnan(r.floor)]
    floor = median(floors) if floors else math.nan
    touchpoints = runs[0].touchpoints
    asked = f"{size:,}" if size else "the given source"
    print(
        f"\n## {touchpoints:,} touchpoints (asked {asked}); fct_attribution "
        f"{runs[0].attribution_rows:,} rows; medians of {len(runs)} run(s)\n"
    )
    print(
        f"wall {wall:.1f} s (runs {', '.join(f'{r.wall:.1f}' for r in runs)}); "
        f"peak RSS {median([r.peak_rss_mb for r in runs]):,.0f} MB; "
        f"floor {floor:.2f} s; wall / floor {wall / floor:.1f}x; "
        f"{wall / touchpoints * 1e6:.1f} s per million touchpoints\n"
    )
    print("| stage | seconds | share | touchpoints/s |")
    print("|---|---:|---:|---:|")
    for stage in STAGES:
        seconds = median([r.stages[stage] for r in runs])
        rate = f"{touchpoints / seconds:,.0f}" if seconds > 0.05 else "-"
        print(f"| {stage} | {seconds:.1f} | {seconds / wall:.0%} | {rate} |")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--touchpoints", type=int, action="append", default=[])
    parser.add_argument(
        "--source", type=Path, help="benchmark these exports too (e.g. seeds/, the sample)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=("csv", "parquet"), default="parquet")
    parser.add_argument("--work", type=Path, help="where sources and builds go (default: tmp)")
    parser.add_argument(
        "--incremental", action="store_true", help="also time a daily incremental build"
    )
    parser.add_argument("--new-days", type=int, default=14, help="days of new data (~1%%)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    if not args.touchpoints and args.source is None:
        parser.error("give --touchpoints N (repeatable) and/or --source DIR")
    if args.incremental and args.format != "parquet":
        parser.error("--incremental derives yesterday's exports from Parquet sources")
    if args.source is not None:
        runs = [one_run(args.source.resolve(), work / "build-source") for _ in range(args.runs)]
        report(0, runs)
    for size in args.touchpoints:
        source = work / f"sources-{size}-{args.format}"
        if not source.exists():
            scale = max(size / TOUCHPOINTS_PER_SCALE, 0.01)
            subprocess.run(
                [str(BIN / "python"), "-m", "dagster_project.generate", "--scale", f"{scale:.4f}",
                 "--out", str(source), "--format", args.format],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        runs = [one_run(source, work / f"build-{size}") for _ in range(args.runs)]
        report(size, runs)
        if args.incremental:
            daily = incremental_runs(source, work / f"build-{size}-daily", args.runs, args.new_days)
            report(size, daily)
            share = statistics.median([r.wall for r in daily]) / statistics.median(
                [r.wall for r in runs]
            )
            print(f"incremental / full build: {share:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
