"""Each model's four snapshot sets, read from the warehouse without holding every snapshot.

At 50M touchpoints the snapshot tables hold tens of millions of rows. Reading them whole into
pandas to keep a sample of 100,000 per set, and the touches by channel of every snapshot,
peaked at 15.7 GB in the run's process. Here the engine counts each set, the sample's positions
are drawn from those counts exactly as train.sampled draws them, and the rows then pass by in
batches in key order, keeping only the drawn ones and the touches of the snapshots kept: the
sets train.split takes from the whole table, in the memory of the sets themselves.
"""

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from dagster_project.lib.propensity import channels
from dagster_project.lib.propensity.specs import ModelSpec
from dagster_project.lib.propensity.train import Sets, Settings, sample_positions

SETTINGS_TABLE = "int_propensity_settings"
SETS = ("training", "evaluation", "refit", "scoring")
SAMPLED = SETS[:3]  # the scoring rows are all kept: every open deal and account gets a score

Query = Callable[[str], pd.DataFrame]
Batches = Callable[[str], Iterable[pd.DataFrame]]


def conditions(spec: ModelSpec) -> dict[str, str]:
    """train.split's four conditions in SQL, on the snapshots `s` and the settings row `p`."""
    known = f"s.{spec.outcome} is not null"
    return {
        "training": f"{known} and s.snapshot_at < p.cutoff_at"
        " and s.outcome_known_at <= p.cutoff_at",
        "evaluation": f"{known} and s.snapshot_at >= p.cutoff_at and s.snapshot_at < p.as_of_at"
        " and s.outcome_known_at <= p.as_of_at",
        "refit": f"{known} and s.snapshot_at < p.as_of_at and s.outcome_known_at <= p.as_of_at",
        "scoring": "s.snapshot_at = p.as_of_at",
    }


def read_sets(query: Query, batches: Batches, spec: ModelSpec, settings: Settings) -> Sets:
    """train.split's sets, each in key order (the index counts rows within a set)."""
    where = conditions(spec)
    source = f"intermediate.{spec.table} as s cross join intermediate.{SETTINGS_TABLE} as p"
    counted = query(
        "select "
        + ", ".join(f"count(case when {c} then 1 end) as {name}" for name, c in where.items())
        + f" from {source}"
    ).iloc[0]
    keep = {
        name: sample_positions(int(counted[name]), settings.max_rows, settings.seed)
        for name in SAMPLED
    }
    sql = (
        "select s.*, "
        + ", ".join(f"case when {c} then 1 else 0 end as in_{name}" for name, c in where.items())
        + f" from {source} where "
        + " or ".join(f"({c})" for c in where.values())
        + f" order by s.{spec.key}"
    )
    pieces: dict[str, list[pd.DataFrame]] = {name: [] for name in SETS}
    seen = dict.fromkeys(SAMPLED, 0)
    empty: pd.DataFrame | None = None
    for batch in batches(sql):
        rows = batch.drop(columns=[f"in_{name}" for name in SETS])
        empty = rows.iloc[0:0] if empty is None else empty
        for name in SETS:
            member = batch[f"in_{name}"].to_numpy() == 1
            drawn = keep.get(name)
            if drawn is not None:
                positions = seen[name] + np.cumsum(member) - 1
                seen[name] += int(member.sum())
                member &= np.isin(positions, drawn)
            pieces[name].append(rows[member])
    return tuple(_joined(pieces[name], empty) for name in SETS)  # type: ignore[return-value]


def _joined(pieces: list[pd.DataFrame], empty: pd.DataFrame | None) -> pd.DataFrame | None:
    """The non-empty pieces as one frame; none: `empty`, the batches' columns."""
    found = [piece for piece in pieces if len(piece)]
    return pd.concat(found, ignore_index=True) if found else empty


def read_touches(
    query: Query, batches: Batches, sets: Iterable[pd.DataFrame]
) -> channels.ChannelTouches:
    """The touches by channel of the snapshots in `sets` only, with a column for every
    channel the table holds (as from all of it: the same data gives the same features)."""
    wanted = pd.MultiIndex.from_frame(
        pd.concat([rows[channels.KEYS] for rows in sets]).drop_duplicates()
    )
    names = query(f"select distinct channel from intermediate.{channels.TABLE}")["channel"]
    found: list[pd.DataFrame] = []
    empty: pd.DataFrame | None = None
    for batch in batches(f"select * from intermediate.{channels.TABLE}"):
        empty = batch.iloc[0:0] if empty is None else empty
        found.append(batch[pd.MultiIndex.from_frame(batch[channels.KEYS]).isin(wanted)])
    return channels.ChannelTouches.from_long(_joined(found, empty), names)
