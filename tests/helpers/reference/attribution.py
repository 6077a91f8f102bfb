"""Independent pandas reference implementation of the attribution rules.

This module re-derives ``fct_attribution`` from the attribution rules as
docs/attribution_rules.md states them, without looking at the dbt SQL or its lookups, so that
the test suite can compare two implementations written independently from the same rules. Any
disagreement between them is either a bug in one of them or an ambiguity in the rules
(docs/decisions.md), and both are worth knowing about.

Semantics implemented (docs/attribution_rules.md, plus docs/decisions.md where it is silent):

* P(o): scoped touches with ``created_at - L days <= touched_at <= created_at``.
* J(o): scoped touches with ``created_at - L days <= touched_at`` and, for closed
  opportunities, ``touched_at < close_date + 1 day`` (end of the close day inclusive), for
  open ones ``touched_at <= as_of``.
* Scope ``contact_role``: the touch's contact has a contact role on the opportunity; scope
  ``account``: those touches plus the touches of every contact of the opportunity's account
  (docs/attribution_rules.md#scope).
* Everything is ordered by ``(touched_at, touchpoint_id)``.
* FT = first touch of the model's window; OC = last touch of P; CW = last touch of J for won
  opportunities; a role only counts when its touch lies in the model's window.
* A role with weight 0 is not a role of the model: a touch holding only such roles is a middle
  touch (j_shaped/inverse_j have no LC weight, so a plain LC touch shares their middle).
* last_non_direct: credit 1 to the last touch of P whose channel is not exactly ``'Direct'``
  (``'Direct Mail'`` is not Direct; fct_touchpoints.channel is NOT NULL, a NULL would count as
  non-Direct); if every touch of P is Direct, credit 1 to the last touch of P (OC).
* LC: a contact's LC touch is the last of *all* its own touches with
  ``touched_at <= lead_created_at``; the LC role of ``o`` is the earliest such touch in the
  model's window among contacts with ``lead_created_at <= o.created_at``.
* raw(t) = sum of the weights of the model's roles that t holds, plus ``middle / k`` if t
  holds none of them (k = number of such role-less touches); share = raw / sum(raw), or 1/n
  when sum(raw) == 0. Credits are the shares rounded (half up) to 12 decimals as the warehouse
  publishes them, except on one anchor per opportunity and model, the largest rounded credit
  (ties: earliest touch), which takes 1 minus the others so that credits sum to exactly 1; only
  rows with credit > 0 are emitted; an opportunity with no touch in the window gets one
  ``(unattributed)`` row with credit 1.
* amount_usd = amount (to 4 decimals) x rate (to 14 decimals), rounded half up to the cent,
  computed exactly; NULL (NaN) when the currency has no rate on or before the close date. Money
  per row = credit x amount_usd rounded down to the cent, plus one cent for each of the rows
  with the largest remainders until the deal's money sums to amount_usd exactly (ties: touches
  holding a milestone role in the model's window first, then the earliest touch); NaN when
  amount_usd is.
  Credits and money are computed in integers (1e-12 units, cents), never summed as floats.

The implementation is vectorised (one merge of opportunities with touchpoints, then numpy
group operations over the pairs sorted by opportunity and global touch order) so it copes with
~1M touchpoints times a few thousand opportunities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from tests.helpers.reference.inputs import (
    as_ns,
    compute_amount_cents,
    dedupe_latest,
    to_bool,
    to_id,
    to_naive_utc,
)

UNATTRIBUTED_CHANNEL = "(unattributed)"
DIRECT_CHANNEL = "Direct"
ROLES: tuple[str, ...] = ("FT", "LC", "OC", "CW")
Window = Literal["P", "J"]
Scope = Literal["account", "contact_role"]

OUTPUT_COLUMNS: list[str] = [
    "opportunity_id",
    "model",
    "touchpoint_id",
    "contact_id",
    "account_id",
    "touched_at",
    "channel",
    "campaign_id",
    "credit",
    "attributed_pipeline_usd",
    "attributed_revenue_usd",
]

NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class ModelSpec:
    """One attribution model: its window, its role weights and the middle weight.

    ``weights`` maps role names (FT, LC, OC, CW) to weights; roles with weight 0 are not roles
    of the model at all (a touch holding only those is a middle touch). ``time_decay`` models
    ignore weights and give each touch ``2 ** (-d / half_life)``. ``last_non_channel`` models
    (last_non_direct) ignore weights too and give 1 to the last touch of the window whose
    channel differs from ``last_non_channel``, or to the window's last touch if there is none.
    """

    name: str
    window: Window
    weights: Mapping[str, float] = field(default_factory=dict)
    middle: float = 0.0
    time_decay: bool = False
    last_non_channel: str | None = None

    def roles(self) -> tuple[str, ...]:
        """The roles that carry weight in this model, in canonical order."""
        return tuple(r for r in ROLES if self.weights.get(r, 0.0) > 0.0)


# Hard-coded from the model table of docs/attribution_rules.md#normalisation on purpose: the
# reference must not read the dbt lookup.
MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("first_touch", "P", {"FT": 1.0}),
    ModelSpec("last_touch", "P", {"OC": 1.0}),
    ModelSpec("linear", "P", {}, middle=1.0),
    ModelSpec("u_shaped", "P", {"FT": 0.4, "LC": 0.4}, middle=0.2),
    ModelSpec("w_shaped", "P", {"FT": 0.3, "LC": 0.3, "OC": 0.3}, middle=0.1),
    ModelSpec("full_path", "J", {"FT": 0.225, "LC": 0.225, "OC": 0.225, "CW": 0.225}, middle=0.1),
    ModelSpec("time_decay", "P", time_decay=True),
    ModelSpec("j_shaped", "P", {"FT": 0.2, "OC": 0.6}, middle=0.2),
    ModelSpec("inverse_j", "P", {"FT": 0.6, "OC": 0.2}, middle=0.2),
    ModelSpec("last_non_direct", "P", last_non_channel=DIRECT_CHANNEL),
)
MODELS_BY_NAME: dict[str, ModelSpec] = {m.name: m for m in MODELS}


# --------------------------------------------------------------------------------------------
# The attribution itself.
# --------------------------------------------------------------------------------------------


def reference_attribution(
    touchpoints: pd.DataFrame,
    contacts: pd.DataFrame,
    opportunities: pd.DataFrame,
    contact_roles: pd.DataFrame,
    fx_rates: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    lookback_days: float = 365,
    scope: Scope = "account",
    half_life_days: float = 7.0,
    models: Sequence[ModelSpec] = MODELS,
    credit_decimals: int | None = 12,
) -> pd.DataFrame:
    """Compute ``fct_attribution`` from the rules, one row per (opp, model, credited touch).

    Args:
        touchpoints: touchpoint_id, contact_id, account_id (nullable), touched_at (UTC),
            channel, campaign_id (other columns ignored).
        contacts: contact_id, lead_created_at (nullable); several versions of a contact are
            deduplicated with :func:`dedupe_latest`.
        opportunities: opportunity_id, account_id, amount, currency, created_at, close_date,
            is_closed, is_won.
        contact_roles: opportunity_id, contact_id (only used for ``scope='contact_role'``).
        fx_rates: rate_date, currency, usd_per_unit.
        as_of: end of J for open opportunities (inclusive), UTC.
        lookback_days: L; P and J start at ``created_at - L days`` (inclusive).
        scope: ``'account'`` or ``'contact_role'``.
        half_life_days: h of the time_decay model.
        models: the models to compute (default: every model of docs/attribution_rules.md).
        credit_decimals: the warehouse publishes credits rounded to this many decimals, the
            residue on one anchor row, and drops rows whose rounded credit is 0
            (docs/attribution_rules.md#rounding); None keeps exact float credits and float money.

    Returns:
        A DataFrame with :data:`OUTPUT_COLUMNS`, sorted by opportunity_id, model, touched_at,
        touchpoint_id; unattributed rows have ``touchpoint_id`` None and channel
        ``'(unattributed)'``.
    """
    if scope not in ("account", "contact_role"):
        raise ValueError(f"unknown scope {scope!r}")
    if half_life_days <= 0:
        raise ValueError("half_life_days must be > 0")
    as_of_ns = int(as_ns(to_naive_utc(pd.Series([pd.Timestamp(as_of)])))[0])
    lookback_ns = round(float(lookback_days) * NS_PER_DAY)

    tp = _prepare_touchpoints(touchpoints, contacts)
    opp = _prepare_opportunities(opportunities, fx_rates)
    n_opp = len(opp)

    # ---- scoped (opportunity, touch) pairs inside P or J -------------------------------------
    pair_opp, pair_tp = _scoped_pairs(tp, opp, contact_roles, scope)
    t = tp["_t"].to_numpy()[pair_tp]
    created = opp["_created"].to_numpy()[pair_opp]
    low_ok = t >= created - lookback_ns
    in_p = low_ok & (t <= created)
    j_end_ok = np.where(
        opp["_closed"].to_numpy()[pair_opp],
        t < opp["_close_next"].to_numpy()[pair_opp],
        t <= as_of_ns,
    )
    in_j = low_ok & j_end_ok
    keep = in_p | in_j
    pair_opp, pair_tp, in_p, in_j = pair_opp[keep], pair_tp[keep], in_p[keep], in_j[keep]
    # tp is sorted by (touched_at, touchpoint_id), so its positional index *is* the tie-broken
    # order; sorting pairs by (opp, tp position) orders every window as the rules demand
    # (docs/decisions.md#same-instant).
    order = np.lexsort((pair_tp, pair_opp))
    pair_opp, pair_tp, in_p, in_j = pair_opp[order], pair_tp[order], in_p[order], in_j[order]

    # ---- roles that do not depend on the model's window: OC (last of P), CW (last of J) -----
    oc_tp = _last_per_group(pair_opp[in_p], pair_tp[in_p], n_opp)
    cw_tp = _last_per_group(pair_opp[in_j], pair_tp[in_j], n_opp)
    cw_tp = np.where(opp["_won"].to_numpy(), cw_tp, -1)

    lc_candidate = tp["_is_lc"].to_numpy()[pair_tp] & (
        tp["_lead_ns"].to_numpy()[pair_tp] <= opp["_created"].to_numpy()[pair_opp]
    )

    tp_channel = tp["channel"].to_numpy(dtype=object)
    pieces: list[pd.DataFrame] = []
    for model in models:
        mask = in_p if model.window == "P" else in_j
        w_opp, w_tp = pair_opp[mask], pair_tp[mask]
        credit = _model_credit(
            model,
            w_opp,
            w_tp,
            lc_candidate[mask],
            oc_tp,
            cw_tp,
            t_ns=tp["_t"].to_numpy()[w_tp],
            created_ns=opp["_created"].to_numpy()[w_opp],
            tp_channel=tp_channel,
            n_opp=n_opp,
            half_life_days=half_life_days,
        )
        # Ties for the leftover cents go first to touches holding a milestone role in the
        # window (closed-won only in J), then by touch order.
        roles = window_roles(w_opp, w_tp, lc_candidate[mask], oc_tp, cw_tp)
        has_role = roles["FT"] | roles["LC"] | roles["OC"]
        if model.window == "J":
            has_role |= roles["CW"]
        pieces.extend(
            credited_rows(model.name, w_opp, w_tp, credit, n_opp, credit_decimals, has_role)
        )

    rows = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    return _assemble_output(rows, tp, opp, credit_decimals)


def credited_rows(
    model: str,
    groups: np.ndarray,
    touches: np.ndarray,
    share: np.ndarray,
    n_groups: int,
    credit_decimals: int | None,
    has_role: np.ndarray | None = None,
) -> list[pd.DataFrame]:
    """The credited rows of one model (credit > 0) and one unattributed row per group without.

    Rows carry `_units` (credit in units of 10**-credit_decimals, -1 when unrounded),
    `_anchor` (the row holding the residue; always the unattributed row) and `_has_role`
    (the touch holds a milestone role in the window: it goes first in ties for a cent).
    """
    if has_role is None:
        has_role = np.zeros(len(touches), dtype=bool)
    if credit_decimals is None:
        units = np.full(len(share), -1, dtype=np.int64)
        anchor = np.zeros(len(share), dtype=bool)
        credit = share
        pos = credit > 0
        one = -1
    else:
        units, anchor = round_with_residue(groups, share, n_groups, credit_decimals)
        one = 10**credit_decimals
        credit = units / one
        pos = units > 0
    attributed = pd.DataFrame(
        {
            "_group": groups[pos],
            "_tp": touches[pos],
            "credit": credit[pos],
            "_units": units[pos],
            "_anchor": anchor[pos],
            "_has_role": has_role[pos],
            "model": model,
        }
    )
    missing = np.setdiff1d(np.arange(n_groups), np.unique(groups[pos]))
    unattributed = pd.DataFrame(
        {
            "_group": missing,
            "_tp": -1,
            "credit": 1.0,
            "_units": one,
            "_anchor": True,
            "_has_role": False,
            "model": model,
        }
    )
    return [attributed, unattributed]


def round_with_residue(
    groups: np.ndarray, share: np.ndarray, n_groups: int, decimals: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Credits in integer units of 10**-decimals that sum to exactly 10**decimals per group.

    ``groups`` is sorted and, within a group, rows are in touch order. Each share is rounded
    half up; the anchor, the largest rounded credit of its group (ties: the earliest touch),
    takes 10**decimals minus the others (those rounded to 0 included). Returns (units, anchor).
    """
    one = 10**decimals
    units = np.floor(np.asarray(share, dtype=float) * one + 0.5).astype(np.int64)
    anchor = np.zeros(len(units), dtype=bool)
    if len(units) == 0:
        return units, anchor
    order = np.lexsort((np.arange(len(units)), -units, groups))
    first = np.ones(len(order), dtype=bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    anchors = order[first]
    totals = np.zeros(n_groups, dtype=np.int64)
    np.add.at(totals, groups, units)
    units[anchors] = one - (totals[groups[anchors]] - units[anchors])
    anchor[anchors] = True
    return units, anchor


def apportion_cents(
    groups: np.ndarray, units: np.ndarray, cents: np.ndarray, touch_order: np.ndarray, decimals: int
) -> np.ndarray:
    """Money per row in cents, by largest remainder.

    Each row gets credit x amount rounded down to the cent; the cents that leaves in its group
    go one each to the rows with the largest remainders, ties to the earliest touch
    (``touch_order``). ``cents`` is each row's amount in cents (>= 0, below 10**15); the
    product of a credit (units of 10**-decimals, at most 10**12) and it does not fit 64 bits,
    so it is split into base-10**6 digits and divided exactly.
    """
    if decimals != 12:
        raise ValueError("exact money apportioning is written for 12-decimal credits")
    base = 10**6
    u_hi, u_lo = np.divmod(units.astype(np.int64), base)
    c_hi, c_lo = np.divmod(cents.astype(np.int64), base)
    # units x cents / 10**12 = u_hi*c_hi + (u_hi*c_lo + u_lo*c_hi) / 10**6 + u_lo*c_lo / 10**12
    middle_q, middle_r = np.divmod(u_hi * c_lo + u_lo * c_hi, base)
    rest_q, remainder = np.divmod(middle_r * base + u_lo * c_lo, base * base)
    floor = u_hi * c_hi + middle_q + rest_q
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    floors = np.zeros(n_groups, dtype=np.int64)
    np.add.at(floors, groups, floor)
    amount = np.zeros(n_groups, dtype=np.int64)
    amount[groups] = cents
    leftover = amount - floors
    order = np.lexsort((touch_order, -remainder, groups))
    sorted_groups = groups[order]
    first = np.searchsorted(sorted_groups, sorted_groups, side="left")
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - first
    return floor + (rank < leftover[groups])


def _prepare_touchpoints(touchpoints: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Normalise touchpoints, sort them by (touched_at, touchpoint_id) and flag LC touches."""
    tp = pd.DataFrame(
        {
            "touchpoint_id": to_id(touchpoints["touchpoint_id"]).to_numpy(),
            "contact_id": to_id(touchpoints["contact_id"]).to_numpy(),
            "account_id": to_id(touchpoints["account_id"]).to_numpy(),
            "touched_at": to_naive_utc(touchpoints["touched_at"]).to_numpy(),
            "channel": to_id(touchpoints["channel"]).to_numpy(),
            "campaign_id": to_id(touchpoints["campaign_id"]).to_numpy()
            if "campaign_id" in touchpoints.columns
            else None,
        }
    )
    if tp["touchpoint_id"].isna().any() or tp["touched_at"].isna().any():
        raise ValueError("touchpoints must have touchpoint_id and touched_at")
    if tp["touchpoint_id"].duplicated().any():
        dups = tp.loc[tp["touchpoint_id"].duplicated(), "touchpoint_id"].head(5).tolist()
        raise ValueError(f"duplicate touchpoint_id values, e.g. {dups}")
    tp = tp.sort_values(["touched_at", "touchpoint_id"], kind="mergesort").reset_index(drop=True)
    tp["_t"] = as_ns(tp["touched_at"])

    c = contacts.copy()
    c["contact_id"] = to_id(c["contact_id"])
    c = dedupe_latest(c[c["contact_id"].notna()], "contact_id")
    lead = pd.Series(
        to_naive_utc(c["lead_created_at"]).to_numpy(), index=c["contact_id"].to_numpy()
    )
    tp_lead = tp["contact_id"].map(lead)
    tp["_lead_ns"] = np.where(tp_lead.notna(), as_ns(tp_lead), np.iinfo(np.int64).max)
    # A contact's LC touch: the last of all its own touches with touched_at <= lead_created_at.
    # tp is in global (touched_at, touchpoint_id) order, so "last" = max position per contact.
    before_lead = tp_lead.notna().to_numpy() & (tp["_t"].to_numpy() <= tp["_lead_ns"].to_numpy())
    positions = pd.Series(np.arange(len(tp)))[before_lead]
    lc_positions = positions.groupby(tp["contact_id"][before_lead].to_numpy()).max().to_numpy()
    is_lc = np.zeros(len(tp), dtype=bool)
    is_lc[lc_positions.astype(np.int64)] = True
    tp["_is_lc"] = is_lc
    return tp


def _prepare_opportunities(opportunities: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.DataFrame:
    """Normalise opportunities and add amount_usd plus the integer window bounds."""
    opp = pd.DataFrame(
        {
            "opportunity_id": to_id(opportunities["opportunity_id"]).to_numpy(),
            "account_id": to_id(opportunities["account_id"]).to_numpy(),
            "created_at": to_naive_utc(opportunities["created_at"]).to_numpy(),
            "close_day": to_naive_utc(opportunities["close_date"]).dt.normalize().to_numpy(),
            "is_closed": to_bool(opportunities["is_closed"]).to_numpy(),
            "is_won": to_bool(opportunities["is_won"]).to_numpy(),
            "amount_cents": compute_amount_cents(opportunities, fx_rates).to_numpy(),
        }
    )
    opp["amount_usd"] = opp["amount_cents"].map(lambda c: np.nan if c is None else c / 100)
    if opp["opportunity_id"].duplicated().any():
        raise ValueError("opportunities must be deduplicated (one row per opportunity_id)")
    if opp["created_at"].isna().any():
        raise ValueError("opportunities.created_at is required")
    opp["_created"] = as_ns(opp["created_at"])
    # is_won implies is_closed (docs/decisions.md#won-implies-closed); a won opp is treated as
    # closed even if mislabelled.
    opp["_closed"] = opp["is_closed"] | opp["is_won"]
    opp["_won"] = opp["is_won"]
    close_next = opp["close_day"] + pd.Timedelta(days=1)
    opp["_close_next"] = np.where(close_next.notna(), as_ns(close_next), np.iinfo(np.int64).max)
    return opp


def _scoped_pairs(
    tp: pd.DataFrame, opp: pd.DataFrame, contact_roles: pd.DataFrame, scope: Scope
) -> tuple[np.ndarray, np.ndarray]:
    """All (opportunity position, touch position) pairs in scope, before any time filter.

    contact_role: the touches of the contacts with a role on the opportunity. account: those
    plus the touches of every contact of the opportunity's account (a role contact may have
    no account today, or another one), each pair once.
    """
    touches = pd.DataFrame(
        {
            "_tp": np.arange(len(tp)),
            "account_id": tp["account_id"].to_numpy(),
            "contact_id": tp["contact_id"].to_numpy(),
        }
    )
    roles = pd.DataFrame(
        {
            "opportunity_id": to_id(contact_roles["opportunity_id"]).to_numpy(),
            "contact_id": to_id(contact_roles["contact_id"]).to_numpy(),
        }
    ).dropna()
    roles = roles.drop_duplicates()
    opp_pos = pd.DataFrame({"_opp": np.arange(len(opp)), "opportunity_id": opp["opportunity_id"]})
    roles = roles.merge(opp_pos, on="opportunity_id")[["_opp", "contact_id"]]
    pairs = roles.merge(touches.dropna(subset=["contact_id"])[["_tp", "contact_id"]])[
        ["_opp", "_tp"]
    ]
    if scope == "account":
        left = pd.DataFrame({"_opp": np.arange(len(opp)), "account_id": opp["account_id"]})
        by_account = left.dropna(subset=["account_id"]).merge(
            touches.dropna(subset=["account_id"])[["_tp", "account_id"]], on="account_id"
        )[["_opp", "_tp"]]
        # Role contacts at the opportunity's own account are in by_account already.
        opp_account = opp["account_id"].to_numpy(object)[pairs["_opp"].to_numpy()]
        tp_account = touches["account_id"].to_numpy(object)[pairs["_tp"].to_numpy()]
        elsewhere = pd.isna(tp_account) | (tp_account != opp_account)
        pairs = pd.concat([by_account, pairs[elsewhere]], ignore_index=True)
    return pairs["_opp"].to_numpy(np.int64), pairs["_tp"].to_numpy(np.int64)


def _last_per_group(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """For sorted ``groups``, the last value per group (-1 where the group is empty)."""
    out = np.full(n_groups, -1, dtype=np.int64)
    if len(groups):
        is_last = np.append(groups[1:] != groups[:-1], True)
        out[groups[is_last]] = values[is_last]
    return out


def _model_credit(
    model: ModelSpec,
    w_opp: np.ndarray,
    w_tp: np.ndarray,
    lc_candidate: np.ndarray,
    oc_tp: np.ndarray,
    cw_tp: np.ndarray,
    *,
    t_ns: np.ndarray,
    created_ns: np.ndarray,
    tp_channel: np.ndarray,
    n_opp: int,
    half_life_days: float,
) -> np.ndarray:
    """Credits of the touches of one model's window (arrays sorted by opp, then touch order).

    ``tp_channel`` holds the channel of every touch position (indexed by ``w_tp``).
    """
    n = len(w_opp)
    if n == 0:
        return np.zeros(0)
    if model.time_decay:
        d_days = (created_ns - t_ns).astype(float) / NS_PER_DAY
        # Normalisation cancels any per-opp factor, so shift by the smallest d of the opp to
        # avoid underflow with short half-lives; the ratios are unchanged.
        d_min = np.full(n_opp, np.inf)
        np.minimum.at(d_min, w_opp, d_days)
        raw = np.exp2(-(d_days - d_min[w_opp]) / half_life_days)
        return normalise_credit(w_opp, raw, n_opp)
    if model.last_non_channel is not None:
        # channel != X, with NULL counting as "not X" (fct_touchpoints.channel is NOT NULL).
        eligible = tp_channel[w_tp] != model.last_non_channel
        chosen = _last_per_group(w_opp[eligible], w_tp[eligible], n_opp)
        last = _last_per_group(w_opp, w_tp, n_opp)
        chosen = np.where(chosen >= 0, chosen, last)
        return normalise_credit(w_opp, (w_tp == chosen[w_opp]).astype(float), n_opp)
    return role_credit(model, w_opp, window_roles(w_opp, w_tp, lc_candidate, oc_tp, cw_tp), n_opp)


def window_roles(
    w_opp: np.ndarray,
    w_tp: np.ndarray,
    lc_candidate: np.ndarray,
    oc_tp: np.ndarray,
    cw_tp: np.ndarray,
) -> dict[str, np.ndarray]:
    """Which milestone role each touch of a window holds (arrays sorted by opp, touch order)."""
    is_first = np.insert(w_opp[1:] != w_opp[:-1], 0, True) if len(w_opp) else np.zeros(0, bool)
    # LC: the earliest LC candidate of the window = candidate whose running count is 1.
    lc_run = pd.Series(lc_candidate.astype(np.int64)).groupby(w_opp).cumsum().to_numpy()
    return {
        "FT": is_first,
        "LC": lc_candidate & (lc_run == 1),
        "OC": w_tp == oc_tp[w_opp],
        "CW": w_tp == cw_tp[w_opp],
    }


def role_credit(
    model: ModelSpec, groups: np.ndarray, holds: Mapping[str, np.ndarray], n_groups: int
) -> np.ndarray:
    """The normalisation (docs/attribution_rules.md#normalisation) for one position-based model
    over grouped touches.

    ``groups`` (sorted, one entry per touch) says which window a touch belongs to and
    ``holds[role]`` whether it holds that role. raw(t) = sum of the weights of the model's roles
    that t holds, plus ``middle / k`` if it holds none (k = role-less touches of its window);
    credit = raw / sum(raw) per window, or 1/n if that sum is 0. Shared with the lead-level
    reference, which has its own windows and roles.
    """
    n = len(groups)
    raw = np.zeros(n)
    any_role = np.zeros(n, dtype=bool)
    for role in model.roles():
        raw += np.where(holds[role], float(model.weights[role]), 0.0)
        any_role |= holds[role]
    roleless = ~any_role
    if model.middle > 0:
        k = np.bincount(groups, weights=roleless.astype(float), minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            raw += np.where(roleless, model.middle / k[groups], 0.0)
    return normalise_credit(groups, raw, n_groups)


def normalise_credit(groups: np.ndarray, raw: np.ndarray, n_groups: int) -> np.ndarray:
    """raw / sum(raw) per group, or 1/n for a group whose raw sums to 0."""
    if len(groups) == 0:
        return np.zeros(0)
    count = np.bincount(groups, minlength=n_groups).astype(float)
    total = np.bincount(groups, weights=raw, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total[groups] > 0, raw / total[groups], 1.0 / count[groups])


def _assemble_output(
    rows: pd.DataFrame, tp: pd.DataFrame, opp: pd.DataFrame, credit_decimals: int | None
) -> pd.DataFrame:
    """Join touch and opportunity attributes onto the credited rows and compute the money."""
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})
    o = rows["_group"].to_numpy()
    tpos = rows["_tp"].to_numpy()
    has_tp = tpos >= 0
    safe = np.where(has_tp, tpos, 0)

    def touch_col(name: str) -> np.ndarray:
        vals = tp[name].to_numpy(dtype=object)[safe] if len(tp) else np.full(len(rows), None)
        return np.where(has_tp, vals, None)

    touched_at = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    if len(tp):
        touched_at[has_tp] = tp["touched_at"].to_numpy()[tpos[has_tp]]
    channel = touch_col("channel")
    channel = np.where(has_tp, channel, UNATTRIBUTED_CHANNEL)
    credit = rows["credit"].to_numpy(float)
    amount_usd = opp["amount_usd"].to_numpy(float)[o]
    won = opp["is_won"].to_numpy(bool)[o]
    if credit_decimals is None:
        pipeline = credit * amount_usd
    else:
        # One group per (opportunity, model): the anchor balances each deal under each model.
        model_codes, model_names = pd.factorize(rows["model"])
        groups = o.astype(np.int64) * max(len(model_names), 1) + model_codes
        amount_cents = opp["amount_cents"].to_numpy(object)
        converted = np.array([c is not None for c in amount_cents], dtype=bool)[o]
        cents = np.array([0 if c is None else c for c in amount_cents], dtype=np.int64)[o]
        # Order for ties: touches holding a role first, then the others, each in touch order
        # (tp is in (touched_at, touchpoint_id) order); the unattributed row is alone.
        role_last = np.where(rows["_has_role"].to_numpy(bool), 0, len(tp))
        touch_order = np.where(has_tp, tpos + role_last, 2 * len(tp)).astype(np.int64)
        apportioned = apportion_cents(
            groups, rows["_units"].to_numpy(np.int64), cents, touch_order, credit_decimals
        )
        pipeline = np.where(converted, apportioned / 100, np.nan)
    out = pd.DataFrame(
        {
            "opportunity_id": pd.Series(opp["opportunity_id"].to_numpy(object)[o], dtype=object),
            "model": pd.Series(rows["model"].to_numpy(object), dtype=object),
            "touchpoint_id": pd.Series(touch_col("touchpoint_id"), dtype=object),
            "contact_id": pd.Series(touch_col("contact_id"), dtype=object),
            "account_id": pd.Series(touch_col("account_id"), dtype=object),
            "touched_at": touched_at.to_numpy(),
            "channel": pd.Series(channel, dtype=object),
            "campaign_id": pd.Series(touch_col("campaign_id"), dtype=object),
            "credit": credit,
            "attributed_pipeline_usd": pipeline,
            "attributed_revenue_usd": np.where(won | np.isnan(pipeline), pipeline, 0.0),
        }
    )
    out["_tp"] = tpos
    out = out.sort_values(["opportunity_id", "model", "_tp"], kind="mergesort")
    return out.drop(columns="_tp").reset_index(drop=True)[OUTPUT_COLUMNS]
