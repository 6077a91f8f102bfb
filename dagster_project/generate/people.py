"""Accounts, buying cycles and contacts of one block: the population that journeys hang off.

A *buying cycle* is a period of interest of an account, centred on a time tau:
its contacts become leads in the weeks before tau (so touches cluster there)
and a converting cycle opens an opportunity at tau.  Accounts with more engaged
contacts in a cycle convert more often.  'Dark' accounts have buying cycles
but no digital footprint at all (outbound-sourced, no identified touches).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from .catalogue import Campaigns
from .constants import (
    ACCOUNT_EPOCH,
    AS_OF,
    CONTACTS_RANGE,
    DAY,
    EMPLOYEE_RANGE,
    FIRST_NAMES,
    FREELANCE_DOMAINS,
    HISTORY_START,
    HOUR,
    INDUSTRIES,
    JOB_TITLES,
    LAST_NAMES,
    NAME_PREFIXES,
    NAME_STEMS,
    NAME_SUFFIXES,
    REGION_P,
    REGIONS,
    SEGMENT_P,
    SEGMENTS,
    TLDS,
)
from .tables import Frame

DARK_SHARE = 0.11
EXISTING_CUSTOMER_SHARE = 0.08
UPGRADE_SHARE = 0.05
# How a lead came in.  Codes index MECHANISMS; the first two are web forms on our site.
# 'list' and 'sales' leads (the only ones of dark accounts) leave no touch at all.
MECHANISMS = ("form", "webinar", "event", "syndication", "outbound", "partner", "list", "sales")
MECHANISM_P = (0.60, 0.10, 0.08, 0.07, 0.08, 0.07, 0.0, 0.0)
DARK_MECHANISM_P = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5)
MECHANISM_CAMPAIGN_TYPE = {
    1: "Webinar",
    2: "Event",
    3: "Content Syndication",
    4: "Outbound",
    5: "Partner",
}
MECHANISM_LEAD_SOURCE = {
    1: "Webinar",
    2: "Event",
    3: "Content Syndication",
    4: "Outbound",
    5: "Partner Referral",
    6: "List Import",
    7: "Sales Generated",
}


@dataclass
class Accounts:
    """Accounts of a block (local index = position)."""

    ids: np.ndarray
    names: np.ndarray
    domains: np.ndarray
    segment: np.ndarray  # final segment code
    segment0: np.ndarray  # segment before the upgrade (== segment if none)
    upgrade_at: np.ndarray  # NaN when the account never changed segment
    region: np.ndarray
    industry: np.ndarray
    employees: np.ndarray
    employees0: np.ndarray
    created_at: np.ndarray
    updated_at: np.ndarray
    dark: np.ndarray
    engagement: np.ndarray
    customer_since: np.ndarray  # NaN unless a customer before the history starts

    def __len__(self) -> int:
        return len(self.ids)

    def segment_at(self, local: np.ndarray, when: np.ndarray) -> np.ndarray:
        """Segment code of accounts at given times (SCD: the upgrade applies after upgrade_at)."""
        later = ~np.isnan(self.upgrade_at[local]) & (when >= self.upgrade_at[local])
        return np.where(later, self.segment[local], self.segment0[local])


@dataclass
class Cycles:
    """Buying cycles: account (local index), centre time, conversion flag."""

    account: np.ndarray
    tau: np.ndarray
    converts: np.ndarray


@dataclass
class Contacts:
    """Contacts of a block; leads carry their lead mechanism and the campaign it used."""

    ids: np.ndarray
    account: np.ndarray  # local account index (also for orphans: their journeys need a home)
    orphan: np.ndarray  # True -> exported with an empty account_id
    email: np.ndarray
    first: np.ndarray
    last: np.ndarray
    title: np.ndarray
    created_at: np.ndarray
    lead_at: np.ndarray
    mql_at: np.ndarray
    sql_at: np.ndarray
    lead_source: np.ndarray
    updated_at: np.ndarray
    cycle: np.ndarray
    mechanism: np.ndarray
    mech_campaign: np.ndarray  # catalogue index or -1
    mech_response_at: np.ndarray  # campaign response time of the lead mechanism, NaN if none
    digital: np.ndarray
    engagement: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def between(rng: np.random.Generator, lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
    """Uniform draws between per-row bounds (tolerates hi < lo and NaN, unlike rng.uniform)."""
    lo_, hi_ = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    return lo_ + (hi_ - lo_) * rng.random(lo_.shape)


def _ascii(text: str) -> str:
    """Lower-case ASCII form of a name for e-mail local parts ('Müller' -> 'muller')."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in flat.lower() if ch.isalnum())


def _account_identity(index: int) -> tuple[str, str]:
    """Unique name and domain of the global account index (a bijection, so no collisions)."""
    combos = len(NAME_PREFIXES) * len(NAME_STEMS)
    combo = (index * 7919) % combos
    rep = index // combos
    prefix = NAME_PREFIXES[combo % len(NAME_PREFIXES)]
    stem = NAME_STEMS[combo // len(NAME_PREFIXES)]
    suffix = NAME_SUFFIXES[(index * 31 + rep) % len(NAME_SUFFIXES)]
    tld = TLDS[(index * 13) % len(TLDS)]
    tag = str(rep + 1) if rep else ""
    name = f"{prefix}{stem}{' ' + tag if tag else ''} {suffix}"
    return name, f"{prefix.lower()}{stem}{tag}.{tld}"


def make_accounts(rng: np.random.Generator, first_index: int, n: int) -> Accounts:
    """Accounts with segment-consistent size, SCD upgrades for ~5% and a hidden engagement."""
    segment = rng.choice(3, n, p=SEGMENT_P)
    employees = np.empty(n, dtype=np.int64)
    for code, (lo, hi) in enumerate(EMPLOYEE_RANGE):
        mask = segment == code
        employees[mask] = np.exp(rng.uniform(np.log(lo), np.log(hi), mask.sum())).astype(int)
    created = rng.uniform(ACCOUNT_EPOCH, HISTORY_START + 300 * DAY, n)
    has_update = rng.random(n) < 0.7
    updated = np.where(has_update, rng.uniform(np.maximum(created, HISTORY_START), AS_OF), np.nan)
    upgraded = rng.random(n) < UPGRADE_SHARE
    lo = np.maximum(created, HISTORY_START) + 60 * DAY
    upgrade_at = np.where(upgraded, rng.uniform(lo, AS_OF - 30 * DAY), np.nan)
    # The first version of an upgraded account must carry an earlier updated_at.
    updated = np.where(
        upgraded, created + (upgrade_at - created) * rng.uniform(0.2, 0.9, n), updated
    )
    new_segment = np.where(segment == 2, 1, segment + 1)
    grow = np.where(new_segment > segment, rng.uniform(1.5, 3.0, n), rng.uniform(0.5, 0.8, n))
    lo = np.array([r[0] for r in EMPLOYEE_RANGE])[new_segment]
    hi = np.array([r[1] for r in EMPLOYEE_RANGE])[new_segment]
    employees1 = np.clip((employees * grow).astype(int), lo, hi - 1)
    seg_final = np.where(upgraded, new_segment, segment)
    engagement = rng.lognormal(0.0, 0.5, n) * np.array([0.9, 1.1, 1.4])[seg_final]
    identities = [_account_identity(first_index + i) for i in range(n)]
    return Accounts(
        ids=np.array([f"ACC-{first_index + i + 1:06d}" for i in range(n)], dtype=object),
        names=np.array([x[0] for x in identities], dtype=object),
        domains=np.array([x[1] for x in identities], dtype=object),
        segment=seg_final,
        segment0=segment,
        upgrade_at=upgrade_at,
        region=rng.choice(len(REGIONS), n, p=REGION_P),
        industry=rng.integers(0, len(INDUSTRIES), n),
        employees=np.where(upgraded, employees1, employees),
        employees0=employees,
        created_at=created,
        updated_at=updated,
        dark=rng.random(n) < DARK_SHARE,
        engagement=engagement,
        customer_since=np.where(
            rng.random(n) < EXISTING_CUSTOMER_SHARE,
            rng.uniform(HISTORY_START - 700 * DAY, HISTORY_START - DAY, n),
            np.nan,
        ),
    )


def account_frame(acc: Accounts) -> Frame:
    """Rows of accounts: one per account, upgraded accounts again at the end of the block."""
    up = np.flatnonzero(~np.isnan(acc.upgrade_at))
    idx = np.concatenate([np.arange(len(acc)), up])
    second = np.zeros(len(idx), dtype=bool)
    second[len(acc) :] = True
    seg = np.where(second, acc.segment[idx], acc.segment0[idx])
    return {
        "account_id": acc.ids[idx],
        "account_name": acc.names[idx],
        "domain": acc.domains[idx],
        "industry": np.array(INDUSTRIES, dtype=object)[acc.industry[idx]],
        "region": np.array(REGIONS, dtype=object)[acc.region[idx]],
        "segment": np.array(SEGMENTS, dtype=object)[seg],
        "employee_count": np.where(second, acc.employees[idx], acc.employees0[idx]),
        "created_at": acc.created_at[idx],
        "updated_at": np.where(second, acc.upgrade_at[idx], acc.updated_at[idx]),
    }


def make_cycles(rng: np.random.Generator, acc: Accounts) -> Cycles:
    """1 + Poisson(1.2) buying cycles per account, after the account exists."""
    counts = 1 + rng.poisson(2.1 + 0.4 * (acc.segment == 2), len(acc))
    account = np.repeat(np.arange(len(acc)), counts)
    lo = np.maximum(acc.created_at[account], HISTORY_START) + 45 * DAY
    tau = rng.uniform(lo, AS_OF)
    order = np.lexsort((tau, account))
    return Cycles(
        account=account[order], tau=tau[order], converts=np.zeros(len(account), dtype=bool)
    )


def _contact_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    return first, last


def _emails(
    first: np.ndarray,
    last: np.ndarray,
    domains: np.ndarray,
    orphan: np.ndarray,
    numbers: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unique lower-case e-mails: first.last@domain, de-duplicated with a digit per domain."""
    seen: set[str] = set()
    out = np.empty(len(first), dtype=object)
    free = rng.integers(0, len(FREELANCE_DOMAINS), len(first))
    for i in range(len(first)):
        local = f"{_ascii(first[i])}.{_ascii(last[i])}"
        if orphan[i]:
            # Outside any account domain: the contact number keeps it globally unique.
            out[i] = f"{local}.{numbers[i]}@{FREELANCE_DOMAINS[free[i]]}"
            continue
        email = f"{local}@{domains[i]}"
        k = 2
        while email in seen:
            email = f"{local}{k}@{domains[i]}"
            k += 1
        seen.add(email)
        out[i] = email
    return out


def make_contacts(
    rng: np.random.Generator, acc: Accounts, cyc: Cycles, cat: Campaigns, first_number: int
) -> Contacts:
    """Contacts with lead / MQL / SQL funnel timestamps clustered before their cycle's tau."""
    lo = np.array([r[0] for r in CONTACTS_RANGE])[acc.segment]
    hi = np.array([r[1] for r in CONTACTS_RANGE])[acc.segment]
    counts = rng.integers(lo, hi + 1)
    account = np.repeat(np.arange(len(acc)), counts)
    n = len(account)
    first_cycle = np.searchsorted(cyc.account, np.arange(len(acc)))
    n_cycles = np.bincount(cyc.account, minlength=len(acc))
    cycle = first_cycle[account] + (rng.random(n) * n_cycles[account]).astype(int)
    tau = cyc.tau[cycle]
    dark = acc.dark[account]
    orphan = rng.random(n) < 0.03
    is_lead = rng.random(n) < 0.85
    before = rng.random(n) < 0.8
    lead_at = np.where(
        before, tau - rng.gamma(1.5, 14.0, n) * DAY, tau + rng.uniform(0, 90, n) * DAY
    )
    lead_at = np.maximum(lead_at, np.maximum(HISTORY_START, acc.created_at[account]) + HOUR)
    mechanism = np.where(
        dark,
        rng.choice(len(MECHANISMS), n, p=DARK_MECHANISM_P),
        rng.choice(len(MECHANISMS), n, p=MECHANISM_P),
    )
    mech_campaign = np.full(n, -1)
    response_at = np.full(n, np.nan)
    for code, ctype in MECHANISM_CAMPAIGN_TYPE.items():
        rows = np.flatnonzero(is_lead & (mechanism == code))
        if len(rows) == 0:
            continue
        chosen, lead_new, resp = _mechanism_campaign(rng, cat, ctype, lead_at[rows])
        mech_campaign[rows], lead_at[rows], response_at[rows] = chosen, lead_new, resp
    lead_at = np.where(is_lead & (lead_at <= AS_OF), lead_at, np.nan)
    response_at = np.where(np.isnan(lead_at), np.nan, response_at)
    mech_campaign = np.where(np.isnan(lead_at), -1, mech_campaign)
    numbers = first_number + np.arange(n)
    first, last = _contact_names(rng, n)
    acc_created = acc.created_at[account]
    created = np.where(
        rng.random(n) < 0.75,
        lead_at - rng.uniform(0, 300, n),
        between(
            rng,
            np.maximum(acc_created, HISTORY_START - 400 * DAY),
            np.where(np.isnan(lead_at), AS_OF, lead_at),
        ),
    )
    created = np.where(np.isnan(created), between(rng, acc_created, AS_OF), created)
    created = np.fmin(np.maximum(created, acc.created_at[account]), lead_at)
    digital = ~dark & ~np.isnan(lead_at) & ((mechanism <= 1) | (rng.random(n) < 0.6))
    return Contacts(
        ids=np.array([f"CON-{k + 1:08d}" for k in numbers], dtype=object),
        account=account,
        orphan=orphan,
        email=_emails(first, last, acc.domains[account], orphan, numbers + 1, rng),
        first=first,
        last=last,
        title=np.array(JOB_TITLES, dtype=object)[rng.integers(0, len(JOB_TITLES), n)],
        created_at=created,
        lead_at=lead_at,
        mql_at=np.full(n, np.nan),
        sql_at=np.full(n, np.nan),
        lead_source=np.full(n, None, dtype=object),
        updated_at=np.full(n, np.nan),
        cycle=cycle,
        mechanism=mechanism,
        mech_campaign=mech_campaign,
        mech_response_at=response_at,
        digital=digital,
        engagement=acc.engagement[account] * rng.lognormal(0, 0.4, n),
    )


def _mechanism_campaign(
    rng: np.random.Generator, cat: Campaigns, ctype: str, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick the campaign of a type nearest to each wanted lead time.

    Returns (campaign index, lead time, response time).  For webinars the lead
    is the registration form days before the session; otherwise the lead is
    created by the response itself.
    """
    idx = cat.of_type(ctype)
    start = cat.start[idx] * DAY
    end = cat.end[idx] * DAY + DAY - 1
    dist = np.maximum(
        np.maximum(start[None, :] - wanted[:, None], wanted[:, None] - end[None, :]), 0.0
    )
    noisy = dist + rng.exponential(10 * DAY, dist.shape)
    pick = np.argmin(noisy, axis=1)
    s, e = start[pick], end[pick]
    if ctype in ("Webinar", "Event"):
        day = s + np.floor(rng.random(len(pick)) * ((e - s + 1) / DAY)) * DAY
        response = day + rng.uniform(9, 18, len(pick)) * HOUR
    else:
        response = np.clip(wanted, s, e - HOUR)
    lead = response - rng.uniform(1, 14, len(pick)) * DAY if ctype == "Webinar" else response
    return idx[pick], lead, response


def convert_cycles(rng: np.random.Generator, acc: Accounts, cyc: Cycles, con: Contacts) -> None:
    """Decide which cycles open an opportunity: likelier with more engaged leads before tau."""
    engaged = con.digital & (con.lead_at <= cyc.tau[con.cycle])
    n_engaged = np.bincount(con.cycle[engaged], minlength=len(cyc.tau))
    p = np.clip(0.45 + 0.12 * n_engaged, 0.45, 0.92)
    p = np.where(acc.dark[cyc.account], 0.6, p)
    cyc.converts[:] = rng.random(len(p)) < p


def funnel(rng: np.random.Generator, cyc: Cycles, con: Contacts) -> None:
    """MQL and SQL timestamps; leads of converting cycles progress more and before tau."""
    n = len(con)
    lead = con.lead_at
    converts = cyc.converts[con.cycle]
    tau = cyc.tau[con.cycle]
    is_mql = ~np.isnan(lead) & (rng.random(n) < np.where(converts, 0.5, 0.25))
    room = tau - lead
    pre = converts & (room > 2 * DAY)
    mql = np.where(pre, lead + room * rng.uniform(0.1, 0.6, n), lead + rng.exponential(7, n) * DAY)
    mql = np.where(is_mql & (mql <= AS_OF), mql, np.nan)
    is_sql = ~np.isnan(mql) & (rng.random(n) < np.where(converts, 0.5, 0.15))
    sql = np.where(
        pre, mql + (tau - mql) * rng.uniform(0.3, 1.0, n), mql + rng.exponential(14, n) * DAY
    )
    sql = np.where(is_sql & (sql <= AS_OF), sql, np.nan)
    con.mql_at[:] = mql
    con.sql_at[:] = sql
    last = np.fmax(np.fmax(con.created_at, lead), np.fmax(mql, sql))
    touched = rng.random(n) < 0.8
    con.updated_at[:] = np.where(
        touched, np.minimum(last + rng.exponential(20, n) * DAY, AS_OF), np.nan
    )


def contact_frame(acc: Accounts, con: Contacts) -> Frame:
    """Rows of contacts."""
    return {
        "contact_id": con.ids,
        "account_id": np.where(con.orphan, None, acc.ids[con.account]),
        "email": con.email,
        "first_name": con.first,
        "last_name": con.last,
        "job_title": con.title,
        "created_at": con.created_at,
        "lead_created_at": con.lead_at,
        "mql_at": con.mql_at,
        "sql_at": con.sql_at,
        "lead_source": con.lead_source,
        "updated_at": con.updated_at,
    }
