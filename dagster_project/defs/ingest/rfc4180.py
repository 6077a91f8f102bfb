"""An exact, streaming RFC 4180 tokenizer: every CSV record with its physical start line.

DuckDB's CSV reader is fast but cannot say where a malformed record starts: its rejects
count records, not physical lines (quoted newlines and blank lines are not counted), and a
whitespace-only line stops its scan. A quarantined row is only useful if a user can find it
in the file, so files where DuckDB's read is not provably exact are tokenized here, in
plain Python, numbering every record exactly and reporting (never raising) broken quoting,
invalid UTF-8 and a wrong field count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple


class CsvRecord(NamedTuple):
    """One CSV record as the tokenizer saw it."""

    line: int  # physical line where it starts
    fields: list[str]  # decoded values; "" = empty field (NULL)
    problem: str | None = None  # quoting or encoding problem found while reading it
    problem_field: int | None = None  # 0-based field of an encoding problem


def _decode_fields(line: int, fields: list[bytes], problem: str | None) -> CsvRecord:
    """Decode a record's fields; a field that is not UTF-8 is kept (replaced) and reported."""
    out, bad = [], None
    for i, value in enumerate(fields):
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(value.decode("utf-8", "replace"))
            bad = i if bad is None else bad
    if bad is not None and problem is None:
        return CsvRecord(line, out, f"invalid UTF-8 in field {bad + 1}", bad)
    return CsvRecord(line, out, problem)


def csv_records(path: Path, header_lines: int) -> Iterator[CsvRecord]:
    """Stream the data records of a CSV with exact physical start lines (RFC 4180).

    Same dialect as the DuckDB read: ``,`` delimiter, ``"`` quotes doubled inside quoted
    fields, ``\\n`` or ``\\r\\n`` line ends, blank lines skipped, empty field = NULL, a quote
    inside an unquoted field kept as text. Text after a closing quote, a quote left open at
    the end of the file and invalid UTF-8 are reported as the record's problem, never raised.
    """
    with path.open("rb") as fh:
        for _ in range(header_lines):
            fh.readline()
        line_no = header_lines
        start = 0
        fields: list[bytes] | None = None
        problem: str | None = None
        buf = bytearray()
        in_quotes = closed = at_start = False
        for raw in fh:
            line_no += 1
            end = len(raw)
            if raw.endswith(b"\n"):
                end -= 2 if raw.endswith(b"\r\n") else 1
            body = raw[:end]
            if fields is None:
                if not body:
                    continue  # blank line between records
                if b'"' not in body:  # the common case: no quoting at all
                    try:
                        yield CsvRecord(line_no, body.decode("utf-8").split(","))
                    except UnicodeDecodeError:
                        yield _decode_fields(line_no, body.split(b","), None)
                    continue
                start, fields, problem, at_start = line_no, [], None, True
                buf.clear()
            pos, n = 0, len(body)
            while pos < n:
                if in_quotes:
                    q = body.find(b'"', pos)
                    if q < 0:
                        buf += body[pos:]
                        pos = n
                    elif q + 1 < n and body[q + 1] == 0x22:
                        buf += body[pos : q + 1]
                        pos = q + 2
                    else:
                        buf += body[pos:q]
                        in_quotes, closed, pos = False, True, q + 1
                    continue
                if closed and body[pos] != 0x2C:
                    problem = problem or "unexpected text after a closing quote"
                closed = False
                if at_start and body[pos] == 0x22:
                    in_quotes, at_start, pos = True, False, pos + 1
                    continue
                at_start = False
                comma = body.find(b",", pos)
                if comma < 0:
                    buf += body[pos:]
                    pos = n
                else:
                    buf += body[pos:comma]
                    fields.append(bytes(buf))
                    buf.clear()
                    at_start, pos = True, comma + 1
            if in_quotes:
                buf += raw[end:]  # the line end belongs to the quoted value
                continue
            fields.append(bytes(buf))
            buf.clear()
            yield _decode_fields(start, fields, problem)
            fields, closed = None, False
        if fields is not None:
            fields.append(bytes(buf))
            yield _decode_fields(
                start, fields, problem or "quoted field is not closed before end of file"
            )


def record_problem(record: CsvRecord, header: Sequence[str]) -> tuple[str | None, str, int]:
    """(column, reason, problem count) of a malformed record; reason '' if it is well formed."""
    problems: list[tuple[str | None, str]] = []
    if record.problem:
        i = record.problem_field
        problems.append((header[i] if i is not None and i < len(header) else None, record.problem))
    if len(record.fields) != len(header):
        problems.append((None, f"row has {len(record.fields)} fields, expected {len(header)}"))
    if not problems:
        return None, "", 0
    return problems[0][0], problems[0][1], len(problems)
