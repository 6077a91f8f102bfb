"""Benchmark on the committed sample: medians of N runs, wall time and peak RSS.

    .venv/bin/python benchmarks/bench_sample.py [--runs 3] [--spark]

* `make run` from an empty data directory (ingestion, dbt, checks, summary);
* `dbt build` alone on DuckDB, and with --spark on Spark too, on the raw area that run
  landed (the engine comparison of the README).

Peak RSS is the largest single process (GNU time's %M over the command's process tree).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from gnu_time import fresh_dagster_home, timed

REPO = Path(__file__).resolve().parent.parent


def bench(
    name: str, runs: int, prepare, command: list[str], cwd: Path, env: dict[str, str]
) -> None:
    results = []
    for _ in range(runs):
        prepare()
        results.append(timed(command, cwd, env))
    seconds = [s for s, _ in results]
    peaks = [m for _, m in results]
    print(
        f"{name:<28} median {statistics.median(seconds):7.1f} s"
        f"  (runs {', '.join(f'{s:.1f}' for s in seconds)})"
        f"  peak RSS median {statistics.median(peaks)} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="also time dbt build on Spark")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        **os.environ,
        "ATTRIBUTION_DATA_DIR": str(data),
        "ATTRIBUTION_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
        "ATTRIBUTION_RAW_DIR": str(data / "raw"),
        "ATTRIBUTION_SPARK_DIR": str(data / "spark"),
        "ATTRIBUTION_AS_OF": "2026-10-01 00:00:00",
        "DAGSTER_HOME": str(data / "dagster_home"),
        "DO_NOT_TRACK": "1",
    }

    def fresh_data() -> None:
        for child in ("raw", "warehouse.duckdb", "spark", "dagster_home"):
            path = data / child
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(True)
        fresh_dagster_home(data / "dagster_home")

    bench("make run (sample)", args.runs, fresh_data, ["make", "run"], REPO, env)
    dbt = [str(REPO / ".venv" / "bin" / "dbt"), "build", "--vars", "{as_of: '2026-10-01 00:00:00'}"]

    def drop_warehouse() -> None:
        (data / "warehouse.duckdb").unlink(missing_ok=True)

    bench("dbt build, DuckDB", args.runs, drop_warehouse, dbt, REPO / "dbt", env)
    if args.spark:

        def drop_spark() -> None:
            shutil.rmtree(data / "spark", ignore_errors=True)

        spark_env = {**env, "DBT_TARGET": "spark"}
        bench("dbt build, Spark (local)", args.runs, drop_spark, dbt, REPO / "dbt", spark_env)
    shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
