"""The counting the warehouse does for the data-driven fit, done again in plain Python from
journeys written as runs (`email*2>paid*1`): hand examples in the math tests read as the
journeys they are, and the build test checks dbt's counts against these."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import pairwise
from typing import NamedTuple

import pandas as pd

from dagster_project.lib.data_driven.journeys import PATH_SEPARATOR, SET_SEPARATOR, Journeys

_RUN = re.compile(r"([^>]+)\*(\d+)(?:>|$)")


class Run(NamedTuple):
    channel: str
    touches: int


def parse_runs(text: str) -> tuple[Run, ...]:
    """`a*2>b*1` -> (Run('a', 2), Run('b', 1)); an empty string is a journey with no touch."""
    if not text:
        return ()
    runs = tuple(Run(channel, int(touches)) for channel, touches in _RUN.findall(text))
    if len(runs) != text.count(">") + 1 or any(run.touches < 1 for run in runs):
        raise ValueError(f"not a run of touches in {text!r}")
    return runs


def collapse(channels: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for i, c in enumerate(channels) if i == 0 or channels[i - 1] != c)


PATH_COLUMNS = [
    "path_id", "channel_path", "channel_set", "won_journeys", "lost_journeys", "won_revenue_usd",
]  # fmt: skip


PATH_COLUMNS = [
    "path_id", "channel_path", "channel_set", "won_journeys", "lost_journeys", "won_revenue_usd",
]  # fmt: skip


def counted_tables(
    runs: list[str],
    won: list[bool],
    revenue: list[float] | None = None,
    ids: list[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The three tables dbt counts (by model name) for these fitting journeys."""
    ids = ids or [f"o{i:06d}" for i in range(len(runs))]
    amounts = revenue or [0.0] * len(runs)
    paths: dict[tuple[str, ...], dict] = {}
    touch_shares: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for opportunity, text, is_won, amount in zip(ids, runs, won, amounts, strict=True):
        parsed = parse_runs(text)
        if not parsed:
            continue
        path = collapse([run.channel for run in parsed])
        channel_set = SET_SEPARATOR.join(sorted(set(path)))
        row = paths.setdefault(
            path,
            {"path_id": opportunity, "channel_path": PATH_SEPARATOR.join(path),
             "channel_set": channel_set, "won_journeys": 0, "lost_journeys": 0,
             "won_revenue_usd": 0.0},
        )  # fmt: skip
        row["path_id"] = min(row["path_id"], opportunity)
        row["won_journeys" if is_won else "lost_journeys"] += 1
        if is_won:
            row["won_revenue_usd"] += float(amount or 0.0)
            touches: Counter[str] = Counter()
            for run in parsed:
                touches[run.channel] += run.touches
            total = sum(touches.values())
            for channel, count in touches.items():
                touch_shares[(channel_set, channel)][0] += count / total
                touch_shares[(channel_set, channel)][1] += count / total * float(amount or 0.0)
    steps = []
    for path, row in paths.items():
        walked = Counter(pairwise([None, *path, None]))
        steps.extend(
            {"path_id": row["path_id"], "from_channel": a, "to_channel": b, "steps": n}
            for (a, b), n in walked.items()
        )
    return {
        "int_data_driven_paths_counted": pd.DataFrame(list(paths.values()), columns=PATH_COLUMNS),
        "int_data_driven_path_steps_counted": pd.DataFrame(
            steps, columns=["path_id", "from_channel", "to_channel", "steps"]
        ),
        "int_data_driven_set_touches_summed": pd.DataFrame(
            [(key[0], key[1], *sums) for key, sums in touch_shares.items()],
            columns=["channel_set", "channel", "won_touch_share", "won_revenue_touch_share"],
        ),
    }


def journeys_from_runs(
    runs: list[str], won: list[bool], revenue: list[float] | None = None
) -> Journeys:
    tables = counted_tables(runs, won, revenue)
    return Journeys.from_tables(*tables.values())
