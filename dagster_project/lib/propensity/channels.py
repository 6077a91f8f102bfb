"""Touches by channel as features: dbt keeps them long (int_account_channel_touches_snapshotted,
a row per account, snapshot and channel touched), so a project's own channels need no column
of their own; here they become one column per channel, joined to each model's snapshots by
account and instant."""

from dataclasses import replace

import pandas as pd

from dagster_project.lib.propensity.specs import ModelSpec

TABLE = "int_account_channel_touches_snapshotted"
PREFIX = "channel_touches_90d:"
KEYS = ["account_id", "snapshot_at"]


def column(channel: str) -> str:
    return f"{PREFIX}{channel}"


def label(name: str) -> str | None:
    """How a channel column reads in a driver; None for any other column."""
    if not name.startswith(PREFIX):
        return None
    return f"touches via {name.removeprefix(PREFIX)} in the last 90 days"


def with_channels(
    frame: pd.DataFrame, touches: pd.DataFrame, spec: ModelSpec
) -> tuple[pd.DataFrame, ModelSpec]:
    """The snapshots with a column per channel (0 where the account had no touch of it) and
    the spec that names those columns as log-scaled numeric features. Channels are ordered by
    name, so the same data gives the same columns."""
    channels = sorted(touches["channel"].dropna().unique())
    if not channels:
        return frame, spec
    wide = touches.pivot_table(
        index=KEYS, columns="channel", values="touches_90d", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex(columns=channels, fill_value=0)
    wide.columns = [column(c) for c in channels]
    joined = frame.merge(wide.reset_index(), on=KEYS, how="left", sort=False)
    names = tuple(column(c) for c in channels)
    joined[list(names)] = joined[list(names)].fillna(0)
    extended = replace(
        spec, numeric=(*spec.numeric, *names), log_features=(*spec.log_features, *names)
    )
    return joined, extended
