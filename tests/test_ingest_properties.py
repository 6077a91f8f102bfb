"""Property test of landing: random corruptions of a valid export lose nothing and never crash.

A small valid export is cut from the committed ``seeds/`` (a dozen records of a few sources,
re-written as plain CSV). Hypothesis then applies random corruptions to a copy (garbage or
blank cells, deleted or duplicated delimiters, stray quotes, extra or missing fields, blank or
whitespace lines, a truncated last line, invalid currency / email / negative numbers, invalid
UTF-8, CRLF line ends) and lands it. Whatever the corruption:

* landing does not raise (headers are never corrupted, so no fatal case applies);
* rows read = rows loaded + rows quarantined, in the result and in the manifest;
* every physical line of the data section is accounted for exactly once: the line spans of
  loaded rows (``_source_line`` plus the newlines inside their values) and of quarantined rows
  (``line`` plus the newlines inside ``raw_record``) are disjoint, cover every non-blank line
  and stay within the file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, LogicalType, SourceContract
from dagster_project.defs.ingest.landing import LandingResult, land_source

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SOURCES = [
    "crm/accounts",
    "crm/opportunities",
    "revenue/invoices",
    "campaign/form_submissions",
    "campaign/ad_spend",
]
RECORDS_PER_SOURCE = 12


@pytest.fixture(scope="module")
def valid_exports() -> dict[str, bytes]:
    """A dozen single-line records per source, from the committed (valid) seeds, as CSV."""
    exports = {}
    for name in SOURCES:
        with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            records = [r for r in reader if not any("\n" in v for v in r)][:RECORDS_PER_SOURCE]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *records])
        exports[name] = out.getvalue().encode("utf-8")
    return exports


# One corruption: (kind, line pick, position pick, text pick); picks are scaled to the file.
corruption = st.tuples(
    st.sampled_from(
        [
            "garbage_cell",
            "blank_cell",
            "delete_delimiter",
            "duplicate_delimiter",
            "stray_quote",
            "add_field",
            "remove_field",
            "blank_lines",
            "whitespace_line",
            "truncate_last",
            "bad_currency",
            "bad_email",
            "negative_number",
            "invalid_utf8",
            "crlf",
        ]
    ),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(["yesterday", "12,5", "-7", "XYZ", "bob@", '"', "", "  ", "ü€", "1e999"]),
)


def with_cell(cells: list[bytes], column: int, value: bytes) -> bytes:
    """The line with one cell replaced (the column index wraps if the line is short)."""
    cells = list(cells)
    cells[column % len(cells)] = value
    return b",".join(cells)


def corrupt(data: bytes, name: str, ops: list[tuple[str, int, int, str]]) -> bytes:
    """Apply corruptions to the data lines (never the header) of an export."""
    header, *lines = data.decode("utf-8").split("\n")
    trailing = lines and lines[-1] == ""
    if trailing:
        lines.pop()
    columns = header.split(",")
    contract = SOURCE_CONTRACTS[name]
    crlf = False
    raw_lines: list[bytes] = [line.encode() for line in lines]
    for kind, line_pick, pos_pick, text in ops:
        if kind == "crlf":
            crlf = True
            continue
        if not raw_lines:
            break
        i = line_pick % len(raw_lines)
        line = raw_lines[i]
        pos = pos_pick % (len(line) + 1)
        cells = line.split(b",")
        col = pos_pick % len(cells)

        if kind == "garbage_cell":
            raw_lines[i] = with_cell(cells, col, text.encode())
        elif kind == "blank_cell":
            required = [j for j, c in enumerate(columns) if c in contract.required_columns]
            raw_lines[i] = with_cell(cells, required[pos_pick % len(required)], b"")
        elif kind == "delete_delimiter" and b"," in line:
            k = [j for j, b in enumerate(line) if b == 0x2C][pos_pick % line.count(b",")]
            raw_lines[i] = line[:k] + line[k + 1 :]
        elif kind == "duplicate_delimiter":
            raw_lines[i] = line[:pos] + b"," + line[pos:]
        elif kind == "stray_quote":
            raw_lines[i] = line[:pos] + b'"' + line[pos:]
        elif kind == "add_field":
            raw_lines[i] = line + b"," + text.encode()
        elif kind == "remove_field":
            raw_lines[i] = b",".join(cells[:-1])
        elif kind == "blank_lines":
            raw_lines[i:i] = [b""] * (1 + pos_pick % 3)
        elif kind == "whitespace_line":
            raw_lines.insert(i, b"   ")
        elif kind == "truncate_last":
            raw_lines[-1] = raw_lines[-1][: pos_pick % (len(raw_lines[-1]) + 1)]
        elif kind in ("bad_currency", "bad_email", "negative_number"):
            target = {
                "bad_currency": ["currency"],
                "bad_email": ["email"],
                "negative_number": [
                    c.name
                    for c in contract.columns
                    if c.type in (LogicalType.DOUBLE, LogicalType.BIGINT)
                ],
            }[kind]
            present = [j for j, c in enumerate(columns) if c in target]
            value = {"bad_currency": b"US", "bad_email": b"bob@", "negative_number": b"-3"}[kind]
            if present:
                raw_lines[i] = with_cell(cells, present[pos_pick % len(present)], value)
        elif kind == "invalid_utf8":
            raw_lines[i] = line[:pos] + b"\xff" + line[pos:]
    end = b"\r\n" if crlf else b"\n"
    body = end.join([header.encode(), *raw_lines])
    return body + (end if trailing else b"")


def spans_of_rows(result: LandingResult, contract: SourceContract) -> list[tuple[int, int]]:
    """(first, last) physical line of every loaded and every quarantined row."""
    text_columns = [c.name for c in contract.columns if c.type == LogicalType.VARCHAR]
    text_columns += result.extra_columns
    newline_sum = " + ".join(
        f'coalesce(length("{c}") - length(replace("{c}", chr(10), \'\')), 0)' for c in text_columns
    )
    spans = [
        (line, line + extra)
        for line, extra in duckdb.sql(
            f"SELECT _source_line, {newline_sum} FROM '{result.output_path}'"
        ).fetchall()
    ]
    for line, raw in duckdb.sql(
        f"SELECT line, raw_record FROM '{result.quarantine_path}'"
    ).fetchall():
        record = json.loads(raw)
        values = record.values() if isinstance(record, dict) else record
        spans.append((line, line + sum(v.count("\n") for v in values if v is not None)))
    return spans


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(SOURCES),
    ops=st.lists(corruption, min_size=0, max_size=4),
)
def test_random_corruptions_lose_nothing(
    valid_exports: dict[str, bytes],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    ops: list[tuple[str, int, int, str]],
) -> None:
    contract = SOURCE_CONTRACTS[name]
    root = tmp_path_factory.mktemp("prop")
    data = corrupt(valid_exports[name], name, ops)
    path = root / "src" / f"{name}.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)

    result = land_source(contract, root / "src", root / "raw")

    # Counts reconcile, in the result and in the manifest.
    manifest = json.loads(result.manifest_path.read_text())
    [entry] = manifest["files"]
    assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_quarantined"]
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (
        result.rows_read,
        result.rows_loaded,
        result.rows_quarantined,
    )
    if not ops:
        assert result.rows_quarantined == 0 and result.rows_loaded == RECORDS_PER_SOURCE

    # Every non-blank data line is covered by exactly one loaded or quarantined row.
    physical = data.split(b"\n")
    if physical[-1] == b"":
        physical.pop()
    last_line = len(physical)
    non_blank = {n for n, text in enumerate(physical, 1) if n >= 2 and text.strip(b"\r")}
    covered: list[int] = []
    for first, last in spans_of_rows(result, contract):
        assert 2 <= first <= last_line
        covered += range(first, min(last, last_line) + 1)
    assert len(covered) == len(set(covered)), "a line is counted twice"
    assert non_blank <= set(covered), f"lines lost: {sorted(non_blank - set(covered))}"
