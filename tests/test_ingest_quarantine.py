"""Quarantine at landing: every class of bad row is set aside with file, line, column, reason.

Each test crafts a small export with one kind of problem between good rows, lands it with the
real DuckDB path and asserts (1) the exact quarantine row, (2) that the good rows around it
loaded with their exact ``_source_line`` and (3) that rows read = rows loaded + rows
quarantined per file, in the ``LandingResult``, in the written Parquet files and in the
``_landing.json`` manifest. The fatal (whole-file) cases are at the end.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.defs.ingest import staging
from dagster_project.defs.ingest.contracts import (
    ISO_4217_CODES,
    PERSONAL_VALUE,
    SOURCE_CONTRACTS,
    SourceContract,
    contract_markdown,
)
from dagster_project.defs.ingest.landing import LandingResult, land_source
from dagster_project.defs.ingest.raw_layout import QUARANTINE_COLUMNS, QUARANTINE_SCHEMA
from dagster_project.defs.ingest.source_files import SourceFileError

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
C = SOURCE_CONTRACTS


def write(path: Path, text: str, *, newline: str = "\n") -> Path:
    """Write a CSV fixture; lines in ``text`` are joined with ``newline``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = newline.join(text.strip("\n").split("\n")) + newline
    path.write_bytes(body.encode("utf-8"))
    return path


def land(contract: SourceContract, src: Path, raw: Path) -> LandingResult:
    """Land and check the reconciliation every test relies on."""
    result = land_source(contract, src, raw)
    assert_reconciled(result)
    return result


def assert_reconciled(result: LandingResult) -> None:
    """Rows read = loaded + quarantined per file: in the result, the files and the manifest."""
    data, bad = result.output_path, result.quarantine_path
    loaded = dict(duckdb.sql(f"SELECT _source_file, count(*) FROM '{data}' GROUP BY 1").fetchall())
    quarantined = dict(duckdb.sql(f"SELECT file, count(*) FROM '{bad}' GROUP BY 1").fetchall())
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["source"] == f"{result.family}/{result.name}"
    assert [f["file"] for f in manifest["files"]] == result.files
    for entry in manifest["files"]:
        stats = result.files_stats[entry["file"]]
        assert entry == {
            "file": entry["file"],
            "sha256": stats.sha256,
            "rows_read": stats.rows_read,
            "rows_loaded": stats.rows_loaded,
            "rows_quarantined": stats.rows_quarantined,
        }
        assert stats.rows_read == stats.rows_loaded + stats.rows_quarantined
        assert stats.rows_loaded == loaded.get(entry["file"], 0)
        assert stats.rows_quarantined == quarantined.get(entry["file"], 0)
        assert result.rows_per_file[entry["file"]] == stats.rows_loaded
    assert manifest["rows_read"] == result.rows_read == result.rows_loaded + result.rows_quarantined
    assert manifest["rows_loaded"] == result.rows_loaded
    assert manifest["rows_quarantined"] == result.rows_quarantined


def quarantine(result: LandingResult) -> list[tuple]:
    """(source, file, line, column, reason) of every quarantined row, in stored order."""
    return duckdb.sql(
        f"SELECT source, file, line, \"column\", reason FROM '{result.quarantine_path}'"
    ).fetchall()


def quarantine_full(result: LandingResult) -> list[dict]:
    """Every quarantined row with all its columns."""
    return pq.read_table(result.quarantine_path.parent).to_pylist()


def loaded(result: LandingResult, columns: str) -> list[tuple]:
    """Selected columns of the loaded rows, in stored order."""
    return duckdb.sql(f"SELECT {columns} FROM '{result.output_path}'").fetchall()


OPP_HEADER = (
    "opportunity_id,account_id,opportunity_type,stage_name,amount,currency,created_at,"
    "close_date,is_closed,is_won"
)


def opp(oid: str, *, amount: str = "100", currency: str = "USD", closed: str = "true",
        won: str = "true", type_: str = "New Business") -> str:  # fmt: skip
    """One opportunities CSV row under ``OPP_HEADER``."""
    return f"{oid},A1,{type_},Closed Won,{amount},{currency},2025-01-01,2025-02-01,{closed},{won}"


# --------------------------------------------------------------------------- one per class


def test_unparseable_timestamp(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "campaign/web_sessions.csv",
        "session_id,anonymous_id,started_at\ns1,a,2025-01-01\ns2,a,yesterday\ns3,a,2025-01-03",
    )
    result = land(C["campaign/web_sessions"], src, tmp_path / "raw")
    assert quarantine(result) == [
        (
            "campaign/web_sessions",
            "campaign/web_sessions.csv",
            3,
            "started_at",
            "cannot parse 'yesterday' as timestamp",
        )
    ]
    assert loaded(result, "session_id, _source_line") == [("s1", 2), ("s3", 4)]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("spend", "twelve", "cannot parse 'twelve' as number"),
        ("spend", '"12,5"', "cannot parse '12,5' as number"),
        ("impressions", "1.5", "cannot parse '1.5' as integer"),
        ("spend", "1e999", "cannot parse '1e999' as number"),
        ("spend_date", "2025-13-01", "cannot parse '2025-13-01' as date"),
    ],
)
def test_unparseable_number_or_date(tmp_path: Path, column: str, value: str, reason: str) -> None:
    src = tmp_path / "src"
    header = "spend_date,platform,impressions,spend,currency"
    good = {"spend_date": "2025-01-01", "platform": "g", "impressions": "10", "spend": "1.5",
            "currency": "USD"}  # fmt: skip
    bad = ",".join({**good, column: value}.values())
    row = ",".join(good.values())
    write(src / "campaign/ad_spend.csv", f"{header}\n{row}\n{bad}\n{row}")
    result = land(C["campaign/ad_spend"], src, tmp_path / "raw")
    assert quarantine(result) == [("campaign/ad_spend", "campaign/ad_spend.csv", 3, column, reason)]
    assert loaded(result, "_source_line") == [(2,), (4,)]


def test_too_many_fields_amid_quoted_newlines(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at\n"
        'A1,"two\nlines",2025-01-01\n'  # lines 2-3
        "A2,Beta,2025-01-01,surplus\n"  # line 4: malformed
        'A3,"three\nline\nname",2025-01-01\n'  # lines 5-7
        "A4,Delta,2025-01-01",  # line 8
    )
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/accounts", "crm/accounts.csv", 4, None, "row has 4 fields, expected 3")
    ]
    [row] = quarantine_full(result)
    assert json.loads(row["raw_record"]) == ["A2", "Beta", "2025-01-01", "surplus"]
    assert row["problem_count"] == 1
    assert loaded(result, "account_id, account_name, _source_line") == [
        ("A1", "two\nlines", 2),
        ("A3", "three\nline\nname", 5),
        ("A4", "Delta", 8),
    ]


def test_too_few_fields_with_blank_lines_and_crlf(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at\n"
        "A1,Acme,2025-01-01\n"
        "\n"
        "A2,Beta\n"  # line 4
        'A3,"x\ny",2025-01-01\n'  # lines 5-6
        "\n"
        "A4,Delta,2025-01-01",  # line 8
        newline="\r\n",
    )
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/accounts", "crm/accounts.csv", 4, None, "row has 2 fields, expected 3")
    ]
    assert loaded(result, "account_id, _source_line") == [("A1", 2), ("A3", 5), ("A4", 8)]
    assert loaded(result, "account_name")[1] == ("x\r\ny",)  # same value as DuckDB's reader


def test_empty_required_value(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/contacts.csv",
        'contact_id,email,created_at\nC1,a@x.com,2025-01-01\nC2,"",2025-01-01\nC3,c@x.com,'
        "2025-01-01",
    )
    result = land(C["crm/contacts"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/contacts", "crm/contacts.csv", 3, "email", "required value is empty")
    ]
    assert json.loads(quarantine_full(result)[0]["raw_record"])["email"] is None
    assert loaded(result, "contact_id, _source_line") == [("C1", 2), ("C3", 4)]


def test_unknown_currency_code(tmp_path: Path) -> None:
    src = tmp_path / "src"
    header = "invoice_id,account_id,invoice_date,amount,currency,status"
    write(
        src / "revenue/invoices.csv",
        f"{header}\nI1,A,2025-01-01,10,usd ,Paid\nI2,A,2025-01-01,10,XYZ,paid\n"
        "I3,A,2025-01-01,-10,EUR,void",  # a negative invoice is a credit note: allowed
    )
    result = land(C["revenue/invoices"], src, tmp_path / "raw")
    assert quarantine(result) == [
        (
            "revenue/invoices",
            "revenue/invoices.csv",
            3,
            "currency",
            "'XYZ' is not an ISO 4217 currency code",
        )
    ]
    # Currency and status are compared trimmed and in any case (staging normalises them);
    # the value itself is landed unchanged.
    assert loaded(result, "invoice_id, currency, status, amount, _source_line") == [
        ("I1", "usd ", "Paid", 10.0, 2),
        ("I3", "EUR", "void", -10.0, 4),
    ]


def test_negative_spend(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "campaign/ad_spend.csv",
        "spend_date,platform,spend,currency\n2025-01-01,g,0,USD\n2025-01-01,g,-12.5,USD\n"
        "2025-01-02,g,3,USD",
    )
    result = land(C["campaign/ad_spend"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("campaign/ad_spend", "campaign/ad_spend.csv", 3, "spend", "negative spend -12.5")
    ]
    assert loaded(result, "spend, _source_line") == [(0.0, 2), (3.0, 4)]


def test_negative_opportunity_amount(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/opportunities.csv",
        f"{OPP_HEADER}\n{opp('O1')}\n{opp('O2', amount='-100')}\n{opp('O3')}",
    )
    result = land(C["crm/opportunities"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/opportunities", "crm/opportunities.csv", 3, "amount", "negative amount -100")
    ]
    assert loaded(result, "opportunity_id, _source_line") == [("O1", 2), ("O3", 4)]


def test_is_won_without_is_closed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/opportunities.csv",
        f"{OPP_HEADER}\n{opp('O1')}\n{opp('O2', closed='false', won='yes')}\n"
        f"{opp('O3', closed='false', won='false')}\n{opp('O4', closed='true', won='false')}",
    )
    result = land(C["crm/opportunities"], src, tmp_path / "raw")
    assert quarantine(result) == [
        (
            "crm/opportunities",
            "crm/opportunities.csv",
            3,
            None,
            "is_won is true but is_closed is false",
        )
    ]
    assert loaded(result, "opportunity_id, _source_line") == [("O1", 2), ("O3", 4), ("O4", 5)]


@pytest.mark.parametrize("email", ["bob@", "bob", "@x.com", "a@b", "a b@x.com", "a@x@y.com"])
def test_invalid_email(tmp_path: Path, email: str) -> None:
    src = tmp_path / "src"
    write(
        src / "campaign/form_submissions.csv",
        "submission_id,anonymous_id,email,submitted_at\n"
        "F1,a, Bob@Example.COM ,2025-01-01\n"  # trimmed, any case: fine
        f"F2,a,{email},2025-01-01\n"
        "F3,a,c@d.co.uk,2025-01-01",
    )
    result = land(C["campaign/form_submissions"], src, tmp_path / "raw")
    assert quarantine(result) == [
        (
            "campaign/form_submissions",
            "campaign/form_submissions.csv",
            3,
            "email",
            f"{PERSONAL_VALUE} is not an email",  # a person's data never reaches a mart
        )
    ]
    assert loaded(result, "email, _source_line") == [(" Bob@Example.COM ", 2), ("c@d.co.uk", 4)]


def test_a_persons_data_is_withheld_from_the_quarantine(tmp_path: Path) -> None:
    """Emails, names, job titles and phone numbers (an extra column here) of quarantined rows
    are replaced, in the row as read and in the reason, line breaks kept: the quarantine feeds
    marts.fct_quarantined_rows, which BI tools read. A malformed row of such a file withholds
    every field (which field is whose is unknown). The other values stay, to act on."""
    src = tmp_path / "src"
    write(
        src / "crm/contacts.csv",
        "contact_id,account_id,email,first_name,last_name,job_title,created_at,phone\n"
        "C1,A1,ann@x.com,Ann,Lee,CTO,2025-01-01,+1 555 0100\n"
        'C2,A1,"bob.smith@acme\nsecond line",Bob,Smith,VP Sales,2025-01-01,+1 555 0101\n'
        "C3,A1,cat@x.com,Cat,Ng,CEO,yesterday,+1 555 0102\n"
        "C4,A1,dan@x.com,Dan,Ray,CFO,2025-01-01,+1 555 0103,surplus",
    )
    result = land(C["crm/contacts"], src, tmp_path / "raw")
    rows = quarantine_full(result)
    assert [(r["line"], r["column"], r["reason"]) for r in rows] == [
        (3, "email", f"{PERSONAL_VALUE} is not an email"),
        (5, "created_at", "cannot parse 'yesterday' as timestamp"),
        (6, None, "row has 9 fields, expected 8"),
    ]
    withheld = f"{PERSONAL_VALUE}\n"  # the email's line break, kept
    assert json.loads(rows[0]["raw_record"]) == {
        "contact_id": "C2", "account_id": "A1", "email": withheld, "first_name": PERSONAL_VALUE,
        "last_name": PERSONAL_VALUE, "job_title": PERSONAL_VALUE, "created_at": "2025-01-01",
        "lead_created_at": None, "mql_at": None, "sql_at": None, "lead_source": None,
        "updated_at": None, "phone": PERSONAL_VALUE,
    }  # fmt: skip
    assert json.loads(rows[1]["raw_record"])["created_at"] == "yesterday"
    assert json.loads(rows[2]["raw_record"]) == [PERSONAL_VALUE] * 9
    stored = b"".join(path.read_bytes() for path in result.quarantine_path.parent.glob("*"))
    for value in ("ann", "bob", "Bob", "Smith", "Cat", "cat@", "VP Sales", "CEO", "555", "dan"):
        assert value.encode() not in stored, value
    assert loaded(result, "contact_id, email, _source_line") == [("C1", "ann@x.com", 2)]


def test_value_not_in_allowed_set(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at,segment\nA1,a,2025-01-01,SMB\nA2,b,2025-01-01,Huge\n"
        "A3,c,2025-01-01,smb\nA4,d,2025-01-01,",
    )
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    # Segments are compared exactly: staging passes them through unchanged.
    reason = "is not one of SMB, Mid-Market, Enterprise"
    assert quarantine(result) == [
        ("crm/accounts", "crm/accounts.csv", 3, "segment", f"'Huge' {reason}"),
        ("crm/accounts", "crm/accounts.csv", 4, "segment", f"'smb' {reason}"),
    ]
    assert loaded(result, "account_id, _source_line") == [("A1", 2), ("A4", 5)]


def test_metric_and_status_are_case_insensitive_but_checked(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "revenue/targets.csv",
        "period_month,metric,target\n2025-01, Leads ,10\n2025-01,revenue,10\n2025-01,mqls,-1",
    )
    result = land(C["revenue/targets"], src, tmp_path / "raw")
    allowed = "leads, mqls, sqls, opportunities, pipeline_usd, bookings_usd"
    assert quarantine(result) == [
        ("revenue/targets", "revenue/targets.csv", 3, "metric",
         f"'revenue' is not one of {allowed}"),
        ("revenue/targets", "revenue/targets.csv", 4, "target", "negative target -1"),
    ]  # fmt: skip
    assert loaded(result, "metric, _source_line") == [(" Leads ", 2)]


def test_parquet_input_with_bad_values(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "revenue").mkdir(parents=True)
    table = pa.table(
        {
            "rate_date": pa.array(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]),
            "currency": ["EUR", "EUR", "XXX", "GBP"],
            "usd_per_unit": pa.array([1.1, 0.0, 1.2, 1.3]),
        }
    )
    pq.write_table(table, src / "revenue/fx_rates.parquet")
    result = land(C["revenue/fx_rates"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("revenue/fx_rates", "revenue/fx_rates.parquet", 2, "usd_per_unit",
         "usd_per_unit must be greater than 0, got 0.0"),
        ("revenue/fx_rates", "revenue/fx_rates.parquet", 3, "currency",
         "'XXX' is not an ISO 4217 currency code"),
    ]  # fmt: skip
    assert loaded(result, "currency, _source_line") == [("EUR", 1), ("GBP", 4)]


# --------------------------------------------------------------------------- malformed text


def test_invalid_utf8_in_a_row(tmp_path: Path) -> None:
    src = tmp_path / "src"
    path = src / "crm/accounts.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"account_id,account_name,created_at\nA1,ok,2025-01-01\nA2,b\xffd,2025-01-01\n"
        b"A3,ok,2025-01-01\n"
    )
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/accounts", "crm/accounts.csv", 3, "account_name", "invalid UTF-8 in field 2")
    ]
    assert json.loads(quarantine_full(result)[0]["raw_record"]) == ["A2", "b\ufffdd", "2025-01-01"]
    assert loaded(result, "account_id, _source_line") == [("A1", 2), ("A3", 4)]


def test_text_after_closing_quote_and_whitespace_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/accounts.csv",
        "account_id,account_name,created_at\n"
        'A1,"ok",2025-01-01\n'
        'A2,"bad"x,2025-01-01\n'  # line 3
        "   \n"  # line 4: DuckDB stops with "invalid state" on this; we quarantine it
        'A3,a"b,2025-01-01',  # a quote inside an unquoted value is text, as in DuckDB
    )
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    assert quarantine(result) == [
        ("crm/accounts", "crm/accounts.csv", 3, None, "unexpected text after a closing quote"),
        ("crm/accounts", "crm/accounts.csv", 4, None, "row has 1 fields, expected 3"),
    ]
    assert loaded(result, "account_id, account_name, _source_line") == [
        ("A1", "ok", 2),
        ("A3", 'a"b', 5),
    ]


def test_unterminated_quote_takes_the_rest_of_the_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/accounts.csv",
        'account_id,account_name,created_at\nA1,ok,2025-01-01\nA2,"open,2025-01-01\nA3,x,y',
    )
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    assert quarantine(result) == [
        (
            "crm/accounts",
            "crm/accounts.csv",
            3,
            None,
            "quoted field is not closed before end of file",
        )
    ]
    assert result.files_stats["crm/accounts.csv"].rows_read == 2
    assert loaded(result, "account_id") == [("A1",)]


def test_several_problems_in_one_row(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "crm/opportunities.csv",
        f"{OPP_HEADER}\n{opp('O1', amount='-1', currency='ABC', closed='false', won='true')}",
    )
    result = land(C["crm/opportunities"], src, tmp_path / "raw")
    [row] = quarantine_full(result)
    assert list(row) == list(QUARANTINE_COLUMNS)
    assert (row["column"], row["reason"], row["problem_count"]) == (
        "amount",
        "negative amount -1",
        3,  # amount, currency and the is_won rule
    )
    assert json.loads(row["raw_record"]) == {
        "opportunity_id": "O1", "account_id": "A1", "opportunity_name": None,
        "opportunity_type": "New Business", "stage_name": "Closed Won", "amount": "-1",
        "currency": "ABC", "created_at": "2025-01-01", "close_date": "2025-02-01",
        "is_closed": "false", "is_won": "true", "primary_campaign_id": None,
        "lead_source": None, "updated_at": None,
    }  # fmt: skip
    assert result.rows_loaded == 0


def test_bad_rows_across_files_and_a_long_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several files, batches and both staging paths: lines stay exact, counts reconcile."""
    monkeypatch.setattr(staging, "BATCH_ROWS", 1_000)
    src = tmp_path / "src"
    header = "session_id,anonymous_id,started_at,landing_page"
    multi = '"/x\ny"'
    body = [f"s{i},a,2025-01-01,{multi if i % 7 == 0 else '/'}" for i in range(5000)]
    clean = write(src / "campaign/web_sessions/a.csv", "\n".join([header, *body]))
    dirty_rows = list(body)
    dirty_rows[2500] = "s2500,a,2025-01-01,/,surplus"
    dirty_rows[4000] = "s4000,,2025-01-01,/"
    write(src / "campaign/web_sessions/b.csv", "\n".join([header, *dirty_rows]))
    result = land(C["campaign/web_sessions"], src, tmp_path / "raw")

    def line_of(i: int) -> int:
        return 2 + i + (i + 6) // 7  # one extra line per earlier multi-line row (i % 7 == 0)

    assert quarantine(result) == [
        ("campaign/web_sessions", "campaign/web_sessions/b.csv", line_of(2500), None,
         "row has 5 fields, expected 4"),
        ("campaign/web_sessions", "campaign/web_sessions/b.csv", line_of(4000), "anonymous_id",
         "required value is empty"),
    ]  # fmt: skip
    got = loaded(result, "_source_file, session_id, _source_line")
    want = [("campaign/web_sessions/a.csv", f"s{i}", line_of(i)) for i in range(5000)]
    want += [
        ("campaign/web_sessions/b.csv", f"s{i}", line_of(i))
        for i in range(5000)
        if i not in (2500, 4000)
    ]
    assert got == want
    assert result.files_stats[clean.relative_to(src).as_posix()].rows_quarantined == 0


# --------------------------------------------------------------------------- outputs


def test_clean_source_writes_empty_quarantine_and_manifest(tmp_path: Path) -> None:
    src, raw = tmp_path / "src", tmp_path / "raw"
    path = write(
        src / "crm/opportunity_contact_roles.csv",
        "opportunity_id,contact_id\nO1,C1\nO1,C2",
    )
    result = land(C["crm/opportunity_contact_roles"], src, raw)
    assert result.quarantine_path == raw / "_quarantine/crm/opportunity_contact_roles/*.parquet"
    table = pq.read_table(result.quarantine_path.parent)
    assert table.num_rows == 0 and table.schema == QUARANTINE_SCHEMA
    assert result.manifest_path == raw / "crm/opportunity_contact_roles/_landing.json"

    assert result.provided and result.landed_at is not None
    assert json.loads(result.manifest_path.read_text()) == {
        "source": "crm/opportunity_contact_roles",
        "provided": True,
        "landed_at": result.landed_at.isoformat(),
        "files": [
            {
                "file": "crm/opportunity_contact_roles.csv",
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "rows_read": 2,
                "rows_loaded": 2,
                "rows_quarantined": 0,
            }
        ],
        "rows_read": 2,
        "rows_loaded": 2,
        "rows_quarantined": 0,
    }


def test_quarantine_schema_types(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src / "crm/accounts.csv", "account_id,account_name,created_at\nA1,,2025-01-01")
    result = land(C["crm/accounts"], src, tmp_path / "raw")
    rel = duckdb.sql(f"SELECT * FROM '{result.quarantine_path}'")
    assert dict(zip(rel.columns, map(str, rel.types), strict=True)) == {
        "source": "VARCHAR", "file": "VARCHAR", "line": "BIGINT", "column": "VARCHAR",
        "reason": "VARCHAR", "raw_record": "VARCHAR", "problem_count": "INTEGER",
    }  # fmt: skip


def test_committed_seeds_pass_every_rule(tmp_path: Path) -> None:
    for contract in SOURCE_CONTRACTS.values():
        result = land(contract, SEEDS, tmp_path / "raw")
        assert result.rows_quarantined == 0, quarantine(result)[:5]
        assert result.rows_loaded > 0


def test_contract_markdown_renders_every_rule() -> None:
    text = contract_markdown()
    assert text.count("| column | type | required | rule |") == len(SOURCE_CONTRACTS)
    assert "| `segment` | VARCHAR |  | one of SMB / Mid-Market / Enterprise (exact) |" in text
    assert "| `usd_per_unit` | DOUBLE | yes | > 0 |" in text
    assert "| `spend` | DOUBLE | yes | >= 0 |" in text
    assert "Row rules: `is_won` implies `is_closed`." in text
    assert {"USD", "EUR", "GBP", "JPY"} <= ISO_4217_CODES and "XXX" not in ISO_4217_CODES


# --------------------------------------------------------------------------- still fatal


def test_missing_required_column_is_fatal_and_names_file_and_column(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src / "campaign/ad_spend/d1.csv", "spend_date,platform,spend,currency\n2025-01-01,g,1,USD"
    )
    write(src / "campaign/ad_spend/d2.csv", "spend_date,platform,currency\n2025-01-01,g,USD")
    with pytest.raises(SourceFileError) as err:
        land_source(C["campaign/ad_spend"], src, tmp_path / "raw")
    assert str(err.value) == "campaign/ad_spend/d2.csv: missing required column 'spend'"
    assert not list((tmp_path / "raw/campaign/ad_spend").glob("*.parquet"))


def test_no_input_files_is_fatal(tmp_path: Path) -> None:
    (tmp_path / "src/crm/accounts").mkdir(parents=True)
    with pytest.raises(SourceFileError, match=r"holds no \.csv or \.parquet file"):
        land_source(C["crm/accounts"], tmp_path / "src", tmp_path / "raw")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("accounts.parquet", b"PAR1 not really parquet", r"cannot read Parquet file"),
        ("accounts.csv", b"", r"empty file"),
        ("accounts.csv", b"\xff\xfe\x00a\x00c\x00", r"cannot read CSV header"),
    ],
)
def test_unreadable_file_is_fatal(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    path = tmp_path / "src/crm" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match=rf"^crm/{name}: {match}"):
        land_source(C["crm/accounts"], tmp_path / "src", tmp_path / "raw")
