"""Output contract of the generator: column schemas and the CSV / Parquet appenders.

Generated frames are plain ``dict[str, np.ndarray]`` with typed values (float
epoch seconds for timestamps, float epoch days for dates, NaN/None = NULL).
This module is the only place that knows how a value is spelled on disk, so
the same frame gives a CSV (text conventions of docs/source_contracts.md, including the
deliberately mixed spellings) and a Parquet file (real types).
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

Frame = dict[str, np.ndarray]


@dataclass(frozen=True)
class Column:
    """One contract column: name, value kind (see ``_KIND_TYPES``) and NOT NULL flag."""

    name: str
    kind: str
    required: bool = False


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse 'name:kind*' items; a trailing * marks a required column."""
    out = []
    for item in spec.split():
        name, kind = item.split(":")
        out.append(Column(name, kind.rstrip("*"), kind.endswith("*")))
    return tuple(out)


SCHEMAS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "accounts": (
        "crm",
        _cols(
            "account_id:str* account_name:str* domain:str industry:str region:str segment:str "
            "employee_count:int created_at:ts* updated_at:ts"
        ),
    ),
    "contacts": (
        "crm",
        _cols(
            "contact_id:str* account_id:str email:str* first_name:str last_name:str job_title:str "
            "created_at:ts* lead_created_at:ts mql_at:ts sql_at:ts lead_source:str updated_at:ts"
        ),
    ),
    "opportunities": (
        "crm",
        _cols(
            "opportunity_id:str* account_id:str* opportunity_name:str opportunity_type:str "
            "stage_name:str* amount:money* currency:str* created_at:ts* close_date:date* "
            "is_closed:bool* is_won:bool* primary_campaign_id:str lead_source:str updated_at:ts"
        ),
    ),
    "opportunity_contact_roles": (
        "crm",
        _cols("opportunity_id:str* contact_id:str* role:str is_primary:bool"),
    ),
    "opportunity_stage_history": (
        "crm",
        _cols("opportunity_id:str* stage_name:str* entered_at:ts* amount:money"),
    ),
    "campaigns": (
        "campaign",
        _cols(
            "campaign_id:str* campaign_name:str* campaign_type:str* utm_campaign:str channel:str "
            "start_date:date end_date:date budgeted_cost:money currency:str "
            "actual_cost:money"
        ),
    ),
    "campaign_members": (
        "campaign",
        _cols(
            "campaign_member_id:str* campaign_id:str* contact_id:str* status:str* "
            "has_responded:bool_mixed* created_at:ts_plain* first_responded_at:ts_plain"
        ),
    ),
    "ad_spend": (
        "campaign",
        _cols(
            "spend_date:date* platform:str* campaign_id:str utm_campaign:str impressions:int "
            "clicks:int spend:money* currency:str*"
        ),
    ),
    "web_sessions": (
        "campaign",
        _cols(
            "session_id:str* anonymous_id:str* started_at:ts_mixed* landing_page:str referrer:str "
            "utm_source:str utm_medium:str utm_campaign:str utm_content:str utm_term:str"
        ),
    ),
    "form_submissions": (
        "campaign",
        _cols(
            "submission_id:str* anonymous_id:str* email:str* submitted_at:ts_mixed* form_name:str "
            "page_url:str"
        ),
    ),
    "invoices": (
        "revenue",
        _cols(
            "invoice_id:str* account_id:str* opportunity_id:str invoice_date:date* amount:money* "
            "currency:str* status:str* service_start:date service_end:date"
        ),
    ),
    "fx_rates": ("revenue", _cols("rate_date:date* currency:str* usd_per_unit:rate*")),
    "targets": (
        "revenue",
        _cols("period_month:str* metric:str* target:money* segment:str region:str"),
    ),
}
FOLDER_SOURCES = frozenset({"web_sessions"})

_KIND_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "money": pa.float64(),
    "rate": pa.float64(),
    "bool": pa.bool_(),
    "bool_mixed": pa.bool_(),
    "date": pa.date32(),
    "ts": pa.timestamp("ms", tz="UTC"),
    "ts_plain": pa.timestamp("ms", tz="UTC"),
    "ts_mixed": pa.timestamp("ms", tz="UTC"),
}
# Spellings of booleans used by the bool_mixed kind: index = style code in '<col>__style'.
BOOL_SPELLINGS = (("true", "false"), ("TRUE", "FALSE"), ("1", "0"), ("yes", "no"))


def arrow_schema(source: str) -> pa.Schema:
    """Parquet schema of a source: strings for ids/text, real types for the rest."""
    _, cols = SCHEMAS[source]
    return pa.schema([pa.field(c.name, _KIND_TYPES[c.kind], nullable=not c.required) for c in cols])


def _iso_seconds(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """'YYYY-MM-DDTHH:MM:SS' strings of float epoch seconds, plus the NULL mask."""
    null = np.isnan(values)
    secs = np.where(null, 0, np.floor(values)).astype("int64").astype("datetime64[s]")
    return np.datetime_as_string(secs, unit="s"), null


def _offset_suffix(minutes: np.ndarray) -> np.ndarray:
    """'+HH:MM' / '-HH:MM' suffixes of offsets in minutes (formatted once per distinct offset)."""
    distinct, inverse = np.unique(minutes, return_inverse=True)
    labels = [
        f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in distinct.tolist()
    ]
    return np.array(labels, dtype=object)[inverse.reshape(-1)]


def _fmt_ts(frame: Frame, name: str, kind: str) -> pd.Series:
    """Timestamps as text: 'Z' (ts), space-separated UTC (ts_plain) or a per-row mix (ts_mixed).

    ts_mixed rows use '<name>__style' (0 = Z, 1 = no offset, 2 = local time with
    the '<name>__offset' minutes offset) so the same instant is spelled as a
    visitor's region-local clock would show it.
    """
    values = frame[name]
    text, null = _iso_seconds(values)
    out = pd.Series(text, dtype=object)
    if kind == "ts":
        out = out + "Z"
    elif kind == "ts_plain":
        out = out.str.replace("T", " ", regex=False)
    else:
        style = frame[f"{name}__style"]
        offset = frame[f"{name}__offset"].astype("int64")
        local_text, _ = _iso_seconds(values + offset * 60.0)
        zulu = out + "Z"
        plain = out.str.replace("T", " ", regex=False)
        local = pd.Series(local_text, dtype=object) + _offset_suffix(offset)
        out = pd.Series(
            np.where(style == 0, zulu, np.where(style == 1, plain, local)), dtype=object
        )
    out[null] = None
    return out


def _fmt_column(frame: Frame, col: Column) -> pd.Series:
    """Text spelling of one column for CSV; None = empty field = NULL."""
    values = frame[col.name]
    kind = col.kind
    if kind == "str":
        return pd.Series(values, dtype=object)
    if kind in ("ts", "ts_plain", "ts_mixed"):
        return _fmt_ts(frame, col.name, kind)
    if kind == "date":
        null = np.isnan(values)
        days = np.where(null, 0, values).astype("int64").astype("datetime64[D]")
        out = pd.Series(np.datetime_as_string(days, unit="D"), dtype=object)
        out[null] = None
        return out
    if kind in ("money", "rate"):
        fmt = "{:.2f}" if kind == "money" else "{:.6f}"
        out = pd.Series(values, dtype="float64").map(fmt.format).astype(object)
        out[np.isnan(values)] = None
        return out
    if kind == "int":
        return pd.Series(values.astype("int64")).astype(str).astype(object)
    if kind == "bool":
        return pd.Series(np.where(values, "true", "false"), dtype=object)
    if kind == "bool_mixed":
        style = frame[f"{col.name}__style"]
        table = np.array(BOOL_SPELLINGS, dtype=object)
        return pd.Series(table[style, np.where(values, 0, 1)], dtype=object)
    raise ValueError(f"unknown kind {kind}")


def _arrow_column(frame: Frame, col: Column) -> pa.Array:
    """Typed Arrow array of one column (Parquet output)."""
    values = frame[col.name]
    kind = col.kind
    if kind == "str":
        return pa.array(values, type=pa.string())
    if kind.startswith("ts"):
        null = np.isnan(values)
        ms = np.where(null, 0, np.floor(values)).astype("int64") * 1000
        return pa.array(ms, type=_KIND_TYPES[kind], mask=null)
    if kind == "date":
        null = np.isnan(values)
        return pa.array(np.where(null, 0, values).astype("int32"), type=pa.date32(), mask=null)
    if kind in ("money", "rate"):
        values = np.asarray(values, dtype="float64")
        return pa.array(values, type=pa.float64(), mask=np.isnan(values))
    if kind == "int":
        return pa.array(values.astype("int64"), type=pa.int64())
    return pa.array(values.astype(bool), type=pa.bool_())


class Sink:
    """Appends frames to the files of a source directory, chunk after chunk.

    CSV files get the header on the first append; Parquet files keep one open
    ParquetWriter each and get one row group per append, so memory stays
    bounded by the chunk size.
    """

    def __init__(self, out: Path, fmt: str) -> None:
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"unsupported format {fmt!r}")
        self.out = out
        self.fmt = fmt
        self.rows: dict[str, int] = {name: 0 for name in SCHEMAS}
        self._csv: dict[Path, IO[str]] = {}
        self._parquet: dict[Path, pq.ParquetWriter] = {}
        self._clean()

    def _clean(self) -> None:
        """Remove every earlier output of the generated sources (any format, any form)."""
        for name, (family, _) in SCHEMAS.items():
            base = self.out / family / name
            for path in (base.with_suffix(".csv"), base.with_suffix(".parquet")):
                path.unlink(missing_ok=True)
            if base.is_dir():
                shutil.rmtree(base)
            base.parent.mkdir(parents=True, exist_ok=True)

    def path_of(self, source: str, part: str | None = None) -> Path:
        """File of a source, or of one part of a folder source."""
        family, _ = SCHEMAS[source]
        base = self.out / family / source
        if source in FOLDER_SOURCES:
            base.mkdir(parents=True, exist_ok=True)
            return base / f"{part}.{self.fmt}"
        return base.with_suffix(f".{self.fmt}")

    def write(self, source: str, frame: Frame, part: str | None = None) -> None:
        """Append a frame (possibly empty: then only the header / schema is written)."""
        _, cols = SCHEMAS[source]
        path = self.path_of(source, part)
        n = len(frame[cols[0].name])
        self.rows[source] += n
        if self.fmt == "csv":
            self._write_csv(path, cols, frame)
        else:
            self._write_parquet(path, source, cols, frame)

    def _write_csv(self, path: Path, cols: tuple[Column, ...], frame: Frame) -> None:
        fh = self._csv.get(path)
        first = fh is None
        if fh is None:
            fh = path.open("w", encoding="utf-8", newline="")
            self._csv[path] = fh
        data = pd.DataFrame({c.name: _fmt_column(frame, c) for c in cols})
        data.to_csv(fh, header=first, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def _write_parquet(
        self, path: Path, source: str, cols: tuple[Column, ...], frame: Frame
    ) -> None:
        schema = arrow_schema(source)
        writer = self._parquet.get(path)
        if writer is None:
            writer = pq.ParquetWriter(path, schema, compression="zstd")
            self._parquet[path] = writer
        table = pa.Table.from_arrays([_arrow_column(frame, c) for c in cols], schema=schema)
        writer.write_table(table, row_group_size=max(1, table.num_rows))

    def close(self) -> None:
        """Flush and close every file (Parquet footers are written here)."""
        for fh in self._csv.values():
            fh.close()
        for writer in self._parquet.values():
            writer.close()
        self._csv.clear()
        self._parquet.clear()
