"""Command line of the generator: ``python -m dagster_project.generate --scale N --out DIR``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .constants import DEFAULT_CHUNK_ACCOUNTS
from .runner import generate


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """CLI options; scale 1 is the committed sample (~300 accounts)."""
    parser = argparse.ArgumentParser(prog="python -m dagster_project.generate", description=__doc__)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 = ~300 accounts; volumes grow linearly (fractions allowed)",
    )
    parser.add_argument("--out", type=Path, required=True, help="source directory to (re)write")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--chunk-accounts",
        type=int,
        default=DEFAULT_CHUNK_ACCOUNTS,
        help="accounts held in memory per write (does not change the data)",
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate and print the row count per source."""
    args = parse_args(argv)
    began = time.perf_counter()
    rows = generate(args.out, args.scale, args.format, args.seed, args.chunk_accounts)
    for name, count in rows.items():
        print(f"{name:28s} {count:>12,d}")
    print(f"done in {time.perf_counter() - began:.1f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
