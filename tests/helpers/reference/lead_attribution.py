"""Independent pandas reference of the lead-level attribution mart ``fct_lead_attribution``.

Like :mod:`attribution`, this is written from the definitions handed to the tests,
never from the dbt SQL, so that the mart can be checked against a second implementation.

Semantics implemented:

* One lead per contact whose (deduplicated, :func:`attribution.dedupe_latest`)
  ``lead_created_at`` is not NULL.
* Window W(c): the contact's OWN touches (``touchpoint.contact_id == contact_id``) with
  ``lead_created_at - L days <= touched_at <= lead_created_at``, both ends inclusive; L is the
  same lookback as for opportunities.
* Touches are ordered by ``(touched_at, touchpoint_id)``; FT = first touch of W, LC = last touch
  of W (so one touch may be FT and LC).
* Models: first_touch {FT 1}, lead_creation_touch {LC 1}, linear {1/n each},
  u_shaped {FT .4, LC .4, middle .2}. Normalisation as for opportunities
  (:func:`attribution.role_credit`): raw = weights of the roles held plus
  ``middle / k`` for role-less touches, share = raw / sum(raw); credits rounded to 12 decimals,
  the residue on the largest (ties: earliest touch) so they sum to exactly 1
  (:func:`attribution.round_with_residue`), and only rows with credit > 0 kept.
* A lead without a touch in W gets one row per model with touchpoint_id NULL, channel
  ``'(unattributed)'``, NULL touched_at/campaign_id and credit 1.
* ``is_mql`` = the contact's ``mql_at`` is not NULL (whenever it happened); ``mql_credit`` =
  credit if is_mql else 0. ``lead_created_at`` is repeated on every row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tests.helpers import reference as ref

ModelSpec = ref.ModelSpec

# Hard-coded on purpose (the reference must not read dbt seeds). The window field of ModelSpec
# is unused here: every lead model works on the lead window W.
LEAD_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("first_touch", "P", {"FT": 1.0}),
    ModelSpec("lead_creation_touch", "P", {"LC": 1.0}),
    ModelSpec("linear", "P", {}, middle=1.0),
    ModelSpec("u_shaped", "P", {"FT": 0.4, "LC": 0.4}, middle=0.2),
)

LEAD_OUTPUT_COLUMNS: list[str] = [
    "contact_id",
    "model",
    "touchpoint_id",
    "channel",
    "campaign_id",
    "touched_at",
    "credit",
    "lead_created_at",
    "is_mql",
    "mql_credit",
]

LEAD_KEY: list[str] = ["contact_id", "model", "touchpoint_id"]


def prepare_leads(contacts: pd.DataFrame) -> pd.DataFrame:
    """Deduplicated contacts with a lead: contact_id, lead_created_at, is_mql (sorted by id)."""
    c = contacts.copy()
    c["contact_id"] = ref.to_id(c["contact_id"])
    c = ref.dedupe_latest(c[c["contact_id"].notna()], "contact_id")
    mql = (
        ref.to_naive_utc(c["mql_at"])
        if "mql_at" in c.columns
        else pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    )
    leads = pd.DataFrame(
        {
            "contact_id": c["contact_id"].to_numpy(object),
            "lead_created_at": ref.to_naive_utc(c["lead_created_at"]).to_numpy(),
            "is_mql": mql.notna().to_numpy(bool),
        }
    )
    leads = leads[leads["lead_created_at"].notna()]
    return leads.sort_values("contact_id", kind="mergesort").reset_index(drop=True)


def reference_lead_attribution(
    touchpoints: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    lookback_days: float = 365,
    models: Sequence[ModelSpec] = LEAD_MODELS,
    credit_decimals: int | None = 12,
) -> pd.DataFrame:
    """Compute ``fct_lead_attribution``: one row per (contact, model, credited touch).

    Args:
        touchpoints: touchpoint_id, contact_id, touched_at (UTC), channel, campaign_id.
        contacts: contact_id, lead_created_at, mql_at (optional), updated_at and the raw-area
            ``_source_file``/``_source_line`` for deduplication.
        lookback_days: L; the window starts ``L`` days before lead_created_at (inclusive).
        models: the lead models to compute (default :data:`LEAD_MODELS`).
        credit_decimals: rounding of published credits (None keeps them exact).

    Returns:
        :data:`LEAD_OUTPUT_COLUMNS`, sorted by contact_id, model, touch order.
    """
    lookback_ns = round(float(lookback_days) * ref.NS_PER_DAY)
    leads = prepare_leads(contacts)
    n_leads = len(leads)
    tp = pd.DataFrame(
        {
            "touchpoint_id": ref.to_id(touchpoints["touchpoint_id"]).to_numpy(),
            "contact_id": ref.to_id(touchpoints["contact_id"]).to_numpy(),
            "touched_at": ref.to_naive_utc(touchpoints["touched_at"]).to_numpy(),
            "channel": ref.to_id(touchpoints["channel"]).to_numpy(),
            "campaign_id": ref.to_id(touchpoints["campaign_id"]).to_numpy()
            if "campaign_id" in touchpoints.columns
            else None,
        }
    )
    if tp["touchpoint_id"].isna().any() or tp["touched_at"].isna().any():
        raise ValueError("touchpoints must have touchpoint_id and touched_at")
    if tp["touchpoint_id"].duplicated().any():
        raise ValueError("duplicate touchpoint_id values")
    tp = tp.sort_values(["touched_at", "touchpoint_id"], kind="mergesort").reset_index(drop=True)

    # (lead position, touch position) pairs of the lead's own touches inside its window.
    lead_pos = pd.Series(np.arange(n_leads), index=leads["contact_id"].to_numpy(object))
    pair_lead = tp["contact_id"].map(lead_pos)
    has_lead = pair_lead.notna().to_numpy()
    pair_tp = np.flatnonzero(has_lead)
    pair_lead = pair_lead[has_lead].to_numpy(np.int64)
    t = ref.as_ns(tp["touched_at"])[pair_tp]
    lead_ns = ref.as_ns(leads["lead_created_at"])[pair_lead]
    inside = (t >= lead_ns - lookback_ns) & (t <= lead_ns)
    pair_lead, pair_tp = pair_lead[inside], pair_tp[inside]
    order = np.lexsort((pair_tp, pair_lead))
    pair_lead, pair_tp = pair_lead[order], pair_tp[order]

    if len(pair_lead):
        is_first = np.insert(pair_lead[1:] != pair_lead[:-1], 0, True)
        is_last = np.append(pair_lead[1:] != pair_lead[:-1], True)
    else:
        is_first = is_last = np.zeros(0, dtype=bool)
    holds = {"FT": is_first, "LC": is_last}

    pieces: list[pd.DataFrame] = []
    for model in models:
        if (
            model.time_decay
            or model.last_non_channel is not None
            or set(model.roles())
            - {
                "FT",
                "LC",
            }
        ):
            raise ValueError(f"lead model {model.name!r} must use only the FT and LC roles")
        share = ref.role_credit(model, pair_lead, holds, n_leads) if len(pair_lead) else np.zeros(0)
        for piece in ref.credited_rows(
            model.name, pair_lead, pair_tp, share, n_leads, credit_decimals
        ):
            pieces.append(piece.rename(columns={"_group": "_lead"}))
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LEAD_OUTPUT_COLUMNS})
    rows = pd.concat(pieces, ignore_index=True)
    return _assemble(rows, tp, leads)


def _assemble(rows: pd.DataFrame, tp: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    lead = rows["_lead"].to_numpy(np.int64)
    tpos = rows["_tp"].to_numpy(np.int64)
    has_tp = tpos >= 0
    safe = np.where(has_tp, tpos, 0)

    def touch_col(name: str) -> np.ndarray:
        if not len(tp):
            return np.full(len(rows), None, dtype=object)
        return np.where(has_tp, tp[name].to_numpy(dtype=object)[safe], None)

    touched_at = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(tp):
        touched_at[has_tp] = tp["touched_at"].to_numpy()[tpos[has_tp]]
    credit = rows["credit"].to_numpy(float)
    is_mql = leads["is_mql"].to_numpy(bool)[lead]
    out = pd.DataFrame(
        {
            "contact_id": pd.Series(leads["contact_id"].to_numpy(object)[lead], dtype=object),
            "model": pd.Series(rows["model"].to_numpy(object), dtype=object),
            "touchpoint_id": pd.Series(touch_col("touchpoint_id"), dtype=object),
            "channel": pd.Series(
                np.where(has_tp, touch_col("channel"), ref.UNATTRIBUTED_CHANNEL), dtype=object
            ),
            "campaign_id": pd.Series(touch_col("campaign_id"), dtype=object),
            "touched_at": touched_at,
            "credit": credit,
            "lead_created_at": leads["lead_created_at"].to_numpy()[lead],
            "is_mql": is_mql,
            "mql_credit": np.where(is_mql, credit, 0.0),
        }
    )
    out["_lead"], out["_tp"] = lead, tpos
    out = out.sort_values(["_lead", "model", "_tp"], kind="mergesort")
    return out.drop(columns=["_lead", "_tp"]).reset_index(drop=True)[LEAD_OUTPUT_COLUMNS]


def lead_credit_sum_problems(attribution: pd.DataFrame, tol: float = 0.0) -> list[str]:
    """(contact, model) pairs whose credits do not sum to 1 within ``tol`` (0: exactly)."""
    return ref.credit_sum_problems(attribution, tol=tol, group=("contact_id", "model"))


def compare_lead_attribution(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    *,
    credit_tol: float = 1e-9,
    max_report: int = 20,
) -> list[str]:
    """Compare two ``fct_lead_attribution`` frames row by row (see ``compare_frames``).

    Keys: (contact_id, model, touchpoint_id), a NULL touchpoint being the unattributed row.
    credit and mql_credit within ``credit_tol``; channel, campaign_id and is_mql equal;
    touched_at and lead_created_at equal as naive UTC timestamps (NULL == NULL).
    """
    a, e = actual.copy(), expected.copy()
    for frame in (a, e):
        frame["is_mql"] = ref.to_bool(frame["is_mql"])
    return ref.compare_frames(
        a,
        e,
        key=LEAD_KEY,
        exact_columns=["channel", "campaign_id", "is_mql"],
        time_columns=["touched_at", "lead_created_at"],
        float_tolerances={"credit": credit_tol, "mql_credit": credit_tol},
        max_report=max_report,
    )
