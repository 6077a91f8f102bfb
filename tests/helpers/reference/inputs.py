"""The reference's inputs: frames from Parquet, DuckDB or a test, normalised once, and the
exact money of a deal (amounts and rates as decimals, cents as integers)."""

from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Input coercion: the reference accepts frames straight from parquet/DuckDB or hand-built
# ones, so it normalises types once instead of trusting every caller.
# --------------------------------------------------------------------------------------------


def to_naive_utc(values: pd.Series) -> pd.Series:
    """Return ``values`` as naive UTC ``datetime64[ns]`` (tz-aware values are converted).

    Strings are parsed as ISO 8601; a value without offset is taken as UTC, as
    docs/source_contracts.md says.
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
    present = s.notna().to_numpy(dtype=bool)
    out = np.full(len(s), None, dtype=object)
    if present.any():
        vals = s[present]
        already_str = isinstance(vals.dtype, pd.StringDtype) or (
            vals.dtype == object and vals.map(type).eq(str).all()
        )
        if not already_str:
            vals = vals.map(str)
        out[present] = vals.to_numpy(dtype=object)
    return pd.Series(out, index=s.index, dtype=object)


def to_bool(values: pd.Series) -> pd.Series:
    """Return booleans; strings true/false, 1/0, yes/no (any case) are accepted, NULL -> False."""
    s = pd.Series(values)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).astype(bool)
    truthy = {"true", "1", "yes", "t", "y", "1.0"}
    return pd.Series(
        [False if is_missing(v) else str(v).strip().lower() in truthy for v in s.tolist()],
        index=s.index,
        dtype=bool,
    )


def as_ns(values: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch as int64 (NaT becomes the int64 minimum; mask it first)."""
    return pd.Series(values).to_numpy(dtype="datetime64[ns]").view("i8")


def is_missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def dedupe_latest(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Keep one row per ``key``: the latest ``updated_at``, ties/NULLs by file order.

    docs/decisions.md#dedupe: several versions of a record -> the latest ``updated_at`` wins, else
    the last in
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
    """Each opportunity's amount in USD at its close_date's rate, to the cent.

    The rate is the one of ``close_date`` or, if that day is missing, the latest earlier
    ``rate_date`` of the currency. USD is always 1.0 (even without fx rows). No usable rate ->
    NaN (the mart should then show NULL money; the comparison treats NaN == NULL). The cents
    are exact (:func:`usd_cents`); the float is only how they are handed over.
    """
    cents = compute_amount_cents(opportunities, fx_rates)
    return cents.map(lambda c: np.nan if c is None else c / 100).astype(float)


def usd_cents(amount: float, rate: float) -> int | None:
    """amount x rate in cents, exactly: the amount to 4 decimals times the rate to 14, half up.

    Python's Decimal with enough digits, so a product that lands on half a cent rounds up
    whatever its binary float would have done. None when either is missing.
    """
    if is_missing(amount) or is_missing(rate):
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        a = Decimal(repr(float(amount))).quantize(Decimal("1e-4"), rounding=ROUND_HALF_UP)
        r = Decimal(repr(float(rate))).quantize(Decimal("1e-14"), rounding=ROUND_HALF_UP)
        return int((a * r * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_amount_cents(opportunities: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.Series:
    """USD cents of each opportunity (Python ints, None without a rate); see compute_amount_usd."""
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
    cents = [usd_cents(a, r) for a, r in zip(opp["amount"], rate, strict=True)]
    return pd.Series(cents, index=opportunities.index, dtype=object)


def _norm_currency(v: object) -> str | None:
    return None if is_missing(v) else str(v).strip().upper()


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
