"""Touches by channel as features: dbt keeps them long (int_account_channel_touches_snapshotted,
a row per account, snapshot and channel touched), so a project's own channels need no column
of their own; here they become one column per channel, joined by account and instant to the
snapshots a model reads. Joined after sampling (train.run): at 10M touchpoints the long table
has millions of rows, and a model reads a few hundred thousand snapshots."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

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


@dataclass(frozen=True)
class ChannelTouches:
    """The touches wide, a column per channel (ordered by name: the same data gives the same
    columns), indexed by account and snapshot."""

    wide: pd.DataFrame

    @classmethod
    def from_long(
        cls, touches: pd.DataFrame, names: Iterable[str] | None = None
    ) -> "ChannelTouches":
        """`names`: every channel to have a column (default: those in `touches`), so that
        touches read for some snapshots only give the columns all of them would."""
        wide = (
            touches.groupby([*KEYS, "channel"], sort=True)["touches_90d"]
            .sum()
            .unstack("channel", fill_value=0)
        )
        names = wide.columns if names is None else names
        wide = wide.reindex(columns=sorted(set(names)), fill_value=0)
        wide.columns = [column(c) for c in wide.columns]
        return cls(wide)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.wide.columns)

    def spec(self, spec: ModelSpec) -> ModelSpec:
        """The spec with the channel columns as log-scaled numeric features."""
        return replace(
            spec,
            numeric=(*spec.numeric, *self.names),
            log_features=(*spec.log_features, *self.names),
        )

    def join(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The rows, in their order, with a column per channel (0 where not touched)."""
        if not self.names:
            return rows
        joined = rows.join(self.wide, on=KEYS, how="left")
        joined[list(self.names)] = joined[list(self.names)].fillna(0)
        return joined
