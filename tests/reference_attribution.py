"""Independent pandas reference implementation of the attribution rules.

This module re-derives ``fct_attribution`` from ``/work/shared/spec/attribution.md`` without
looking at the dbt SQL or its seeds, so that the test suite can compare two implementations
that were written independently from the same spec. Any disagreement between them is either a
bug in one of them or an ambiguity in the spec, and both are worth knowing about.

Semantics implemented (the spec, plus the decisions taken where it is silent):

* P(o): scoped touches with ``created_at - L days <= touched_at <= created_at``.
* J(o): scoped touches with ``created_at - L days <= touched_at`` and, for closed
  opportunities, ``touched_at < close_date + 1 day`` (end of the close day inclusive), for
  open ones ``touched_at <= as_of``.
* Scope ``account``: ``touch.account_id == opp.account_id``; scope ``contact_role``: the
  touch's contact has a contact role on the opportunity.
* Everything is ordered by ``(touched_at, touchpoint_id)``.
* FT = first touch of the model's window; OC = last touch of P; CW = last touch of J for won
  opportunities; a role only counts when its touch lies in the model's window.
* LC: a contact's LC touch is the last of *all* its own touches with
  ``touched_at <= lead_created_at``; the LC role of ``o`` is the earliest such touch in the
  model's window among contacts with ``lead_created_at <= o.created_at``.
* raw(t) = sum of the weights of the model's roles that t holds, plus ``middle / k`` if t
  holds none of them (k = number of such role-less touches); credit = raw / sum(raw), or 1/n
  when sum(raw) == 0. Credits are rounded to 12 decimals as the warehouse publishes them, and
  only rows with credit > 0 are emitted; an opportunity with no touch in
  the window gets one ``(unattributed)`` row with credit 1.

The implementation is vectorised (one merge of opportunities with touchpoints, then numpy
group operations over the pairs sorted by opportunity and global touch order) so it copes with
~1M touchpoints times a few thousand opportunities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

UNATTRIBUTED_CHANNEL = "(unattributed)"
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

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class ModelSpec:
    """One attribution model: its window, its role weights and the middle weight.

    ``weights`` maps role names (FT, LC, OC, CW) to weights; roles with weight 0 are not roles
    of the model at all (a touch holding only those is a middle touch). ``time_decay`` models
    ignore weights and give each touch ``2 ** (-d / half_life)``.
    """

    name: str
    window: Window
    weights: Mapping[str, float] = field(default_factory=dict)
    middle: float = 0.0
    time_decay: bool = False

    def roles(self) -> tuple[str, ...]:
        """The roles that carry weight in this model, in canonical order."""
        return tuple(r for r in ROLES if self.weights.get(r, 0.0) > 0.0)


# Hard-coded from the spec's model table on purpose: the reference must not read the dbt seed.
MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("first_touch", "P", {"FT": 1.0}),
    ModelSpec("last_touch", "P", {"OC": 1.0}),
    ModelSpec("linear", "P", {}, middle=1.0),
    ModelSpec("u_shaped", "P", {"FT": 0.4, "LC": 0.4}, middle=0.2),
    ModelSpec("w_shaped", "P", {"FT": 0.3, "LC": 0.3, "OC": 0.3}, middle=0.1),
    ModelSpec("full_path", "J", {"FT": 0.225, "LC": 0.225, "OC": 0.225, "CW": 0.225}, middle=0.1),
    ModelSpec("time_decay", "P", time_decay=True),
)
MODELS_BY_NAME: dict[str, ModelSpec] = {m.name: m for m in MODELS}


# --------------------------------------------------------------------------------------------
# Input coercion: the reference accepts frames straight from parquet/DuckDB or hand-built
# ones, so it normalises types once instead of trusting every caller.
# --------------------------------------------------------------------------------------------


def to_naive_utc(values: pd.Series) -> pd.Series:
    """Return ``values`` as naive UTC ``datetime64[ns]`` (tz-aware values are converted).

    Strings are parsed as ISO 8601; a value without offset is taken as UTC, as sources.md says.
    """
    s = pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        if pd.api.types.is_string_dtype(s.dtype) and s.map(type).eq(str).any():
            s = pd.to_datetime(s, utc=True, format="ISO8601")
        else:
            s = pd.to_datetime(s, utc=True)
        s = s.dt.tz_localize(None)
    return s.astype("datetime64[ns]")


def to_id(values: pd.Series) -> pd.Series:
    """Return ids as an object Series of ``str`` with ``None`` for missing (case-sensitive)."""
    s = pd.Series(values)
    return pd.Series(
        [None if _is_missing(v) else str(v) for v in s.tolist()], index=s.index, dtype=object
    )


def to_bool(values: pd.Series) -> pd.Series:
    """Return booleans; strings true/false, 1/0, yes/no (any case) are accepted, NULL -> False."""
    s = pd.Series(values)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).astype(bool)
    truthy = {"true", "1", "yes", "t", "y", "1.0"}
    return pd.Series(
        [False if _is_missing(v) else str(v).strip().lower() in truthy for v in s.tolist()],
        index=s.index,
        dtype=bool,
    )


def _ns(values: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch as int64 (NaT becomes the int64 minimum; mask it first)."""
    return pd.Series(values).to_numpy(dtype="datetime64[ns]").view("i8")


def _is_missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def dedupe_latest(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Keep one row per ``key``: the latest ``updated_at``, ties/NULLs by file order.

    sources.md: several versions of a record -> the latest ``updated_at`` wins, else the last in
    file order, which the raw area records as ``(_source_file, _source_line)``. A row with an
    ``updated_at`` beats one without.
    """
    if df.empty:
        return df.copy()
    work = df.copy()
    work["_row"] = np.arange(len(work))
    sort_cols: list[str] = []
    if "updated_at" in work.columns:
        work["_upd"] = to_naive_utc(work["updated_at"])
        sort_cols.append("_upd")
    if "_source_file" in work.columns:
        work["_sf"] = work["_source_file"].astype(object).where(work["_source_file"].notna(), "")
        work["_sf"] = work["_sf"].map(str)
        sort_cols.append("_sf")
    if "_source_line" in work.columns:
        work["_sl"] = pd.to_numeric(work["_source_line"], errors="coerce")
        sort_cols.append("_sl")
    sort_cols.append("_row")
    work = work.sort_values(sort_cols, na_position="first", kind="mergesort")
    work = work.drop_duplicates(subset=[key], keep="last").sort_values("_row")
    return work.drop(columns=[c for c in ("_row", "_upd", "_sf", "_sl") if c in work.columns])


def compute_amount_usd(opportunities: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.Series:
    """Convert each opportunity's amount to USD at its close_date's rate.

    The rate is the one of ``close_date`` or, if that day is missing, the latest earlier
    ``rate_date`` of the currency. USD is always 1.0 (even without fx rows). No usable rate ->
    NaN (the mart should then show NULL money; the comparison treats NaN == NULL).
    """
    opp = pd.DataFrame(
        {
            "_pos": np.arange(len(opportunities)),
            "currency": opportunities["currency"].map(_norm_currency).to_numpy(),
            "close_day": to_naive_utc(opportunities["close_date"]).dt.normalize().to_numpy(),
            "amount": pd.to_numeric(opportunities["amount"], errors="coerce").to_numpy(),
        }
    )
    rate = pd.Series(np.nan, index=opp.index)
    if fx_rates is not None and not fx_rates.empty:
        fx = pd.DataFrame(
            {
                "currency": fx_rates["currency"].map(_norm_currency).to_numpy(),
                "close_day": to_naive_utc(fx_rates["rate_date"]).dt.normalize().to_numpy(),
                "usd_per_unit": pd.to_numeric(fx_rates["usd_per_unit"], errors="coerce"),
            }
        ).dropna()
        fx = fx.drop_duplicates(subset=["currency", "close_day"], keep="last")
        left = opp[opp["close_day"].notna() & opp["currency"].notna()].sort_values("close_day")
        if not left.empty and not fx.empty:
            merged = pd.merge_asof(
                left,
                fx.sort_values("close_day"),
                on="close_day",
                by="currency",
                direction="backward",
                allow_exact_matches=True,
            )
            rate.loc[merged["_pos"].to_numpy()] = merged["usd_per_unit"].to_numpy()
    rate = rate.where(opp["currency"] != "USD", 1.0)
    return pd.Series(opp["amount"].to_numpy() * rate.to_numpy(), index=opportunities.index)


def _norm_currency(v: object) -> str | None:
    return None if _is_missing(v) else str(v).strip().upper()


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
    """Compute ``fct_attribution`` from the spec, one row per (opp, model, credited touch).

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
        models: the models to compute (default: the spec's table).
        credit_decimals: the warehouse publishes credits rounded to this many decimals and
            drops rows whose rounded credit is 0 (README, "Credits"); None keeps exact credits.

    Returns:
        A DataFrame with :data:`OUTPUT_COLUMNS`, sorted by opportunity_id, model, touched_at,
        touchpoint_id; unattributed rows have ``touchpoint_id`` None and channel
        ``'(unattributed)'``.
    """
    if scope not in ("account", "contact_role"):
        raise ValueError(f"unknown scope {scope!r}")
    if half_life_days <= 0:
        raise ValueError("half_life_days must be > 0")
    as_of_ns = int(_ns(to_naive_utc(pd.Series([pd.Timestamp(as_of)])))[0])
    lookback_ns = round(float(lookback_days) * _NS_PER_DAY)

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
    # order; sorting pairs by (opp, tp position) orders every window as the spec demands.
    order = np.lexsort((pair_tp, pair_opp))
    pair_opp, pair_tp, in_p, in_j = pair_opp[order], pair_tp[order], in_p[order], in_j[order]

    # ---- roles that do not depend on the model's window: OC (last of P), CW (last of J) -----
    oc_tp = _last_per_group(pair_opp[in_p], pair_tp[in_p], n_opp)
    cw_tp = _last_per_group(pair_opp[in_j], pair_tp[in_j], n_opp)
    cw_tp = np.where(opp["_won"].to_numpy(), cw_tp, -1)

    lc_candidate = tp["_is_lc"].to_numpy()[pair_tp] & (
        tp["_lead_ns"].to_numpy()[pair_tp] <= opp["_created"].to_numpy()[pair_opp]
    )

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
            n_opp=n_opp,
            half_life_days=half_life_days,
        )
        if credit_decimals is not None:
            credit = np.round(credit, credit_decimals)
        pos = credit > 0
        attributed = pd.DataFrame(
            {"_opp": w_opp[pos], "_tp": w_tp[pos], "credit": credit[pos], "model": model.name}
        )
        missing = np.setdiff1d(np.arange(n_opp), np.unique(w_opp[pos]))
        unattributed = pd.DataFrame(
            {"_opp": missing, "_tp": -1, "credit": 1.0, "model": model.name}
        )
        pieces.extend([attributed, unattributed])

    rows = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    return _assemble_output(rows, tp, opp)


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
    tp["_t"] = _ns(tp["touched_at"])

    c = contacts.copy()
    c["contact_id"] = to_id(c["contact_id"])
    c = dedupe_latest(c[c["contact_id"].notna()], "contact_id")
    lead = pd.Series(
        to_naive_utc(c["lead_created_at"]).to_numpy(), index=c["contact_id"].to_numpy()
    )
    tp_lead = tp["contact_id"].map(lead)
    tp["_lead_ns"] = np.where(tp_lead.notna(), _ns(tp_lead), np.iinfo(np.int64).max)
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
            "amount_usd": compute_amount_usd(opportunities, fx_rates).to_numpy(),
        }
    )
    if opp["opportunity_id"].duplicated().any():
        raise ValueError("opportunities must be deduplicated (one row per opportunity_id)")
    if opp["created_at"].isna().any():
        raise ValueError("opportunities.created_at is required")
    opp["_created"] = _ns(opp["created_at"])
    # is_won implies is_closed (sources.md); a won opp is treated as closed even if mislabelled.
    opp["_closed"] = opp["is_closed"] | opp["is_won"]
    opp["_won"] = opp["is_won"]
    close_next = opp["close_day"] + pd.Timedelta(days=1)
    opp["_close_next"] = np.where(close_next.notna(), _ns(close_next), np.iinfo(np.int64).max)
    return opp


def _scoped_pairs(
    tp: pd.DataFrame, opp: pd.DataFrame, contact_roles: pd.DataFrame, scope: Scope
) -> tuple[np.ndarray, np.ndarray]:
    """All (opportunity position, touch position) pairs in scope, before any time filter."""
    touches = pd.DataFrame(
        {
            "_tp": np.arange(len(tp)),
            "account_id": tp["account_id"].to_numpy(),
            "contact_id": tp["contact_id"].to_numpy(),
        }
    )
    if scope == "account":
        left = pd.DataFrame({"_opp": np.arange(len(opp)), "account_id": opp["account_id"]})
        pairs = left.dropna(subset=["account_id"]).merge(
            touches.dropna(subset=["account_id"])[["_tp", "account_id"]], on="account_id"
        )
    else:
        roles = pd.DataFrame(
            {
                "opportunity_id": to_id(contact_roles["opportunity_id"]).to_numpy(),
                "contact_id": to_id(contact_roles["contact_id"]).to_numpy(),
            }
        ).dropna()
        roles = roles.drop_duplicates()
        opp_pos = pd.DataFrame(
            {"_opp": np.arange(len(opp)), "opportunity_id": opp["opportunity_id"]}
        )
        roles = roles.merge(opp_pos, on="opportunity_id")[["_opp", "contact_id"]]
        pairs = roles.merge(touches.dropna(subset=["contact_id"])[["_tp", "contact_id"]])
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
    n_opp: int,
    half_life_days: float,
) -> np.ndarray:
    """Credits of the touches of one model's window (arrays sorted by opp, then touch order)."""
    n = len(w_opp)
    if n == 0:
        return np.zeros(0)
    count = np.bincount(w_opp, minlength=n_opp).astype(float)
    if model.time_decay:
        d_days = (created_ns - t_ns).astype(float) / _NS_PER_DAY
        # Normalisation cancels any per-opp factor, so shift by the smallest d of the opp to
        # avoid underflow with short half-lives; the ratios are unchanged.
        d_min = np.full(n_opp, np.inf)
        np.minimum.at(d_min, w_opp, d_days)
        raw = np.exp2(-(d_days - d_min[w_opp]) / half_life_days)
    else:
        is_first = np.insert(w_opp[1:] != w_opp[:-1], 0, True)
        # LC: the earliest LC candidate of the window = candidate whose running count is 1.
        lc_run = pd.Series(lc_candidate.astype(np.int64)).groupby(w_opp).cumsum().to_numpy()
        holds = {
            "FT": is_first,
            "LC": lc_candidate & (lc_run == 1),
            "OC": w_tp == oc_tp[w_opp],
            "CW": w_tp == cw_tp[w_opp],
        }
        raw = np.zeros(n)
        any_role = np.zeros(n, dtype=bool)
        for role in model.roles():
            raw += np.where(holds[role], float(model.weights[role]), 0.0)
            any_role |= holds[role]
        roleless = ~any_role
        if model.middle > 0:
            k = np.bincount(w_opp, weights=roleless.astype(float), minlength=n_opp)
            with np.errstate(divide="ignore", invalid="ignore"):
                raw += np.where(roleless, model.middle / k[w_opp], 0.0)
    total = np.bincount(w_opp, weights=raw, minlength=n_opp)
    with np.errstate(divide="ignore", invalid="ignore"):
        credit = np.where(total[w_opp] > 0, raw / total[w_opp], 1.0 / count[w_opp])
    return credit


def _assemble_output(rows: pd.DataFrame, tp: pd.DataFrame, opp: pd.DataFrame) -> pd.DataFrame:
    """Join touch and opportunity attributes onto the credited rows and compute the money."""
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})
    o = rows["_opp"].to_numpy()
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
            "attributed_pipeline_usd": credit * amount_usd,
            "attributed_revenue_usd": np.where(won, credit * amount_usd, 0.0),
        }
    )
    out["_tp"] = tpos
    out = out.sort_values(["opportunity_id", "model", "_tp"], kind="mergesort")
    return out.drop(columns="_tp").reset_index(drop=True)[OUTPUT_COLUMNS]


# --------------------------------------------------------------------------------------------
# Checks used by the tests: kept here so both test modules share one implementation.
# --------------------------------------------------------------------------------------------

_NULL_KEY = "\x00<unattributed>"
_KEY = ["opportunity_id", "model", "touchpoint_id"]
_EXACT_COLUMNS = ["channel", "contact_id", "account_id", "campaign_id"]
_MONEY_COLUMNS = ["attributed_pipeline_usd", "attributed_revenue_usd"]


def credit_sum_problems(attribution: pd.DataFrame, tol: float = 1e-9) -> list[str]:
    """Opportunity/model pairs whose credits do not sum to 1 (within ``tol``)."""
    sums = attribution.groupby(["opportunity_id", "model"], dropna=False)["credit"].sum()
    bad = sums[(sums - 1.0).abs() > tol]
    return [f"credits of {key} sum to {val!r}" for key, val in bad.items()]


def _keyed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in _KEY + _EXACT_COLUMNS:
        out[col] = to_id(out[col])
    out["touchpoint_id"] = out["touchpoint_id"].where(out["touchpoint_id"].notna(), _NULL_KEY)
    out["touched_at"] = to_naive_utc(out["touched_at"])
    for col in ["credit", *_MONEY_COLUMNS]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def _fmt_key(key: Iterable[object]) -> str:
    parts = ["NULL" if k == _NULL_KEY else repr(k) for k in key]
    return "(" + ", ".join(parts) + ")"


def compare_attribution(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    *,
    credit_tol: float = 1e-9,
    money_tol: float = 0.005,
    max_report: int = 20,
) -> list[str]:
    """Compare two ``fct_attribution`` frames row by row; return human-readable problems.

    Rows are matched on (opportunity_id, model, touchpoint_id), a NULL touchpoint being its own
    key (the unattributed row). An empty list means the frames agree: same keys, credit within
    ``credit_tol``, money within ``money_tol`` (NaN == NaN), identical channel, contact_id,
    account_id, campaign_id and touched_at (NULL == NULL). Each kind of problem lists at most
    ``max_report`` examples so a failure stays readable.
    """
    a, e = _keyed(actual), _keyed(expected)
    problems: list[str] = []
    for name, frame in (("actual", a), ("expected", e)):
        dup = frame[frame.duplicated(subset=_KEY, keep=False)]
        if not dup.empty:
            keys = list(dup[_KEY].drop_duplicates().itertuples(index=False, name=None))
            shown = ", ".join(_fmt_key(k) for k in keys[:max_report])
            problems.append(f"{len(keys)} duplicated keys in {name}: {shown}")
    a = a.drop_duplicates(subset=_KEY)
    e = e.drop_duplicates(subset=_KEY)
    a_keys = set(a[_KEY].itertuples(index=False, name=None))
    e_keys = set(e[_KEY].itertuples(index=False, name=None))
    only_a = sorted(a_keys - e_keys)
    only_e = sorted(e_keys - a_keys)
    if only_a:
        shown = ", ".join(_fmt_key(k) for k in only_a[:max_report])
        problems.append(f"{len(only_a)} keys only in actual (mart), e.g. {shown}")
    if only_e:
        shown = ", ".join(_fmt_key(k) for k in only_e[:max_report])
        problems.append(f"{len(only_e)} keys only in expected (reference), e.g. {shown}")

    m = a.merge(e, on=_KEY, suffixes=("_a", "_e"))
    checks: list[tuple[str, pd.Series | np.ndarray]] = []
    checks.append(("credit", ~np.isclose(m["credit_a"], m["credit_e"], rtol=0.0, atol=credit_tol)))
    for col in _MONEY_COLUMNS:
        both_nan = m[f"{col}_a"].isna() & m[f"{col}_e"].isna()
        close = (m[f"{col}_a"] - m[f"{col}_e"]).abs() <= money_tol
        checks.append((col, ~(both_nan | close)))
    for col in [*_EXACT_COLUMNS, "touched_at"]:
        both_null = m[f"{col}_a"].isna() & m[f"{col}_e"].isna()
        equal = (m[f"{col}_a"] == m[f"{col}_e"]).fillna(False).astype(bool)
        checks.append((col, ~(both_null | equal)))
    for col, bad in checks:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            rows = m.loc[bad, [*_KEY, f"{col}_a", f"{col}_e"]].head(max_report)
            shown = "; ".join(
                f"{_fmt_key(r[:3])}: mart={r[3]!r} reference={r[4]!r}"
                for r in rows.itertuples(index=False, name=None)
            )
            problems.append(f"{int(bad.sum())} rows differ in {col}, e.g. {shown}")
    return problems


def read_parquet_area(path: Path) -> pd.DataFrame:
    """Read every parquet file of a raw-area source (``NAME/`` folder or ``NAME.parquet``)."""
    path = Path(path)
    files: list[Path]
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
    elif path.with_suffix(".parquet").is_file():
        files = [path.with_suffix(".parquet")]
    else:
        files = []
    if not files:
        raise FileNotFoundError(f"no parquet files under {path}")
    frames = [pd.read_parquet(f) for f in files]
    frames = [f for f in frames if not f.empty] or frames[:1]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
