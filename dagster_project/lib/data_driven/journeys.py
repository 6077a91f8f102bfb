"""The fitting journeys of the data-driven models, as the warehouse counts them.

dbt does the heavy part, on either engine: it groups the fitting journeys by collapsed path
(`int_data_driven_paths_counted`: how many took each path, won and lost), lists each path's
steps (`int_data_driven_path_steps_counted`) and sums what linear would credit per channel
set (`int_data_driven_set_touches_summed`). Python gets one row per path and its steps as
arrays: no journey is read or parsed here. Journeys with the same path walk the same steps
and hold the same channel set, so every fit, resamples included, is a weighting of the paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

PATH_SEPARATOR = ">"
SET_SEPARATOR = "|"
START = 0  # the chain's start state; channel c is state 1 + c
END = -1  # a step's end: conversion or null, by the outcome of the journeys on the path


@dataclass(frozen=True)
class Steps:
    """Every step of every path: the path (an index), from and to states, how often."""

    path: np.ndarray
    from_state: np.ndarray
    to_state: np.ndarray
    count: np.ndarray


@dataclass(frozen=True)
class Journeys:
    """Closed journeys to fit on, per distinct collapsed path. `channels` is sorted; a channel
    set is a sorted tuple of indexes into it."""

    channels: tuple[str, ...]
    won: np.ndarray  # per path: won journeys
    lost: np.ndarray  # per path: lost journeys
    steps: Steps
    sets: tuple[tuple[int, ...], ...]  # distinct channel sets
    set_of: np.ndarray  # path -> index into sets
    revenue: np.ndarray  # per path: the won amount of its journeys
    set_revenue: np.ndarray  # per set: the won amount of its journeys
    linear_won: np.ndarray  # sets x channels: won journeys' touch shares, summed
    linear_revenue: np.ndarray  # sets x channels: the same weighted by the won amount

    @property
    def size(self) -> int:
        return int(self.won.sum() + self.lost.sum())

    @property
    def path_count(self) -> int:
        return len(self.won)

    @classmethod
    def from_tables(
        cls, paths: pd.DataFrame, steps: pd.DataFrame, set_touches: pd.DataFrame
    ) -> Journeys:
        """From the three tables dbt writes (their columns); paths are taken in path_id order,
        so a build and a rebuild weight and resample them alike."""
        paths, channel_sets = _in_order(paths)
        channels = channel_sets.channels

        def states(column: pd.Series, missing: int) -> np.ndarray:
            codes = pd.Categorical(column, categories=list(channels)).codes.astype(np.int64)
            if ((codes < 0) & column.notna().to_numpy()).any():
                raise ValueError(f"a step's channel is in no path's channel set: {column.name}")
            return np.where(codes >= 0, codes + 1, missing)

        path_of_step = pd.Index(paths["path_id"]).get_indexer(steps["path_id"])
        if (path_of_step < 0).any():
            raise ValueError("a step of a path that int_data_driven_paths_counted does not list")
        return cls._with_steps(
            paths,
            channel_sets,
            (path_of_step, states(steps["from_channel"], START), states(steps["to_channel"], END)),
            steps["steps"],
            set_touches,
        )

    @classmethod
    def from_coded_steps(
        cls,
        paths: pd.DataFrame,
        steps: pd.DataFrame,
        set_touches: pd.DataFrame,
        step_channels: Sequence[str],
    ) -> Journeys:
        """The same, with the steps as the warehouse codes them (`coded_steps_sql`): the path's
        place in path_id order, and the states, the channels numbered in `step_channels`
        (the steps' channels, sorted). At 10M touchpoints 6.2M steps took 6.6 s to read and
        code as strings."""
        paths, channel_sets = _in_order(paths)
        if tuple(step_channels) != channel_sets.channels:
            raise ValueError(
                f"the steps' channels {list(step_channels)} are not the paths'"
                f" {list(channel_sets.channels)}"
            )
        columns = ["path_index", "from_state", "to_state"]
        if steps[columns].isna().to_numpy().any():
            raise ValueError(
                "a step of a path that int_data_driven_paths_counted does not list, or of a"
                " channel that no step leads to"
            )
        coded = tuple(steps[column].to_numpy(dtype=np.int64) for column in columns)
        return cls._with_steps(paths, channel_sets, coded, steps["steps"], set_touches)

    @classmethod
    def _with_steps(
        cls,
        paths: pd.DataFrame,
        channel_sets: _ChannelSets,
        coded: tuple[np.ndarray, ...],
        counts: pd.Series,
        set_touches: pd.DataFrame,
    ) -> Journeys:
        """`coded`: each step's path (its place in `paths`), from and to states."""
        path, from_state, to_state = (np.asarray(codes, dtype=np.int64) for codes in coded)
        steps = Steps(path, from_state, to_state, counts.to_numpy(dtype=float))
        channels, set_of, distinct_keys = channel_sets
        index = {channel: c for c, channel in enumerate(channels)}
        sets = tuple(
            tuple(sorted(index[c] for c in key.split(SET_SEPARATOR))) for key in distinct_keys
        )
        set_of_touch = distinct_keys.get_indexer(set_touches["channel_set"].astype(str))
        if (set_of_touch < 0).any():
            raise ValueError("touch shares of a channel set no fitting path holds")
        touch_channel = np.asarray([index[c] for c in set_touches["channel"]], dtype=np.int64)
        linear = np.zeros((2, len(sets), len(channels)))
        for layer, column in enumerate(("won_touch_share", "won_revenue_touch_share")):
            np.add.at(linear[layer], (set_of_touch, touch_channel), set_touches[column].to_numpy())
        revenue = paths["won_revenue_usd"].fillna(0.0).to_numpy(dtype=float)
        return cls(
            channels=channels,
            won=paths["won_journeys"].to_numpy(dtype=float),
            lost=paths["lost_journeys"].to_numpy(dtype=float),
            steps=steps,
            sets=sets,
            set_of=set_of.astype(np.int64),
            revenue=revenue,
            set_revenue=np.bincount(set_of, weights=revenue, minlength=len(sets)),
            linear_won=linear[0],
            linear_revenue=linear[1],
        )


class _ChannelSets(NamedTuple):
    channels: tuple[str, ...]  # every channel of the paths' sets, sorted
    set_of: np.ndarray  # path -> index into keys
    keys: pd.Index  # the distinct sets, as the warehouse writes them


def _in_order(paths: pd.DataFrame) -> tuple[pd.DataFrame, _ChannelSets]:
    """The paths in path_id order, and their channel sets."""
    paths = paths.sort_values("path_id", kind="stable").reset_index(drop=True)
    set_of, keys = pd.factorize(paths["channel_set"].astype(str), sort=False)
    channels = tuple(sorted({c for key in keys for c in key.split(SET_SEPARATOR)}))
    return paths, _ChannelSets(channels, set_of, pd.Index(keys))


def coded_steps_sql(paths: str, steps: str) -> tuple[str, str]:
    """Two queries on the tables `paths` and `steps` (int_data_driven_paths_counted and its
    steps): the steps' channels, sorted; and every step coded for `from_coded_steps`, in
    integers only: the path's place among the paths by path_id (from 0), the from and to
    states (channel n of the sorted list is state n; start 0, end -1); NULL where a step's
    path or channel is unknown, which `from_coded_steps` refuses. Ordering by plain
    string comparison is code-point order on DuckDB and Spark, as Python's `sorted`."""
    channels = f"select distinct to_channel as channel from {steps} where to_channel is not null"
    coded = f"""
        with
        channels as (
            select channel, row_number() over (order by channel) as state
            from ({channels}) as step_channels
        ),
        ordered_paths as (
            select path_id, row_number() over (order by path_id) - 1 as path_index
            from {paths}
        )
        select
            ordered_paths.path_index,
            case when steps.from_channel is null then {START} else from_channels.state end
                as from_state,
            case when steps.to_channel is null then {END} else to_channels.state end as to_state,
            steps.steps
        from {steps} as steps
        left join ordered_paths on steps.path_id = ordered_paths.path_id
        left join channels as from_channels on steps.from_channel = from_channels.channel
        left join channels as to_channels on steps.to_channel = to_channels.channel
    """
    return f"{channels} order by channel", coded
