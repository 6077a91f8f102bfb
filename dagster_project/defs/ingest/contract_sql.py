"""A source contract compiled to SQL: how text becomes typed values, and why a row is bad.

The contract (``contracts.py``) says what a valid value is; this module says it to DuckDB.
Nothing is guessed: every column is typed by one explicit expression, checked against a
strict pattern before the cast, so a value either meets the contract or its row is
quarantined with the column and a reason a user can act on. The same expressions type the
good rows and explain the bad ones, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dagster_project.defs.ingest.contracts import (
    EMAIL_PATTERN,
    ISO_4217_CODES,
    PERSONAL_COLUMNS,
    PERSONAL_VALUE,
    Column,
    LogicalType,
    SourceContract,
    ValueKind,
    number_text,
)
from dagster_project.defs.ingest.raw_layout import SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN
from dagster_project.defs.ingest.sql_text import ident, lit, read_parquet_files

# Accepted spellings (a value must match the pattern in full before it is cast).
_TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_DOUBLE_RE = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_BIGINT_RE = r"[+-]?\d+(\.0*)?"
_TRUE_SPELLINGS = ("true", "1", "yes")
_FALSE_SPELLINGS = ("false", "0", "no")

_TYPE_WORDS = {
    LogicalType.TIMESTAMP: "timestamp",
    LogicalType.DATE: "date",
    LogicalType.DOUBLE: "number",
    LogicalType.BIGINT: "integer",
    LogicalType.BOOLEAN: "boolean",
}

# Per type: the strict pattern a text value must match, then the cast that types it.
_PATTERN_CASTS: dict[LogicalType, tuple[str, str]] = {
    LogicalType.TIMESTAMP: (_TIMESTAMP_RE, "try_cast({} AS TIMESTAMPTZ)::TIMESTAMP"),
    LogicalType.DATE: (_DATE_RE, "try_cast({} AS DATE)"),
    # An overflowing spelling (1e999) would cast to infinity: not a number an export means.
    LogicalType.DOUBLE: (
        _DOUBLE_RE,
        "CASE WHEN isfinite(try_cast({0} AS DOUBLE)) THEN try_cast({0} AS DOUBLE) END",
    ),
    LogicalType.BIGINT: (_BIGINT_RE, "try_cast({} AS BIGINT)"),
}

Problem = tuple[str, str]  # (SQL condition, SQL reason text)


def parse_expr(column: Column, raw: str) -> str:
    """SQL turning the text ``raw`` into the column's contract type; NULL if it does not parse.

    A strict pattern is checked before the cast so that DuckDB's lenient casts (e.g. '1e3'
    as a date part or named time zones) cannot let odd spellings through silently.
    """
    kind = column.type
    if kind in _PATTERN_CASTS:
        pattern, cast = _PATTERN_CASTS[kind]
        return f"CASE WHEN regexp_full_match({raw}, {lit(pattern)}) THEN {cast.format(raw)} END"
    if kind == LogicalType.BOOLEAN:
        trues = ", ".join(lit(v) for v in _TRUE_SPELLINGS)
        falses = ", ".join(lit(v) for v in _FALSE_SPELLINGS)
        norm = f"lower(trim({raw}))"
        return f"CASE WHEN {norm} IN ({trues}) THEN true WHEN {norm} IN ({falses}) THEN false END"
    return raw


def typed_select(contract: SourceContract, extras: Sequence[str]) -> str:
    """Select list typing staged text per the contract: contract columns, extras, file."""
    typed = [f"{parse_expr(c, ident(c.name))} AS {ident(c.name)}" for c in contract.columns]
    typed += [ident(name) for name in extras]
    typed.append(SOURCE_FILE_COLUMN)
    return ", ".join(typed)


def _quoted(raw: str) -> str:
    """SQL for the value in single quotes, for reasons: ``'yesterday'``."""
    return f"'''' || {raw} || ''''"


def _shown(name: str, raw: str) -> str:
    """SQL for a value as a reason or the quarantined record shows it: quoted, or
    PERSONAL_VALUE for a person's data, which never reaches a mart."""
    return lit(PERSONAL_VALUE) if name in PERSONAL_COLUMNS else _quoted(raw)


def _alternation(values: Sequence[str]) -> str:
    """A regular expression matching exactly one of ``values`` (metacharacters escaped)."""
    special = set("\\.^$|?*+()[]{}")
    escaped = ["".join(f"\\{ch}" if ch in special else ch for ch in v) for v in values]
    return "(?:" + "|".join(escaped) + ")"


def _type_problem(col: Column, raw: str, parsed: str) -> Problem:
    """A value is present but does not parse as the column's type."""
    return (
        f"({raw} IS NOT NULL AND ({parsed}) IS NULL)",
        f"'cannot parse ' || {_shown(col.name, raw)} || {lit(' as ' + _TYPE_WORDS[col.type])}",
    )


def _allowed_problem(col: Column, raw: str) -> Problem:
    """A value outside the column's listed values."""
    if col.case_insensitive:
        norm, allowed = f"lower(trim({raw}))", [v.lower() for v in col.allowed_values]
    else:
        norm, allowed = raw, list(col.allowed_values)
    listed = ", ".join(col.allowed_values)
    return (
        f"coalesce(NOT regexp_full_match({norm}, {lit(_alternation(allowed))}), false)",
        f"{_shown(col.name, raw)} || {lit(' is not one of ' + listed)}",
    )


def _kind_problem(col: Column, raw: str) -> Problem:
    """A value that is not a currency code or an email, as the column's kind demands."""
    if col.kind == ValueKind.CURRENCY:
        codes = lit(_alternation(sorted(ISO_4217_CODES)))
        return (
            f"coalesce(NOT regexp_full_match(upper(trim({raw})), {codes}), false)",
            f"{_shown(col.name, raw)} || ' is not an ISO 4217 currency code'",
        )
    return (
        f"coalesce(NOT regexp_full_match(trim({raw}), {lit(EMAIL_PATTERN)}), false)",
        f"{_shown(col.name, raw)} || ' is not an email'",
    )


def _bound_problem(col: Column, min_value: float, raw: str, parsed: str) -> Problem:
    """A number below the column's minimum (or at it, when the bound is exclusive)."""
    op = "<=" if col.min_exclusive else "<"
    if col.min_exclusive:
        words = f"{col.name} must be greater than {number_text(min_value)}, got "
    elif min_value == 0:
        words = f"negative {col.name} "
    else:
        words = f"{col.name} must be at least {number_text(min_value)}, got "
    return (
        f"coalesce(({parsed}) {op} {float(min_value)!r}, false)",
        f"{lit(words)} || trim({raw})",  # numbers: never a person's data
    )


def _column_problems(col: Column) -> list[Problem]:
    """(condition, reason) SQL pairs for one column, in the order they are reported.

    Conditions are never NULL (wrapped in ``coalesce``), so ``NOT (a OR b)`` filters exactly.
    Value sets are matched with one regular expression, not ``IN (...)`` or
    ``list_contains``: with the 177 currency codes as a constant list, DuckDB 2.0's multi-file
    COPY lost insertion order in ~10% of runs (the landing's lineage order guard checks anyway).
    """
    raw = ident(col.name)
    parsed = parse_expr(col, raw)
    problems: list[Problem] = []
    if col.required:
        problems.append((f"{raw} IS NULL", lit("required value is empty")))
    if col.type != LogicalType.VARCHAR:
        problems.append(_type_problem(col, raw, parsed))
    if col.allowed_values:
        problems.append(_allowed_problem(col, raw))
    if col.kind is not None:
        problems.append(_kind_problem(col, raw))
    if col.min_value is not None:
        problems.append(_bound_problem(col, col.min_value, raw, parsed))
    return problems


def _row_problems(contract: SourceContract) -> list[Problem]:
    """(condition, reason) SQL pairs for the contract's row rules (reported after columns)."""
    problems = []
    for rule in contract.row_rules:
        if_true = parse_expr(contract.column(rule.if_true), ident(rule.if_true))
        then_true = parse_expr(contract.column(rule.then_true), ident(rule.then_true))
        problems.append(
            (f"coalesce(({if_true}) AND NOT ({then_true}), false)", lit(rule.violation()))
        )
    return problems


def contract_checks(contract: SourceContract) -> tuple[list[tuple[str | None, str]], str]:
    """Per check: (column or None for row rules, SQL reason-or-NULL); and the any-bad condition.

    A column's reason is its first failing problem (required, parse, allowed, kind, bound).
    """
    reasons: list[tuple[str | None, str]] = []
    conditions: list[str] = []
    for col in contract.columns:
        problems = _column_problems(col)
        if problems:
            whens = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in problems)
            reasons.append((col.name, f"CASE {whens} END"))
            conditions += [cond for cond, _ in problems]
    for cond, reason in _row_problems(contract):
        reasons.append((None, f"CASE WHEN {cond} THEN {reason} END"))
        conditions.append(cond)
    return reasons, " OR ".join(conditions) or "false"


def _recorded(name: str) -> str:
    """SQL for a column's text in the quarantined record (JSON): for a person's data,
    PERSONAL_VALUE followed by the value's own line breaks, so the record still tells how
    many lines of the file it spans."""
    if name not in PERSONAL_COLUMNS:
        return ident(name)
    breaks = f"length({ident(name)}) - length(replace({ident(name)}, chr(10), ''))"
    return f"{lit(PERSONAL_VALUE)} || repeat(chr(10), {breaks})"


def quarantine_query(
    contract: SourceContract, extras: Sequence[str], staged: Sequence[Path]
) -> str:
    """Rows of the staged files that break a value rule, in the quarantine layout."""
    reasons, any_bad = contract_checks(contract)
    pairs = ", ".join(f"{lit(n)}, {_recorded(n)}" for n in [*contract.column_names, *extras])
    inner = ", ".join(f"{sql} AS p{i}" for i, (_, sql) in enumerate(reasons))
    ps = [f"p{i}" for i in range(len(reasons))]
    column = " ".join(
        f"WHEN p{i} IS NOT NULL THEN {lit(name) if name else 'NULL'}"
        for i, (name, _) in enumerate(reasons)
    )
    count = " + ".join(f"(p{i} IS NOT NULL)::INTEGER" for i in range(len(reasons)))
    return (
        f"SELECT {lit(contract.qualified_name)} AS source, {SOURCE_FILE_COLUMN} AS file, "
        f'{SOURCE_LINE_COLUMN}::BIGINT AS line, (CASE {column} END)::VARCHAR AS "column", '
        f"coalesce({', '.join(ps)}) AS reason, raw_record, ({count})::INTEGER AS problem_count "
        f"FROM (SELECT {SOURCE_FILE_COLUMN}, {SOURCE_LINE_COLUMN}, {inner}, "
        f"json_object({pairs})::VARCHAR AS raw_record "
        f"FROM {read_parquet_files(staged)} WHERE {any_bad})"
    )
