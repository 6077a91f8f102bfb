"""The fitting journeys of the data-driven models, as the warehouse hands them over.

dbt writes one row per opportunity with its full-journey (J) window's channels as runs:
`paid_search*2>email*1>paid_search*3` (a channel, how many touches in a row, in order of
(touched_at, touchpoint_id)). The runs are the collapsed path the Markov chain walks and still
carry how many touches each channel had, which the linear fallback splits by. Parsing them
here keeps the SQL to one string per journey on both engines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

RUN_SEPARATOR = ">"
COUNT_SEPARATOR = "*"


class Run(NamedTuple):
    channel: str
    touches: int


_RUN = re.compile(r"([^>]+)\*(\d+)(?:>|$)")


def parse_runs(text: str) -> tuple[Run, ...]:
    """`a*2>b*1` -> (Run('a', 2), Run('b', 1)); an empty string is a journey with no touch.
    One regular expression over the whole string: at 10M touchpoints there are ~5M runs."""
    if not text:
        return ()
    runs = tuple(Run(channel, int(touches)) for channel, touches in _RUN.findall(text))
    if len(runs) != text.count(RUN_SEPARATOR) + 1 or any(run.touches < 1 for run in runs):
        raise ValueError(f"not a run of touches in {text!r}")
    return runs


def collapse(channels: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The channel sequence with consecutive repeats collapsed (what the chain walks)."""
    return tuple(c for i, c in enumerate(channels) if i == 0 or channels[i - 1] != c)


@dataclass(frozen=True)
class Journeys:
    """Closed journeys to fit on. Journeys are kept one by one (the bootstrap resamples them),
    with indexes into their distinct paths and channel sets so that each fit works on the
    few distinct shapes, not on every journey.

    `channels` is sorted; a channel set is a sorted tuple of indexes into it."""

    channels: tuple[str, ...]
    paths: tuple[tuple[int, ...], ...]  # distinct collapsed paths
    path_of: np.ndarray  # journey -> index into paths
    sets: tuple[tuple[int, ...], ...]  # distinct channel sets
    set_of: np.ndarray  # journey -> index into sets
    won: np.ndarray  # bool per journey
    revenue: np.ndarray  # the won amount per journey (0 when lost or unknown)
    touches: tuple[dict[int, int], ...]  # per journey: channel index -> touches

    @property
    def size(self) -> int:
        return len(self.won)

    @classmethod
    def from_runs(
        cls,
        runs: list[str],
        won: list[bool],
        revenue: list[float] | None = None,
    ) -> Journeys:
        """Journeys from their run strings; journeys without a touch carry no channel to
        learn from and are left out."""
        parsed = [parse_runs(text) for text in runs]
        amounts = revenue if revenue is not None else [0.0] * len(runs)
        kept = [i for i, journey in enumerate(parsed) if journey]
        known = sorted({run.channel for i in kept for run in parsed[i]})
        index = {channel: i for i, channel in enumerate(known)}
        paths: dict[tuple[int, ...], int] = {}
        sets: dict[tuple[int, ...], int] = {}
        path_of, set_of, touches = [], [], []
        for i in kept:
            path = collapse([index[run.channel] for run in parsed[i]])
            path_of.append(paths.setdefault(path, len(paths)))
            channel_set = tuple(sorted(set(path)))
            set_of.append(sets.setdefault(channel_set, len(sets)))
            counts: dict[int, int] = {}
            for run in parsed[i]:
                counts[index[run.channel]] = counts.get(index[run.channel], 0) + run.touches
            touches.append(counts)
        return cls(
            channels=tuple(known),
            paths=tuple(paths),
            path_of=np.asarray(path_of, dtype=np.int64),
            sets=tuple(sets),
            set_of=np.asarray(set_of, dtype=np.int64),
            won=np.asarray([bool(won[i]) for i in kept], dtype=bool),
            revenue=np.asarray(
                [float(amounts[i] or 0.0) if won[i] else 0.0 for i in kept], dtype=float
            ),
            touches=tuple(touches),
        )
