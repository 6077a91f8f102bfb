"""Drives a generation run: catalogue first, then accounts block by block, appended per chunk.

Randomness is keyed by *block* (a fixed 100 accounts), not by chunk, so the
same seed and scale give byte-identical CSV output whatever --chunk-accounts
is; chunks only bound memory (one chunk of blocks is held at a time).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from .catalogue import USD_PER, Campaigns, build_ad_spend, build_campaigns, build_fx, build_targets
from .constants import (
    ACCOUNTS_PER_SCALE,
    BLOCK_ACCOUNTS,
    DAY,
    REGIONS,
    SEGMENTS,
)
from .deals import DealResult, make_deals
from .people import (
    Accounts,
    Contacts,
    account_frame,
    contact_frame,
    convert_cycles,
    funnel,
    make_accounts,
    make_contacts,
    make_cycles,
)
from .tables import Frame, Sink
from .touches import make_journeys

Actuals = dict[tuple[str, str, str, str], float]
BLOCK_SOURCES = (
    "accounts",
    "contacts",
    "opportunities",
    "opportunity_contact_roles",
    "opportunity_stage_history",
    "campaign_members",
    "web_sessions",
    "form_submissions",
    "invoices",
)


def _rng(seed: int, *key: int) -> np.random.Generator:
    """Independent stream per purpose/block: SeedSequence spawn keys, stable across runs."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _month(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(
        np.floor(seconds).astype("int64").astype("datetime64[s]"), unit="M"
    )


def _add_actuals(
    actuals: Actuals,
    metric: str,
    when: np.ndarray,
    seg: np.ndarray,
    region: np.ndarray,
    value: np.ndarray,
) -> None:
    """Accumulate monthly actuals by segment and region (input of the targets)."""
    ok = ~np.isnan(when)
    months = _month(when[ok])
    for m, s, r, v in zip(months, seg[ok], region[ok], value[ok], strict=True):
        actuals[(metric, str(m), SEGMENTS[s], REGIONS[r])] += float(v)


def _block_actuals(actuals: Actuals, acc: Accounts, con: Contacts, deals: DealResult) -> None:
    seg = acc.segment[con.account]
    reg = acc.region[con.account]
    ones = np.ones(len(con))
    for metric, when in (("leads", con.lead_at), ("mqls", con.mql_at), ("sqls", con.sql_at)):
        _add_actuals(actuals, metric, when, seg, reg, ones)
    opps = deals.opps
    if not opps:
        return
    created = np.array([o.created for o in opps])
    close = np.array([o.close_at if o.won else np.nan for o in opps])
    oseg = np.array([o.segment for o in opps])
    oreg = acc.region[np.array([o.account for o in opps])]
    usd = np.array([o.amount * USD_PER[o.currency] for o in opps])
    _add_actuals(actuals, "opportunities", created, oseg, oreg, np.ones(len(opps)))
    _add_actuals(actuals, "pipeline_usd", created, oseg, oreg, usd)
    _add_actuals(actuals, "bookings_usd", close, oseg, oreg, usd)


def generate_block(
    seed: int,
    block: int,
    first_account: int,
    n_accounts: int,
    cat: Campaigns,
    counters: dict[str, int],
    actuals: Actuals,
) -> dict[str, Frame]:
    """All account-dependent rows of one block of accounts."""
    rng = _rng(seed, 1, block)
    acc = make_accounts(rng, first_account, n_accounts)
    cyc = make_cycles(rng, acc)
    con = make_contacts(rng, acc, cyc, cat, counters["contact"])
    counters["contact"] += len(con)
    convert_cycles(rng, acc, cyc, con)
    funnel(rng, cyc, con)
    journeys = make_journeys(rng, cat, acc, cyc, con, counters)
    deals = make_deals(rng, acc, cyc, con, journeys.responses, cat.ids, counters)
    # An account exists before its contacts and deals (lead dates may precede the draw).
    real = ~con.orphan
    first_seen = np.full(len(acc), np.inf)
    np.minimum.at(first_seen, con.account[real], np.fmin(con.created_at, con.lead_at)[real])
    for opp in deals.opps:
        first_seen[opp.account] = min(first_seen[opp.account], opp.created)
    acc.created_at = np.minimum(acc.created_at, first_seen - DAY)
    _block_actuals(actuals, acc, con, deals)
    return {
        "accounts": account_frame(acc),
        "contacts": contact_frame(acc, con),
        "opportunities": deals.opportunities,
        "opportunity_contact_roles": deals.roles,
        "opportunity_stage_history": deals.stages,
        "invoices": deals.invoices,
        "campaign_members": journeys.members,
        "web_sessions": journeys.sessions,
        "form_submissions": journeys.forms,
    }


def _concat(frames: list[Frame]) -> Frame:
    return {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}


def _quarter_labels(seconds: np.ndarray) -> np.ndarray:
    """'2025-q1' style file name of each session's UTC start quarter."""
    month = (
        np.floor(seconds)
        .astype("int64")
        .astype("datetime64[s]")
        .astype("datetime64[M]")
        .astype("int64")
    )
    return np.array([f"{1970 + m // 12}-q{m % 12 // 3 + 1}" for m in month], dtype=object)


def _write_sessions(sink: Sink, frame: Frame) -> None:
    labels = _quarter_labels(frame["started_at"])
    for label in sorted(set(labels.tolist())):
        mask = labels == label
        sink.write("web_sessions", {k: v[mask] for k, v in frame.items()}, part=label)


def generate(
    out: Path, scale: float, fmt: str = "csv", seed: int = 42, chunk_accounts: int = 500
) -> dict[str, int]:
    """Write a full source directory; returns the row count of every source."""
    n_accounts = max(1, round(ACCOUNTS_PER_SCALE * scale))
    sink = Sink(out, fmt)
    try:
        cat = build_campaigns(_rng(seed, 0, 0))
        sink.write("campaigns", cat.frame())
        sink.write("ad_spend", build_ad_spend(_rng(seed, 0, 1), cat, scale))
        sink.write("fx_rates", build_fx(_rng(seed, 0, 2)))
        counters = dict.fromkeys(
            ("contact", "anon", "session", "submission", "member", "opportunity", "invoice"), 0
        )
        actuals: Actuals = defaultdict(float)
        blocks = [
            (b, s, min(BLOCK_ACCOUNTS, n_accounts - s))
            for b, s in enumerate(range(0, n_accounts, BLOCK_ACCOUNTS))
        ]
        per_chunk = max(1, -(-chunk_accounts // BLOCK_ACCOUNTS))
        for i in range(0, len(blocks), per_chunk):
            parts = [
                generate_block(seed, b, s, n, cat, counters, actuals)
                for b, s, n in blocks[i : i + per_chunk]
            ]
            for source in BLOCK_SOURCES:
                frame = _concat([p[source] for p in parts])
                if source == "web_sessions":
                    _write_sessions(sink, frame)
                else:
                    sink.write(source, frame)
        sink.write("targets", build_targets(_rng(seed, 2), actuals))
    finally:
        sink.close()
    return dict(sink.rows)
