"""Tests of the sample-data generator: determinism, the source contract, scaling, seeds/ drift.

Real files in temporary directories, no mocks.  The contract columns are
spelled out here on purpose (copied from the source contract, docs/source_contracts.md) so a change
of the generator's schema cannot silently change the contract.
"""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dagster_project.generate import generate

REPO = Path(__file__).resolve().parents[1]

# source -> (family, columns in order); a trailing * marks a required column.
CONTRACT: dict[str, tuple[str, str]] = {
    "accounts": (
        "crm",
        (
            "account_id* account_name* domain industry region segment "
            "employee_count created_at* updated_at"
        ),
    ),
    "contacts": (
        "crm",
        (
            "contact_id* account_id email* first_name last_name job_title "
            "created_at* lead_created_at mql_at sql_at lead_source updated_at"
        ),
    ),
    "opportunities": (
        "crm",
        (
            "opportunity_id* account_id* opportunity_name opportunity_type "
            "stage_name* amount* currency* created_at* close_date* is_closed* "
            "is_won* primary_campaign_id lead_source updated_at"
        ),
    ),
    "opportunity_contact_roles": ("crm", "opportunity_id* contact_id* role is_primary"),
    "opportunity_stage_history": ("crm", "opportunity_id* stage_name* entered_at* amount"),
    "campaigns": (
        "campaign",
        (
            "campaign_id* campaign_name* campaign_type* utm_campaign channel "
            "start_date end_date budgeted_cost currency actual_cost"
        ),
    ),
    "campaign_members": (
        "campaign",
        (
            "campaign_member_id* campaign_id* contact_id* status* "
            "has_responded* created_at* first_responded_at"
        ),
    ),
    "ad_spend": (
        "campaign",
        "spend_date* platform* campaign_id utm_campaign impressions clicks spend* currency*",
    ),
    "web_sessions": (
        "campaign",
        (
            "session_id* anonymous_id* started_at* landing_page referrer "
            "utm_source utm_medium utm_campaign utm_content utm_term"
        ),
    ),
    "form_submissions": (
        "campaign",
        "submission_id* anonymous_id* email* submitted_at* form_name page_url",
    ),
    "invoices": (
        "revenue",
        (
            "invoice_id* account_id* opportunity_id invoice_date* amount* "
            "currency* status* service_start service_end"
        ),
    ),
    "fx_rates": ("revenue", "rate_date* currency* usd_per_unit*"),
    "targets": ("revenue", "period_month* metric* target* segment region"),
}
UNIQUE_KEYS = {
    "contacts": ["contact_id"],
    "opportunities": ["opportunity_id"],
    "campaigns": ["campaign_id"],
    "campaign_members": ["campaign_member_id"],
    "web_sessions": ["session_id"],
    "form_submissions": ["submission_id"],
    "invoices": ["invoice_id"],
    "fx_rates": ["rate_date", "currency"],
    "opportunity_contact_roles": ["opportunity_id", "contact_id"],
    "targets": ["period_month", "metric", "segment", "region"],
}
TRUE = {"true", "1", "yes"}


def _files(source: str, root: Path, ext: str = "csv") -> list[Path]:
    family, _ = CONTRACT[source]
    folder = root / family / source
    if folder.is_dir():
        return sorted(folder.glob(f"*.{ext}"))
    return [root / family / f"{source}.{ext}"]


def _read(root: Path, source: str) -> pd.DataFrame:
    """All files of a source as strings; empty field -> ''."""
    return pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in _files(source, root)],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale02a")
    generate(out, 0.2, "csv", 42)
    return out


@pytest.fixture(scope="module")
def frames(small: Path) -> dict[str, pd.DataFrame]:
    return {source: _read(small, source) for source in CONTRACT}


def _all_files(root: Path) -> list[Path]:
    """Generated files under root (contract sources only: other sources may live there too)."""
    out = []
    for source, (family, _) in CONTRACT.items():
        for path in (root / family).glob(f"{source}*"):
            files = sorted(path.iterdir()) if path.is_dir() else [path]
            out += [p.relative_to(root) for p in files if p.suffix in (".csv", ".parquet")]
    return sorted(out)


def test_same_seed_gives_identical_bytes(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, 0.2, "csv", 42, chunk_accounts=100)  # another chunk size, same bytes
    names = _all_files(small)
    assert names == _all_files(again)
    _match, mismatch, errors = filecmp.cmpfiles(
        small, again, [str(n) for n in names], shallow=False
    )
    assert not mismatch and not errors


def test_other_seed_differs(small: Path, tmp_path: Path) -> None:
    generate(tmp_path, 0.2, "csv", 7)
    assert (tmp_path / "crm/contacts.csv").read_bytes() != (small / "crm/contacts.csv").read_bytes()


def test_parquet_has_same_rows_and_real_types(small: Path, tmp_path: Path) -> None:
    rows = generate(tmp_path, 0.2, "parquet", 42)
    for source in CONTRACT:
        files = _files(source, tmp_path, "parquet")
        n = sum(pq.read_metadata(p).num_rows for p in files)
        assert n == rows[source] == len(_read(small, source)), source
    schema = pq.read_schema(_files("web_sessions", tmp_path, "parquet")[0])
    assert str(schema.field("started_at").type) == "timestamp[ms, tz=UTC]"
    opp = pq.read_schema(tmp_path / "crm/opportunities.parquet")
    assert str(opp.field("close_date").type) == "date32[day]"
    assert str(opp.field("amount").type) == "double"
    assert str(opp.field("is_won").type) == "bool"
    assert not list(tmp_path.rglob("*.csv"))


def test_rerun_replaces_previous_output(tmp_path: Path) -> None:
    generate(tmp_path, 0.1, "csv", 42)
    generate(tmp_path, 0.1, "parquet", 42)
    assert not list(tmp_path.rglob("*.csv"))


@pytest.mark.parametrize("source", list(CONTRACT))
def test_columns_and_required_values(small: Path, source: str) -> None:
    _, spec = CONTRACT[source]
    expected = [c.rstrip("*") for c in spec.split()]
    required = [c.rstrip("*") for c in spec.split() if c.endswith("*")]
    for path in _files(source, small):
        raw = path.read_bytes()
        assert b"\r" not in raw
        with path.open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == expected
    df = _read(small, source)
    assert len(df) > 0
    for col in required:
        assert (df[col].str.strip() != "").all(), f"{source}.{col} has NULLs"


@pytest.mark.parametrize("source", list(UNIQUE_KEYS))
def test_ids_unique(frames: dict[str, pd.DataFrame], source: str) -> None:
    assert not frames[source].duplicated(UNIQUE_KEYS[source]).any()


def test_accounts_have_scd_versions(frames: dict[str, pd.DataFrame]) -> None:
    acc = frames["accounts"]
    dup = acc[acc.duplicated("account_id", keep=False)].sort_values(["account_id", "updated_at"])
    assert len(dup) > 0
    for _, versions in dup.groupby("account_id"):
        assert len(versions) == 2
        assert (versions["updated_at"] != "").all()
        assert versions["segment"].nunique() == 2


def test_opportunity_flags(frames: dict[str, pd.DataFrame]) -> None:
    opp = frames["opportunities"]
    won = opp["is_won"] == "true"
    closed = opp["is_closed"] == "true"
    assert (closed[won]).all(), "is_won implies is_closed"
    assert set(opp.loc[won, "stage_name"]) == {"Closed Won"}
    assert set(opp.loc[closed & ~won, "stage_name"]) == {"Closed Lost"}
    assert not set(opp.loc[~closed, "stage_name"]) & {"Closed Won", "Closed Lost"}
    created = pd.to_datetime(opp["created_at"], utc=True).dt.normalize()
    close = pd.to_datetime(opp["close_date"], utc=True)
    assert (close >= created).all()
    assert set(opp["account_id"]) <= set(frames["accounts"]["account_id"])


def test_one_primary_contact_role_of_the_account(frames: dict[str, pd.DataFrame]) -> None:
    roles = frames["opportunity_contact_roles"]
    assert (
        roles.groupby("opportunity_id")["is_primary"].apply(lambda s: (s == "true").sum()) == 1
    ).all()
    opp_account = frames["opportunities"].set_index("opportunity_id")["account_id"]
    contact_account = frames["contacts"].set_index("contact_id")["account_id"]
    assert (
        roles["opportunity_id"].map(opp_account) == roles["contact_id"].map(contact_account)
    ).all()


def test_stage_history_is_ordered(frames: dict[str, pd.DataFrame]) -> None:
    hist = frames["opportunity_stage_history"].copy()
    hist["t"] = pd.to_datetime(hist["entered_at"], utc=True)
    opp = frames["opportunities"].set_index("opportunity_id")
    for oid, rows in hist.groupby("opportunity_id", sort=False):
        assert rows["t"].is_monotonic_increasing
        assert rows["stage_name"].iloc[0] == "Prospecting"
        assert rows["stage_name"].iloc[-1] == opp.loc[oid, "stage_name"]
        assert rows["t"].iloc[0] == pd.Timestamp(opp.loc[oid, "created_at"])


def test_ad_spend_campaign_matches_utm(frames: dict[str, pd.DataFrame]) -> None:
    spend = frames["ad_spend"]
    utm = frames["campaigns"].set_index("campaign_id")["utm_campaign"]
    with_id = spend[spend["campaign_id"] != ""]
    assert (with_id["campaign_id"].map(utm) == with_id["utm_campaign"]).all()
    orphan = spend[spend["campaign_id"] == ""]
    assert (~orphan["utm_campaign"].isin(set(utm))).any(), "spend with no matching campaign"


def test_session_utms_match_campaigns_of_their_type(frames: dict[str, pd.DataFrame]) -> None:
    sessions = frames["web_sessions"]
    campaigns = frames["campaigns"]
    types = campaigns[campaigns["utm_campaign"] != ""].set_index("utm_campaign")["campaign_type"]
    expected = {
        "email": "Email",
        "paid_social": "Paid Social",
        "display": "Display",
        "cpm": "Display",
        "syndication": "Content Syndication",
        "partner": "Partner",
        "social": "Organic Social",
    }
    for medium, ctype in expected.items():
        got = sessions.loc[sessions["utm_medium"] == medium, "utm_campaign"].map(types)
        assert (got.dropna() == ctype).all()
        assert got.notna().mean() > 0.9
    direct = (sessions["utm_medium"] == "") & (sessions["referrer"] == "")
    assert 0.12 < direct.mean() < 0.3
    assert (sessions["utm_medium"] == "qr").any()


def test_timestamps_parse_and_offsets_are_mixed(frames: dict[str, pd.DataFrame]) -> None:
    started = frames["web_sessions"]["started_at"]
    assert started.str.contains(r"[+-]\d\d:\d\d$").any()
    assert started.str.endswith("Z").any()
    assert started.str.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").any()
    utc = pd.to_datetime(started, utc=True, format="ISO8601")
    assert utc.min() >= pd.Timestamp("2024-10-01", tz="UTC")
    assert utc.max() <= pd.Timestamp("2026-10-01", tz="UTC")


def test_identity_and_emails(frames: dict[str, pd.DataFrame]) -> None:
    contacts = frames["contacts"]
    assert contacts["email"].is_unique
    assert (contacts["email"] == contacts["email"].str.lower()).all()
    forms = frames["form_submissions"]
    norm = forms["email"].str.strip().str.lower()
    assert (forms["email"] != norm).any(), "some e-mails typed with case / spaces"
    known = norm.isin(set(contacts["email"]))
    assert known.mean() > 0.8 and not known.all()
    ids = frames["web_sessions"]["anonymous_id"].drop_duplicates()
    stitched = ids.isin(set(forms.loc[known, "anonymous_id"])).mean()
    assert 0.4 < stitched < 0.7


def test_members_respond_within_campaign_dates(frames: dict[str, pd.DataFrame]) -> None:
    m = frames["campaign_members"].merge(frames["campaigns"], on="campaign_id")
    responded = m["has_responded"].str.lower().isin(TRUE)
    assert set(m["has_responded"].str.lower()) <= TRUE | {"false", "0", "no"}
    assert (m.loc[responded, "first_responded_at"] != "").all()
    assert (m.loc[~responded, "first_responded_at"] == "").all()
    r = m[responded]
    day = pd.to_datetime(r["first_responded_at"]).dt.normalize()
    assert (day >= pd.to_datetime(r["start_date"])).all()
    assert (day <= pd.to_datetime(r["end_date"])).all()
    assert (pd.to_datetime(r["created_at"]) <= pd.to_datetime(r["first_responded_at"])).all()


def test_fx_rates_skip_weekends(frames: dict[str, pd.DataFrame]) -> None:
    fx = frames["fx_rates"]
    days = pd.to_datetime(fx["rate_date"])
    assert (days.dt.dayofweek < 5).all()
    assert set(fx["currency"]) == {"USD", "EUR", "GBP"}
    eur = fx.loc[fx["currency"] == "EUR", "usd_per_unit"].astype(float)
    assert 0.9 < eur.mean() < 1.3


def test_sessions_scale_linearly(small: Path, tmp_path: Path) -> None:
    rows = generate(tmp_path, 0.4, "csv", 42)
    ratio = rows["web_sessions"] / len(_read(small, "web_sessions"))
    assert 1.5 < ratio < 2.5


def test_committed_seeds_match_the_generator(tmp_path: Path) -> None:
    """seeds/ is exactly `python -m dagster_project.generate --scale 1 --out seeds`."""
    generate(tmp_path, 1.0, "csv", 42)
    seeds = REPO / "seeds"
    names = _all_files(tmp_path)
    assert names == _all_files(seeds)
    _match, mismatch, errors = filecmp.cmpfiles(
        tmp_path, seeds, [str(n) for n in names], shallow=False
    )
    assert not mismatch and not errors, f"seeds/ drifted: {mismatch + errors}"


# The sample's export was taken at the end of this day (the generator's as-of time).
SAMPLE_EXPORTED_AT = pd.Timestamp("2026-09-30 23:59:59", tz="UTC")


def test_sample_timestamps_are_consistent() -> None:
    """Nothing in the sample is created after its own update or after the export was taken."""
    opportunities = _read(REPO / "seeds", "opportunities")
    created = pd.to_datetime(opportunities["created_at"], utc=True, format="ISO8601")
    updated = pd.to_datetime(opportunities["updated_at"], utc=True, format="ISO8601")
    late = opportunities.loc[(created > updated) | (created > SAMPLE_EXPORTED_AT), "opportunity_id"]
    assert late.empty, f"opportunities created after their update or the export: {list(late)}"
    assert (updated <= SAMPLE_EXPORTED_AT).all()
    stages = _read(REPO / "seeds", "opportunity_stage_history")
    entered = pd.to_datetime(stages["entered_at"], utc=True, format="ISO8601")
    assert (entered <= SAMPLE_EXPORTED_AT).all()


def test_sample_paid_campaigns_spend_their_budgets() -> None:
    """A paid campaign's ad spend to the export is 80-100% of its budget for the days elapsed
    (so ROAS is believable): the budget paced over the campaign, less its agency cost."""
    campaigns = _read(REPO / "seeds", "campaigns").set_index("campaign_id")
    spend = _read(REPO / "seeds", "ad_spend")
    spend["spend"] = spend["spend"].astype(float)
    # By utm_campaign: bing_ads rows carry no campaign id.
    tagged = campaigns.reset_index().query("utm_campaign != ''").drop_duplicates("utm_campaign")
    campaign_of_utm = tagged.set_index("utm_campaign")["campaign_id"]
    spend["campaign"] = spend["utm_campaign"].map(campaign_of_utm)
    by_campaign = spend.dropna(subset=["campaign"]).groupby("campaign")["spend"].sum()
    paid = campaigns.loc[by_campaign.index]
    start, end = pd.to_datetime(paid["start_date"]), pd.to_datetime(paid["end_date"])
    exported = pd.Timestamp("2026-09-30")
    days = (end - start).dt.days + 1
    elapsed = ((end.clip(upper=exported) - start).dt.days + 1).clip(lower=0)
    budget_to_date = paid["budgeted_cost"].astype(float) * elapsed / days
    ratio = by_campaign / budget_to_date
    assert ratio.between(0.8, 1.0 + 1e-9).all(), ratio[~ratio.between(0.8, 1.0)].to_dict()
