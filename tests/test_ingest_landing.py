"""Tests for the ingestion landing: source contracts and ``land_source`` on crafted files.

Every test writes small source exports into ``tmp_path`` and lands them with real DuckDB and
Parquet, then reads the raw Parquet back, so the behaviour checked is the one dbt will see.
Row-level problems are quarantined rather than raised; every class of them is covered in
``test_ingest_quarantine.py``, and here only where it replaced an earlier raise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.defs.ingest import landing, staging
from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, LogicalType
from dagster_project.defs.ingest.landing import LandingResult, land_source
from dagster_project.defs.ingest.raw_layout import WORK_DIR_NAME, part_name
from dagster_project.defs.ingest.source_files import SourceFileError

ACCOUNTS = SOURCE_CONTRACTS["crm/accounts"]
OPPS = SOURCE_CONTRACTS["crm/opportunities"]
SESSIONS = SOURCE_CONTRACTS["campaign/web_sessions"]
ROLES = SOURCE_CONTRACTS["crm/opportunity_contact_roles"]
AD_SPEND = SOURCE_CONTRACTS["campaign/ad_spend"]


def write(path: Path, text: str, *, newline: str = "\n", bom: bool = False) -> Path:
    """Write a CSV fixture; lines in ``text`` are joined with ``newline``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = newline.join(text.strip("\n").split("\n")) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    return path


def rows(result: LandingResult, columns: str = "*") -> list[tuple]:
    """All rows of the landed Parquet, in file order (one part per file; each part is stored
    in line order)."""
    return duckdb.sql(
        f"SELECT {columns} FROM read_parquet('{result.output_path}') "
        "ORDER BY _source_file, _source_line"
    ).fetchall()


def quarantine(result: LandingResult) -> list[tuple]:
    """(file, line, column, reason) of every quarantined row, in stored order."""
    return duckdb.sql(
        f"SELECT file, line, \"column\", reason FROM read_parquet('{result.quarantine_path}') "
        "ORDER BY file, line"
    ).fetchall()


def types(result: LandingResult) -> dict[str, str]:
    """Column name -> DuckDB type of the landed Parquet."""
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{result.output_path}')")
    return {name: str(t) for name, t in zip(rel.columns, rel.types, strict=True)}


# --------------------------------------------------------------------------- contracts


def test_contracts_cover_every_source_in_order() -> None:
    assert list(SOURCE_CONTRACTS) == [
        "crm/accounts",
        "crm/contacts",
        "crm/opportunities",
        "crm/opportunity_contact_roles",
        "crm/opportunity_stage_history",
        "campaign/campaigns",
        "campaign/campaign_members",
        "campaign/ad_spend",
        "campaign/web_sessions",
        "campaign/form_submissions",
        "revenue/invoices",
        "revenue/fx_rates",
        "revenue/targets",
    ]
    for contract in SOURCE_CONTRACTS.values():
        assert set(contract.key) <= set(contract.column_names)
        assert len(set(contract.column_names)) == len(contract.columns)
    assert OPPS.required_columns[:2] == ("opportunity_id", "account_id")
    assert OPPS.column("is_won").type == LogicalType.BOOLEAN
    assert OPPS.column("close_date").type == LogicalType.DATE
    assert OPPS.has_updated_at and not SESSIONS.has_updated_at
    assert AD_SPEND.column("clicks").type == LogicalType.BIGINT
    assert SOURCE_CONTRACTS["revenue/targets"].column("period_month").type == LogicalType.VARCHAR


# --------------------------------------------------------------------------- happy paths


def test_single_csv_is_typed_with_lineage(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(
        src / "crm/opportunities.csv",
        "opportunity_id,account_id,opportunity_name,opportunity_type,stage_name,amount,currency,"
        "created_at,close_date,is_closed,is_won,primary_campaign_id,lead_source,updated_at\n"
        "O1,A1,Deal one,New Business,Closed Won,12500.50,USD,2025-01-05T10:00:00Z,2025-03-01,"
        "true,true,C1,Web,2025-03-01 12:00:00\n"
        "O2,A2, Deal two ,Renewal,Prospecting,3e2,EUR,2025-02-01,2025-06-30,false,false,,,",
    )
    result = land_source(OPPS, src, raw)

    assert result.output_path == raw / "crm/opportunities/*.parquet"
    assert result.rows_loaded == 2
    assert result.files == ["crm/opportunities.csv"]
    assert result.rows_per_file == {"crm/opportunities.csv": 2}
    assert result.extra_columns == []
    assert result.columns == [*OPPS.column_names, "_source_file", "_source_line"]
    assert list(types(result).items())[4:11] == [
        ("stage_name", "VARCHAR"),
        ("amount", "DOUBLE"),
        ("currency", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("close_date", "DATE"),
        ("is_closed", "BOOLEAN"),
        ("is_won", "BOOLEAN"),
    ]
    assert types(result)["_source_line"] == "BIGINT"
    got = rows(result)
    assert got[0] == (
        "O1", "A1", "Deal one", "New Business", "Closed Won", 12500.5, "USD",
        dt.datetime(2025, 1, 5, 10), dt.date(2025, 3, 1), True, True, "C1", "Web",
        dt.datetime(2025, 3, 1, 12), "crm/opportunities.csv", 2,
    )  # fmt: skip
    # Free text is kept exactly as given (no trimming); empty fields are NULL.
    assert got[1][2] == " Deal two "
    assert got[1][5] == 300.0
    assert got[1][7] == dt.datetime(2025, 2, 1)
    assert got[1][11:14] == (None, None, None)
    assert sorted(p.name for p in result.output_path.parent.iterdir()) == [
        "_landing.json",
        part_name("crm/opportunities.csv"),
    ]
    assert result.rows_read == result.rows_loaded == 2 and result.rows_quarantined == 0
    assert quarantine(result) == []


def test_folder_and_file_are_read_together_in_sorted_order(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    header = "session_id,anonymous_id,started_at"
    write(
        src / "campaign/web_sessions/2025-02.csv", f"{header}\ns3,a3,2025-02-01\ns4,a4,2025-02-02"
    )
    write(src / "campaign/web_sessions/2025-01.csv", f"{header}\ns1,a1,2025-01-01")
    write(src / "campaign/web_sessions.csv", f"{header}\ns0,a0,2024-12-31")
    (src / "campaign/web_sessions/notes.txt").write_text("not an input")

    result = land_source(SESSIONS, src, raw)

    assert result.files == [
        "campaign/web_sessions.csv",
        "campaign/web_sessions/2025-01.csv",
        "campaign/web_sessions/2025-02.csv",
    ]
    assert result.rows_per_file == {
        "campaign/web_sessions.csv": 1,
        "campaign/web_sessions/2025-01.csv": 1,
        "campaign/web_sessions/2025-02.csv": 2,
    }
    assert result.rows_loaded == 4
    assert rows(result, "session_id, _source_file, _source_line") == [
        ("s0", "campaign/web_sessions.csv", 2),
        ("s1", "campaign/web_sessions/2025-01.csv", 2),
        ("s3", "campaign/web_sessions/2025-02.csv", 2),
        ("s4", "campaign/web_sessions/2025-02.csv", 3),
    ]


def test_parquet_input_typed_and_untyped_columns(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    (src / "campaign/ad_spend").mkdir(parents=True)
    typed = pa.table(
        {
            # Dates written as midnight timestamps and counts as floats (pandas with NULLs).
            "spend_date": pa.array([dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2)]),
            "platform": ["google_ads", "linkedin_ads"],
            "impressions": pa.array([1000.0, None]),
            "clicks": pa.array([10, 20], type=pa.int32()),
            "spend": pa.array([12.5, 99.0]),
            "currency": ["USD", "EUR"],
            "account_label": ["x", "y"],
        }
    )
    pq.write_table(typed, src / "campaign/ad_spend/a.parquet")
    text = pa.table(
        {
            "spend_date": ["2025-01-03"],
            "platform": ["meta_ads"],
            "spend": ["7.25"],
            "currency": ["USD"],
            "clicks": ["3"],
        }
    )
    pq.write_table(text, src / "campaign/ad_spend/b.parquet")

    result = land_source(AD_SPEND, src, raw)

    assert result.extra_columns == ["account_label"]
    assert types(result)["spend_date"] == "DATE"
    assert types(result)["impressions"] == "BIGINT"
    assert rows(result) == [
        (dt.date(2025, 1, 1), "google_ads", None, None, 1000, 10, 12.5, "USD", "x",
         "campaign/ad_spend/a.parquet", 1),
        (dt.date(2025, 1, 2), "linkedin_ads", None, None, None, 20, 99.0, "EUR", "y",
         "campaign/ad_spend/a.parquet", 2),
        (dt.date(2025, 1, 3), "meta_ads", None, None, None, 3, 7.25, "USD", None,
         "campaign/ad_spend/b.parquet", 1),
    ]  # fmt: skip


def test_parquet_tz_aware_timestamp_becomes_naive_utc(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    (src / "campaign").mkdir(parents=True)
    berlin = dt.timezone(dt.timedelta(hours=1))
    table = pa.table(
        {
            "session_id": ["s1"],
            "anonymous_id": ["a1"],
            "started_at": pa.array(
                [dt.datetime(2025, 1, 1, 9, 30, tzinfo=berlin)], type=pa.timestamp("us", "UTC")
            ),
        }
    )
    pq.write_table(table, src / "campaign/web_sessions.parquet")
    result = land_source(SESSIONS, src, raw)
    assert types(result)["started_at"] == "TIMESTAMP"
    assert rows(result, "started_at") == [(dt.datetime(2025, 1, 1, 8, 30),)]


def test_csv_with_bom_and_crlf(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(
        src / "crm/opportunity_contact_roles.csv",
        "opportunity_id,contact_id,role,is_primary\nO1,C1,Decision Maker,true\nO1,C2,,",
        newline="\r\n",
        bom=True,
    )
    result = land_source(ROLES, src, raw)
    assert result.columns[0] == "opportunity_id"
    assert rows(result) == [
        ("O1", "C1", "Decision Maker", True, "crm/opportunity_contact_roles.csv", 2),
        ("O1", "C2", None, None, "crm/opportunity_contact_roles.csv", 3),
    ]


def test_quoted_fields_with_commas_quotes_and_newlines(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at,domain\n"
        'A1,"Acme, Inc.",2025-01-01,a.com\n'
        'A2,"The ""Best"" Co",2025-01-01,b.com\n'
        'A3,"Two\nline\nname",2025-01-01,c.com\n'
        'A4,"Four",2025-01-01,""\n'
        "A5,Plain,2025-01-01,e.com",
    )
    result = land_source(ACCOUNTS, src, raw)
    assert rows(result, "account_id, account_name, domain, _source_line") == [
        ("A1", "Acme, Inc.", "a.com", 2),
        ("A2", 'The "Best" Co', "b.com", 3),
        ("A3", "Two\nline\nname", "c.com", 4),
        # An empty quoted field is NULL too; line numbers count embedded newlines.
        ("A4", "Four", None, 7),
        ("A5", "Plain", "e.com", 8),
    ]


def test_timestamp_spellings_and_offsets_become_utc(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    values = [
        ("2025-03-01T09:00:00+02:00", dt.datetime(2025, 3, 1, 7, 0)),
        ("2025-03-01T09:00:00-05:30", dt.datetime(2025, 3, 1, 14, 30)),
        ("2025-03-01T09:00:00+0200", dt.datetime(2025, 3, 1, 7, 0)),
        ("2025-03-01 23:30:00-0100", dt.datetime(2025, 3, 2, 0, 30)),
        ("2025-03-01T09:00:00Z", dt.datetime(2025, 3, 1, 9, 0)),
        ("2025-03-01 09:00:00", dt.datetime(2025, 3, 1, 9, 0)),
        ("2025-03-01T09:00:00.123456", dt.datetime(2025, 3, 1, 9, 0, 0, 123456)),
        ("2025-03-01T09:00:00.5+01:00", dt.datetime(2025, 3, 1, 8, 0, 0, 500000)),
        ("2025-03-01", dt.datetime(2025, 3, 1, 0, 0)),
    ]
    body = "\n".join(f"s{i},a,{v}" for i, (v, _) in enumerate(values))
    write(src / "campaign/web_sessions.csv", f"session_id,anonymous_id,started_at\n{body}")
    result = land_source(SESSIONS, src, raw)
    assert [r[0] for r in rows(result, "started_at")] == [want for _, want in values]


def test_boolean_spellings(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    spellings = {
        "true": True, "TRUE": True, "True": True, "1": True, "yes": True, " Yes ": True,
        "false": False, "FALSE": False, "False": False, "0": False, "no": False, "NO": False,
        "": None,
    }  # fmt: skip
    body = "\n".join(f"O1,C{i},r,{v}" for i, v in enumerate(spellings))
    write(
        src / "crm/opportunity_contact_roles.csv",
        f"opportunity_id,contact_id,role,is_primary\n{body}",
    )
    result = land_source(ROLES, src, raw)
    assert [r[0] for r in rows(result, "is_primary")] == list(spellings.values())


def test_missing_optional_column_is_null_and_extra_column_is_kept(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(
        src / "crm/accounts.csv",
        "crm_owner,account_id,account_name,created_at,employee_count\nalice,A1,Acme,2025-01-01,250",
    )
    result = land_source(ACCOUNTS, src, raw)
    assert result.extra_columns == ["crm_owner"]
    assert result.columns == [*ACCOUNTS.column_names, "crm_owner", "_source_file", "_source_line"]
    assert types(result)["updated_at"] == "TIMESTAMP"
    assert types(result)["crm_owner"] == "VARCHAR"
    assert rows(result, "domain, updated_at, employee_count, crm_owner") == [
        (None, None, 250, "alice")
    ]


def test_zero_row_file_writes_typed_empty_table(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(src / "crm/opportunities.csv", ",".join(OPPS.required_columns))
    result = land_source(OPPS, src, raw)
    assert result.rows_loaded == 0
    assert result.rows_per_file == {"crm/opportunities.csv": 0}
    assert rows(result) == []
    assert types(result)["amount"] == "DOUBLE"
    assert types(result)["is_won"] == "BOOLEAN"
    assert list(types(result)) == result.columns


def test_reload_gives_identical_table_and_single_file(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    header = "session_id,anonymous_id,started_at,utm_source"
    write(src / "campaign/web_sessions/a.csv", f"{header}\ns1,a1,2025-01-01T10:00:00+01:00,g")
    write(src / "campaign/web_sessions/b.csv", f"{header}\ns2,a2,2025-01-02,\ns3,a1,2025-01-03,x")
    first = land_source(SESSIONS, src, raw)
    first_rows = rows(first)
    stale = first.output_path.parent / "part-0.parquet"
    stale.write_bytes((first.output_path.parent / part_name(first.files[0])).read_bytes())

    second = land_source(SESSIONS, src, raw)

    assert second == first
    assert rows(second) == first_rows
    assert second.files_skipped == first.files_landed == first.files
    parts = sorted(part_name(rel) for rel in first.files)
    assert sorted(p.name for p in second.output_path.parent.iterdir()) == ["_landing.json", *parts]
    assert sorted(p.name for p in second.quarantine_path.parent.iterdir()) == parts
    assert list((raw / WORK_DIR_NAME).iterdir()) == []


def test_line_numbers_and_order_on_a_multi_batch_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    (src / "campaign").mkdir(parents=True)
    n = 300_000
    duckdb.sql(
        f"""COPY (SELECT 's' || i AS session_id, 'a' || (i % 977) AS anonymous_id,
                  strftime(TIMESTAMP '2025-01-01' + INTERVAL (i) SECOND, '%Y-%m-%dT%H:%M:%S')
                    AS started_at,
                  CASE WHEN i % 1000 = 7 THEN 'multi' || chr(10) || 'line' END AS landing_page
                FROM range({n}) t(i))
           TO '{src}/campaign/web_sessions.csv' (HEADER, DELIMITER ',')"""
    )
    monkeypatch.setattr(staging, "BATCH_ROWS", 50_000)  # force many Arrow batches

    result = land_source(SESSIONS, src, raw)

    assert result.rows_loaded == n
    # Row i sits on line 2 + i plus one extra line per earlier multi-line landing_page (i % 1000
    # == 7). Read with pyarrow so the stored row order itself is what is checked.
    table = pq.read_table(result.output_path.parent, columns=["session_id", "_source_line"])
    pos = np.arange(n)
    extra = np.where(pos >= 8, (pos - 8) // 1000 + 1, 0)
    assert table["session_id"].to_pylist() == [f"s{i}" for i in range(n)]
    assert np.array_equal(table["_source_line"].to_numpy(), 2 + pos + extra)
    assert result.rows_per_file == {"campaign/web_sessions.csv": n}


# --------------------------------------------------------------------------- errors


def test_no_input_names_expected_paths(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"crm/accounts\.csv.*crm/accounts\.parquet"):
        land_source(ACCOUNTS, tmp_path / "src", tmp_path / "raw")


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/opportunities.csv",
        "opportunity_id,account_id,stage_name,currency,created_at,close_date,is_closed,is_won\n"
        "O1,A1,Won,USD,2025-01-01,2025-02-01,true,true",
    )
    with pytest.raises(SourceFileError) as err:
        land_source(OPPS, src, tmp_path / "raw")
    assert str(err.value) == "crm/opportunities.csv: missing required column 'amount'"


def test_unparseable_timestamp_is_quarantined_with_file_line_column_and_value(
    tmp_path: Path,
) -> None:
    src = tmp_path / "src"
    header = "session_id,anonymous_id,started_at"
    write(src / "campaign/web_sessions/2025-q1.csv", f"{header}\ns1,a,2025-01-01\ns2,a,yesterday")
    write(src / "campaign/web_sessions/2025-q2.csv", f"{header}\ns3,a,bad-too")
    result = land_source(SESSIONS, src, tmp_path / "raw")
    q1, q2 = "campaign/web_sessions/2025-q1.csv", "campaign/web_sessions/2025-q2.csv"
    assert quarantine(result) == [
        (q1, 3, "started_at", "cannot parse 'yesterday' as timestamp"),
        (q2, 2, "started_at", "cannot parse 'bad-too' as timestamp"),
    ]
    assert rows(result, "session_id, _source_line") == [("s1", 2)]
    assert result.rows_per_file == {q1: 1, q2: 0}


@pytest.mark.parametrize(
    ("column", "value", "kind"),
    [
        ("amount", "12,5", "number"),
        ("close_date", "2025-02-30", "date"),
        ("close_date", "01/02/2025", "date"),
        ("is_won", "maybe", "boolean"),
        ("created_at", "2025-01-01T10:00:00 CET", "timestamp"),
    ],
)
def test_unparseable_values_of_each_type(
    tmp_path: Path, column: str, value: str, kind: str
) -> None:
    src = tmp_path / "src"
    good = {
        "opportunity_id": "O1", "account_id": "A1", "stage_name": "Won", "amount": "1",
        "currency": "USD", "created_at": "2025-01-01", "close_date": "2025-02-01",
        "is_closed": "true", "is_won": "true",
    }  # fmt: skip
    bad = {**good, column: f'"{value}"'}
    lines = [
        ",".join(good),
        ",".join(good.values()),
        ",".join(good.values()),
        ",".join(bad.values()),
    ]
    write(src / "crm/opportunities.csv", "\n".join(lines))
    result = land_source(OPPS, src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/opportunities.csv", 4, column, f"cannot parse {value!r} as {kind}")
    ]
    assert rows(result, "_source_line") == [(2,), (3,)]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)


def test_null_in_required_column_is_quarantined(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at\nA1,Acme,2025-01-01\nA2,,2025-01-01\n,X,bad",
    )
    result = land_source(ACCOUNTS, src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/accounts.csv", 3, "account_name", "required value is empty"),
        ("crm/accounts.csv", 4, "account_id", "required value is empty"),
    ]
    problems = duckdb.sql(
        f"SELECT problem_count FROM read_parquet('{result.quarantine_path}')"
    ).fetchall()
    assert problems == [(1,), (2,)]  # line 4 also has an unparseable created_at
    assert rows(result, "account_id") == [("A1",)]


def test_failed_landing_keeps_previous_output(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    path = write(src / "crm/accounts.csv", "account_id,account_name,created_at\nA1,Acme,2025-01-01")
    first = land_source(ACCOUNTS, src, raw)
    manifest = first.manifest_path.read_bytes()
    write(path, "account_id,created_at\nA2,2025-01-01")
    with pytest.raises(SourceFileError, match="missing required column 'account_name'"):
        land_source(ACCOUNTS, src, raw)
    assert rows(first, "account_id") == [("A1",)]
    assert first.manifest_path.read_bytes() == manifest
    assert sorted(p.name for p in first.output_path.parent.iterdir()) == [
        "_landing.json",
        part_name("crm/accounts.csv"),
    ]
    assert list((raw / WORK_DIR_NAME).iterdir()) == []  # intermediates cleaned up


def test_malformed_csv_row_is_quarantined_and_empty_file_is_fatal(tmp_path: Path) -> None:
    src = tmp_path / "src"
    path = write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at\nA1,Acme,2025-01-01,x\nA2,Beta,2025-01-02",
    )
    result = land_source(ACCOUNTS, src, tmp_path / "raw")
    assert quarantine(result) == [("crm/accounts.csv", 2, None, "row has 4 fields, expected 3")]
    assert rows(result, "account_id, _source_line") == [("A2", 3)]
    path.write_bytes(b"")
    with pytest.raises(SourceFileError, match=r"^crm/accounts\.csv: empty file"):
        land_source(ACCOUNTS, src, tmp_path / "raw")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_lines_are_skipped_but_line_numbers_stay_physical(
    tmp_path: Path, newline: str
) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(
        src / "campaign/web_sessions.csv",
        "session_id,anonymous_id,started_at,landing_page\n"
        "s1,a,2025-01-01,/\n"
        "\n"
        's2,a,2025-01-01,"/two\nlines"\n'
        "\n"
        "\n"
        "s3,a,2025-01-01,/\n"
        "\n",
        newline=newline,
    )
    result = land_source(SESSIONS, src, raw)
    assert rows(result, "session_id, _source_line") == [("s1", 2), ("s2", 4), ("s3", 8)]


def test_trailing_blank_lines_and_missing_final_newline(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    path = src / "campaign/web_sessions.csv"
    path.parent.mkdir(parents=True)
    body = b"session_id,anonymous_id,started_at\ns1,a,2025-01-01\ns2,a,2025-01-02"
    for nl, tail in [(b"\n", b""), (b"\n", b"\n"), (b"\n", b"\n\n\n"), (b"\r\n", b"\r\n\r\n")]:
        path.write_bytes(body.replace(b"\n", nl) + tail)
        result = land_source(SESSIONS, src, raw)
        assert rows(result, "session_id, _source_line") == [("s1", 2), ("s2", 3)]


def test_crlf_file_with_bare_newline_inside_quotes(tmp_path: Path) -> None:
    """Spreadsheet exports end rows with CRLF but put a bare LF inside multi-line cells."""
    src, raw = tmp_path / "src", tmp_path / "raw"
    path = src / "campaign/web_sessions.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"session_id,anonymous_id,started_at,landing_page\r\n"
        b's1,a,2025-01-01,"two\nlines"\r\n'
        b"s2,a,2025-01-01,x\r\n"
    )
    result = land_source(SESSIONS, src, raw)
    assert rows(result, "session_id, landing_page, _source_line") == [
        ("s1", "two\nlines", 2),
        ("s2", "x", 4),
    ]


def test_parquet_bad_value_is_quarantined_with_row_number(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "campaign").mkdir(parents=True)
    table = pa.table(
        {
            "session_id": ["s1", "s2", None],
            "anonymous_id": ["a", "a", "a"],
            "started_at": ["2025-01-01", "2025-01-01", "2025-01-01"],
        }
    )
    pq.write_table(table, src / "campaign/web_sessions.parquet")
    result = land_source(SESSIONS, src, tmp_path / "raw")
    assert quarantine(result) == [
        ("campaign/web_sessions.parquet", 3, "session_id", "required value is empty")
    ]
    assert rows(result, "session_id, _source_line") == [("s1", 1), ("s2", 2)]


def test_output_order_guard_resorts_by_file_then_line(tmp_path: Path) -> None:
    """Lineage order is checked after the COPY and restored if DuckDB ever lost it."""
    path = tmp_path / "data.parquet"
    table = pa.table(
        {
            "v": ["b1", "a2", "a1", "b2"],
            "_source_file": ["b.csv", "a.csv", "a.csv", "b.csv"],
            "_source_line": [2, 3, 2, 3],
        }
    )
    pq.write_table(table, path)
    con = duckdb.connect()
    landing._ensure_lineage_order(con, path, ["a.csv", "b.csv"])
    assert pq.read_table(path)["v"].to_pylist() == ["a1", "a2", "b1", "b2"]
    before = path.stat().st_mtime_ns
    landing._ensure_lineage_order(con, path, ["a.csv", "b.csv"])  # ordered: left as is
    assert path.stat().st_mtime_ns == before


def test_campaigns_without_optional_actual_cost_load_it_as_null(tmp_path: Path) -> None:
    """actual_cost extends the contract: exports written before it (no such column) still land."""
    src, raw = tmp_path / "src", tmp_path / "raw"
    write(
        src / "campaign/campaigns.csv",
        "campaign_id,campaign_name,campaign_type,budgeted_cost,currency\n"
        "C1,Webinar A,Webinar,500,USD",
    )

    result = land_source(SOURCE_CONTRACTS["campaign/campaigns"], src, raw)

    assert types(result)["actual_cost"] == "DOUBLE"
    assert rows(result, "campaign_id, budgeted_cost, actual_cost") == [("C1", 500.0, None)]
