"""Row-by-row comparison of a mart with the reference: the checks both reference test modules
share, with a bounded number of example keys per kind of difference."""

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from tests.helpers.reference.inputs import as_ns, is_missing, to_id, to_naive_utc

# --------------------------------------------------------------------------------------------
# Checks used by the tests: kept here so both test modules share one implementation.
# --------------------------------------------------------------------------------------------

_KEY = ["opportunity_id", "model", "touchpoint_id"]
_EXACT_COLUMNS = ["channel", "contact_id", "account_id", "campaign_id"]
_MONEY_COLUMNS = ["attributed_pipeline_usd", "attributed_revenue_usd"]


def credit_sum_problems(
    attribution: pd.DataFrame,
    tol: float = 0.0,
    group: Sequence[str] = ("opportunity_id", "model"),
) -> list[str]:
    """Groups (default: opportunity/model pairs) whose credits do not sum to 1 within ``tol``.

    Credits are published with 12 decimals, so they are summed as integer units of 1e-12
    (floats from DuckDB or Decimals from Spark alike): the default ``tol`` 0 means exactly 1.
    """
    credit = attribution["credit"].map(lambda v: np.nan if is_missing(v) else float(v))
    units = pd.Series(np.rint(credit.to_numpy(float) * 1e12), index=attribution.index)
    sums = units.groupby([attribution[c] for c in group], dropna=False).sum()
    bad = sums[(sums - 1e12).abs() > tol * 1e12]
    return [f"credits of {key} sum to {val / 1e12!r}" for key, val in bad.items()]


def _text(values: pd.Series) -> pd.Series:
    """Ids/labels as pandas ``str`` (Arrow-backed, fast to factorise); :func:`to_id` semantics."""
    s = pd.Series(values)
    if isinstance(s.dtype, pd.StringDtype):
        return s
    if s.dtype == object:
        # astype("str") keeps str values, maps None/NaN to NA and str()s anything else: the
        # to_id semantics without a Python-level pass.
        return s.astype("str")
    return to_id(s).astype("str")


def _joint_codes(a: pd.Series, e: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of two columns over their joint, sorted values (NULL is a value, last)."""
    both = pd.concat([a, e], ignore_index=True)
    codes, uniques = pd.factorize(both, sort=True, use_na_sentinel=False)
    codes = codes.astype(np.int64)
    return codes[: len(a)], codes[len(a) :], len(uniques)


def _key_codes(
    a: pd.DataFrame, e: pd.DataFrame, key: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """One int64 per row encoding the whole key (order-preserving, NULL == NULL)."""
    ka = np.zeros(len(a), dtype=np.int64)
    ke = np.zeros(len(e), dtype=np.int64)
    span = 1
    for col in key:
        ca, ce, n = _joint_codes(_text(a[col]), _text(e[col]))
        n = max(n, 1)
        span *= n
        if span >= 2**62:
            raise ValueError("key too wide to encode in int64")
        ka, ke = ka * n + ca, ke * n + ce
    return ka, ke


def _fmt_key(key: Iterable[object]) -> str:
    parts = ["NULL" if is_missing(k) else repr(k) for k in key]
    return "(" + ", ".join(parts) + ")"


def _key_examples(frame: pd.DataFrame, key: Sequence[str], rows: np.ndarray) -> str:
    sub = frame.iloc[rows][list(key)].astype(object)
    return ", ".join(_fmt_key(k) for k in sub.itertuples(index=False, name=None))


def compare_frames(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    *,
    key: Sequence[str],
    exact_columns: Sequence[str] = (),
    time_columns: Sequence[str] = (),
    float_tolerances: Mapping[str, float] | None = None,
    max_report: int = 20,
) -> list[str]:
    """Compare two frames row by row on ``key``; return human-readable problems.

    A NULL key value is a value of its own (the unattributed rows have a NULL touchpoint).
    Problems: duplicated keys on either side, keys only on one side, and for matched rows a float
    column off by more than its tolerance (NaN == NaN), or an exact column (compared as text, see
    :func:`to_id`) or time column (naive UTC) that differs (NULL == NULL). Each kind lists at most
    ``max_report`` examples (smallest keys first) so that a failure stays readable.

    Vectorised on integer codes (the key columns are factorised jointly), so 10M-row frames
    compare in seconds.
    """
    key = list(key)
    floats = dict(float_tolerances or {})
    a = actual.reset_index(drop=True)
    e = expected.reset_index(drop=True)
    ka, ke = _key_codes(a, e, key)
    problems: list[str] = []
    for name, frame, codes in (("actual", a, ka), ("expected", e, ke)):
        dup = pd.Series(codes).duplicated(keep=False).to_numpy()
        if dup.any():
            first = pd.Series(codes[dup]).drop_duplicates()
            rows = np.flatnonzero(dup)[first.index.to_numpy()]
            rows = rows[np.argsort(codes[rows], kind="stable")][:max_report]
            shown = _key_examples(frame, key, rows)
            problems.append(f"{len(first)} duplicated keys in {name}: {shown}")
    # First row of each key on each side, then match them.
    ia = pd.Series(ka).drop_duplicates().index.to_numpy()
    ie = pd.Series(ke).drop_duplicates().index.to_numpy()
    match = pd.Index(ke[ie]).get_indexer(ka[ia])
    back = pd.Index(ka[ia]).get_indexer(ke[ie])
    for frame, rows, codes, label in (
        (a, ia[match < 0], ka, "actual (mart)"),
        (e, ie[back < 0], ke, "expected (reference)"),
    ):
        if len(rows):
            shown_rows = rows[np.argsort(codes[rows], kind="stable")][:max_report]
            shown = _key_examples(frame, key, shown_rows)
            problems.append(f"{len(rows)} keys only in {label}, e.g. {shown}")
    pa, pe = ia[match >= 0], ie[match[match >= 0]]
    order = np.argsort(ka[pa], kind="stable")
    pa, pe = pa[order], pe[order]

    checks: list[tuple[str, np.ndarray, pd.Series, pd.Series]] = []
    for col, tol in floats.items():
        va = pd.to_numeric(a[col], errors="coerce").astype(float).to_numpy()[pa]
        ve = pd.to_numeric(e[col], errors="coerce").astype(float).to_numpy()[pe]
        bad = ~((np.isnan(va) & np.isnan(ve)) | (np.abs(va - ve) <= tol))
        checks.append((col, bad, pd.Series(va), pd.Series(ve)))
    for col in exact_columns:
        ta, te = _text(a[col]), _text(e[col])
        ca, ce, _ = _joint_codes(ta, te)
        bad = ca[pa] != ce[pe]
        checks.append((col, bad, ta.iloc[pa], te.iloc[pe]))
    for col in time_columns:
        ta, te = to_naive_utc(a[col]), to_naive_utc(e[col])
        bad = as_ns(ta)[pa] != as_ns(te)[pe]
        checks.append((col, bad, ta.iloc[pa], te.iloc[pe]))
    for col, bad, va, ve in checks:
        if bad.any():
            where = np.flatnonzero(bad)[:max_report]
            shown = "; ".join(
                f"{_key_examples(a, key, pa[i : i + 1])}: "
                f"mart={_plain(va.iloc[i])!r} reference={_plain(ve.iloc[i])!r}"
                for i in where
            )
            problems.append(f"{int(bad.sum())} rows differ in {col}, e.g. {shown}")
    return problems


def _plain(v: object) -> object:
    """Scalars as plain Python values for readable messages (NULLs as None)."""
    if is_missing(v):
        return None
    return v.item() if isinstance(v, np.generic) else v


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
    return compare_frames(
        actual,
        expected,
        key=_KEY,
        exact_columns=_EXACT_COLUMNS,
        time_columns=["touched_at"],
        float_tolerances={"credit": credit_tol, **dict.fromkeys(_MONEY_COLUMNS, money_tol)},
        max_report=max_report,
    )
