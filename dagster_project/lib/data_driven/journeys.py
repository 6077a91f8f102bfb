"""The fitting journeys of the data-driven models, as the warehouse counts them.

dbt does the heavy part, on either engine: it groups the fitting journeys by collapsed path
(`int_data_driven_paths_counted`: how many took each path, won and lost), lists each path's
steps (`int_data_driven_path_steps_counted`) and sums what linear would credit per channel
set (`int_data_driven_set_touches_summed`). Python gets one row per path and its steps as
arrays: no journey is read or parsed here. Journeys with the same path walk the same steps
and hold the same channel set, so every fit, resamples included, is a weighting of the paths.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        paths = paths.sort_values("path_id", kind="stable").reset_index(drop=True)
        set_of, distinct_keys = pd.factorize(paths["channel_set"].astype(str), sort=False)
        channels = tuple(sorted({c for key in distinct_keys for c in key.split(SET_SEPARATOR)}))
        index = {channel: c for c, channel in enumerate(channels)}
        sets = tuple(
            tuple(sorted(index[c] for c in key.split(SET_SEPARATOR))) for key in distinct_keys
        )

        def states(column: pd.Series, missing: int) -> np.ndarray:
            codes = pd.Categorical(column, categories=list(channels)).codes.astype(np.int64)
            if ((codes < 0) & column.notna().to_numpy()).any():
                raise ValueError(f"a step's channel is in no path's channel set: {column.name}")
            return np.where(codes >= 0, codes + 1, missing)

        path_of_step = pd.Index(paths["path_id"]).get_indexer(steps["path_id"])
        if (path_of_step < 0).any():
            raise ValueError("a step of a path that int_data_driven_paths_counted does not list")
        set_of_touch = pd.Index(distinct_keys).get_indexer(set_touches["channel_set"].astype(str))
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
            steps=Steps(
                path=path_of_step.astype(np.int64),
                from_state=states(steps["from_channel"], START),
                to_state=states(steps["to_channel"], END),
                count=steps["steps"].to_numpy(dtype=float),
            ),
            sets=sets,
            set_of=set_of.astype(np.int64),
            revenue=revenue,
            set_revenue=np.bincount(set_of, weights=revenue, minlength=len(sets)),
            linear_won=linear[0],
            linear_revenue=linear[1],
        )
