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
    source = f"intermediate.{spec.table} as s cross join intermediate.{SETTINGS_TABLE} as p"
    flags = {
        name: f"case when {where} then 1 else 0 end" for name, where in conditions(spec).items()
    }
    counted = query(
        "select "
        + ", ".join(f"sum({flag}) as {name}" for name, flag in flags.items())
        + f" from {source}"
    ).iloc[0]
    keep = {
        name: sample_positions(_count(counted[name]), settings.max_rows, settings.seed)
        if name in SAMPLED
        else None
        for name in SETS
    }
    in_set = [f"in_{name}" for name in SETS]
    sql = (
        "select s.*, "
        + ", ".join(f"{flag} as in_{name}" for name, flag in flags.items())
        + f" from {source} where "
        + " or ".join(f"({where})" for where in conditions(spec).values())
        + f" order by s.{spec.key}"
    )
    pieces: dict[str, list[pd.DataFrame]] = {name: [] for name in SETS}
    seen = dict.fromkeys(SETS, 0)
    empty: pd.DataFrame | None = None
    for batch in batches(sql):
        rows = batch.drop(columns=in_set)
        empty = rows.iloc[0:0] if empty is None else empty
        for name in SETS:
            member = batch[f"in_{name}"].to_numpy() == 1
            drawn = keep[name]
            if drawn is not None:
                positions = seen[name] + np.cumsum(member) - 1
                seen[name] += int(member.sum())
                member &= np.isin(positions, drawn)
            if member.any():
                pieces[name].append(rows[member])
    return tuple(  # type: ignore[return-value]
        pd.concat(pieces[name], ignore_index=True) if pieces[name] else empty for name in SETS
    )


def _count(value: object) -> int:
    """A sum over no rows is null."""
    return 0 if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def read_touches(
    query: Query, batches: Batches, sets: Iterable[pd.DataFrame]
) -> channels.ChannelTouches:
    """The touches by channel of the snapshots in `sets` only, with a column for every
    channel the table holds (as from all of it: the same data gives the same features)."""
    kept = [rows[channels.KEYS] for rows in sets if len(rows)]
    wanted = pd.MultiIndex.from_frame(pd.concat(kept).drop_duplicates()) if kept else None
    names = query(f"select distinct channel from intermediate.{channels.TABLE}")["channel"]
    found: list[pd.DataFrame] = []
    empty: pd.DataFrame | None = None
    for batch in batches(f"select * from intermediate.{channels.TABLE}"):
        empty = batch.iloc[0:0] if empty is None else empty
        if wanted is not None:
            touched = batch[pd.MultiIndex.from_frame(batch[channels.KEYS]).isin(wanted)]
            if len(touched):
                found.append(touched)
    long = pd.concat(found, ignore_index=True) if found else empty
    return channels.ChannelTouches.from_long(long, names)
