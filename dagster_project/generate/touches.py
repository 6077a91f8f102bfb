"""Web sessions, form fills and campaign members of one block (the high-volume part).

Sessions are generated column-wise with numpy: a per-session *category*
(direct, organic, paid search, ...) decides which utm / referrer vocabulary
the session gets, so the warehouse's channel rules can classify it.  Known
contacts get sessions clustered around their lead creation on 1-3 devices; a
device is stitched to the contact only if it submits a form at some point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import Campaigns
from .constants import (
    AS_OF,
    DAY,
    FIRST_NAMES,
    FORM_PAGES,
    HISTORY_START,
    HOUR,
    LANDING_PAGES,
    LAST_NAMES,
    MINUTE,
    PAID_LANDING_PAGES,
    PARTNER_SITES,
    PERSONAL_DOMAINS,
    REGION_OFFSETS_MIN,
    REGIONS,
    SEARCH_TERMS,
    SITE,
)
from .people import MECHANISM_LEAD_SOURCE, Accounts, Contacts, Cycles, _ascii
from .tables import Frame

CATEGORIES = (
    "direct",
    "organic",
    "paid_search",
    "paid_social",
    "display",
    "email",
    "social_utm",
    "social_ref",
    "syndication",
    "partner",
    "referral",
    "odd",
)
MIX_ANON = (0.22, 0.28, 0.14, 0.08, 0.05, 0.03, 0.03, 0.04, 0.02, 0.02, 0.08, 0.01)
MIX_PRE = (0.18, 0.22, 0.17, 0.10, 0.05, 0.05, 0.04, 0.04, 0.04, 0.03, 0.07, 0.01)
MIX_POST = (0.28, 0.15, 0.08, 0.05, 0.03, 0.22, 0.04, 0.04, 0.01, 0.02, 0.07, 0.01)
CATEGORY_CAMPAIGN_TYPE = {
    2: "Paid Search",
    3: "Paid Social",
    4: "Display",
    5: "Email",
    6: "Organic Social",
    8: "Content Syndication",
    9: "Partner",
}
UNMATCHED_UTM = {
    2: "ps-brand-2023q4",
    3: "li-test-audience",
    4: "disp-prospecting-legacy",
    5: "em-oneoff-blast",
    6: "social-organic-fy24",
    8: "cs-legacy-vendor",
    9: "partner-unknown",
}
CATEGORY_LEAD_SOURCE = (
    "Direct",
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Display",
    "Email",
    "Social",
    "Social",
    "Content Syndication",
    "Partner Referral",
    "Referral",
    "Other",
)
REFERRAL_SITES = (
    "https://www.g2.com/products/example-saas/reviews",
    "https://news.ycombinator.com/",
    "https://www.capterra.com/p/example-saas/",
    *PARTNER_SITES,
)
LEAD_FORMS = ("Demo Request", "Contact Us", "Ebook Download", "Newsletter")
LEAD_FORM_P = (0.35, 0.2, 0.3, 0.15)
LATER_FORMS = ("Ebook Download", "Webinar Registration", "Newsletter", "Contact Us", "Demo Request")
LATER_FORM_P = (0.35, 0.25, 0.2, 0.1, 0.1)
TS_STYLE_P = (0.45, 0.2, 0.35)  # Z / no offset / region-local with offset


@dataclass
class Visits:
    """Sessions and forms of a block before ids are assigned (column arrays)."""

    anon: np.ndarray  # anonymous id number
    started: np.ndarray
    category: np.ndarray
    region: np.ndarray
    landing: np.ndarray  # landing page override (form sessions) or None


def _pick(
    rng: np.random.Generator, values: tuple[str, ...], n: int, p: tuple[float, ...] | None = None
) -> np.ndarray:
    arr = np.array(values, dtype=object)
    return arr[rng.choice(len(values), n, p=p)] if n else arr[:0]


def _active_campaign(
    rng: np.random.Generator, cat: Campaigns, ctype: str, times: np.ndarray
) -> np.ndarray:
    """Catalogue index of a campaign of `ctype` live at each time (random one if none is)."""
    idx = cat.of_type(ctype)
    start = cat.start[idx] * DAY
    end = (cat.end[idx] + 1) * DAY
    live = (times[:, None] >= start[None, :]) & (times[:, None] < end[None, :])
    score = rng.random(live.shape) + live * 2.0
    return idx[np.argmax(score, axis=1)]


def session_columns(
    rng: np.random.Generator,
    cat: Campaigns,
    started: np.ndarray,
    category: np.ndarray,
    landing: np.ndarray,
) -> Frame:
    """utm_*, referrer and landing page of sessions from their category (vectorised)."""
    n = len(started)
    col = {
        k: np.full(n, None, dtype=object)
        for k in ("referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
    }
    page = _pick(rng, LANDING_PAGES, n)
    for code, ctype in CATEGORY_CAMPAIGN_TYPE.items():
        rows = np.flatnonzero(category == code)
        if len(rows) == 0:
            continue
        utm = cat.utm[_active_campaign(rng, cat, ctype, started[rows])]
        odd = rng.random(len(rows)) < 0.03
        col["utm_campaign"][rows] = np.where(odd, UNMATCHED_UTM[code], utm)
    _fill_paid(rng, col, category, page)
    _fill_unpaid(rng, col, category)
    page = np.where(pd.isna(landing), page, landing)
    col["landing_page"] = SITE + page.astype(object)
    return col


def _fill_paid(
    rng: np.random.Generator, col: Frame, category: np.ndarray, page: np.ndarray
) -> None:
    """Paid search / social / display: source+medium pairs the channel rules know."""
    ps = np.flatnonzero(category == 2)
    google = rng.random(len(ps)) < 0.8
    col["utm_source"][ps] = np.where(google, "google", "bing")
    col["utm_medium"][ps] = "cpc"
    col["utm_term"][ps] = _pick(rng, SEARCH_TERMS, len(ps))
    col["utm_content"][ps] = _pick(rng, ("ad-a", "ad-b", "rsa-1", "rsa-2"), len(ps))
    with_ref = rng.random(len(ps)) < 0.5
    col["referrer"][ps] = np.where(
        with_ref, np.where(google, "https://www.google.com/", "https://www.bing.com/"), None
    )
    page[ps] = _pick(rng, PAID_LANDING_PAGES, len(ps))
    so = np.flatnonzero(category == 3)
    meta = np.array([str(u).startswith("psoc-meta") for u in col["utm_campaign"][so]], bool)
    col["utm_source"][so] = np.where(meta, "facebook", "linkedin")
    col["utm_medium"][so] = np.where(rng.random(len(so)) < 0.5, "cpc", "paid_social")
    col["utm_content"][so] = _pick(rng, ("carousel-a", "single-image", "video-15s"), len(so))
    page[so] = _pick(rng, PAID_LANDING_PAGES, len(so))
    di = np.flatnonzero(category == 4)
    col["utm_source"][di] = _pick(rng, ("google", "stackadapt"), len(di))
    col["utm_medium"][di] = _pick(rng, ("display", "cpm"), len(di))
    col["utm_content"][di] = _pick(rng, ("300x250", "728x90"), len(di))


def _fill_unpaid(rng: np.random.Generator, col: Frame, category: np.ndarray) -> None:
    """Email, social, syndication, partner, referral, organic, odd; direct stays empty."""
    em = np.flatnonzero(category == 5)
    col["utm_source"][em] = _pick(rng, ("newsletter", "hubspot"), len(em))
    col["utm_medium"][em] = "email"
    col["utm_content"][em] = _pick(rng, ("cta-top", "cta-bottom", "banner"), len(em))
    su = np.flatnonzero(category == 6)
    col["utm_source"][su] = _pick(rng, ("linkedin", "twitter"), len(su))
    col["utm_medium"][su] = "social"
    sr = np.flatnonzero(category == 7)
    col["referrer"][sr] = _pick(rng, ("https://www.linkedin.com/", "https://twitter.com/"), len(sr))
    sy = np.flatnonzero(category == 8)
    col["utm_source"][sy] = _pick(rng, ("techtarget", "integrate"), len(sy))
    col["utm_medium"][sy] = "syndication"
    pa_ = np.flatnonzero(category == 9)
    col["utm_source"][pa_] = _pick(rng, ("cloudco", "datasys"), len(pa_))
    col["utm_medium"][pa_] = "partner"
    col["referrer"][pa_] = _pick(rng, PARTNER_SITES, len(pa_))
    rf = np.flatnonzero(category == 10)
    col["referrer"][rf] = _pick(rng, REFERRAL_SITES, len(rf))
    tagged = rf[rng.random(len(rf)) < 0.25]
    col["utm_source"][tagged] = "g2"
    col["utm_medium"][tagged] = "referral"
    og = np.flatnonzero(category == 1)
    col["referrer"][og] = _pick(
        rng,
        ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/"),
        len(og),
        p=(0.75, 0.17, 0.08),
    )
    od = np.flatnonzero(category == 11)
    col["utm_source"][od] = "print"
    col["utm_medium"][od] = "qr"
    col["utm_campaign"][od] = "flyer-2025"


def _clock_style(rng: np.random.Generator, region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row timestamp spelling (Z / no offset / local) and the visitor's UTC offset."""
    n = len(region)
    style = rng.choice(3, n, p=TS_STYLE_P)
    offset = np.zeros(n, dtype=np.int64)
    pick = rng.random(n)
    for code, offsets in enumerate(REGION_OFFSETS_MIN):
        rows = region == code
        offset[rows] = np.array(offsets)[(pick[rows] * len(offsets)).astype(int)]
    return style, offset


@dataclass
class Forms:
    """Form submissions of a block before ids are assigned."""

    anon: np.ndarray
    submitted: np.ndarray
    email: np.ndarray
    form: np.ndarray
    region: np.ndarray


def _email_variant(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """How people type their e-mail: mostly as stored, some Title Case, UPPER or padded."""
    kind = rng.choice(4, len(emails), p=(0.75, 0.12, 0.05, 0.08))
    out = emails.copy()
    for i in np.flatnonzero(kind):
        e = str(emails[i])
        out[i] = e.title() if kind[i] == 1 else e.upper() if kind[i] == 2 else f" {e.title()} "
    return out


@dataclass
class JourneyResult:
    """Everything touches.py produces for one block."""

    sessions: Frame
    forms: Frame
    members: Frame
    responses: tuple[np.ndarray, np.ndarray, np.ndarray]  # contact, campaign idx, responded_at
    anon_used: int


def _known_visits(
    rng: np.random.Generator, con: Contacts, region: np.ndarray, first_anon: int
) -> tuple[list[Visits], Forms, int, np.ndarray]:
    """Devices, sessions and stitching forms of digital contacts.

    Returns the visit parts, the forms, the number of anonymous ids used and the
    category of each lead-form session (for the contact's lead source; -1 if none).
    """
    who = np.flatnonzero(con.digital)
    n = len(who)
    n_dev = 1 + (rng.random(n) < 0.35) + (rng.random(n) < 0.1)
    dev_base = first_anon + np.concatenate([[0], np.cumsum(n_dev)[:-1]]).astype(np.int64)
    lead = con.lead_at[who]
    eng = con.engagement[who]
    reg = region[who]
    parts: list[Visits] = []
    # Sessions in the weeks before lead creation, on the main device.
    k = rng.poisson(4.0 * eng)
    owner = np.repeat(np.arange(n), k)
    t = lead[owner] - rng.gamma(1.2, 12.0, len(owner)) * DAY
    parts.append(_visits(rng, dev_base[owner], t, reg[owner], MIX_PRE))
    # The lead form (web form and webinar-registration leads) just before lead creation.
    web = con.mechanism[who] <= 1
    wi = np.flatnonzero(web)
    submitted = lead[wi] - rng.uniform(0, 300, len(wi))
    form_session = _visits(
        rng, dev_base[wi], submitted - rng.uniform(1, 20, len(wi)) * MINUTE, reg[wi], MIX_PRE
    )
    form_name = np.where(
        con.mechanism[who][wi] == 1,
        "Webinar Registration",
        _pick(rng, LEAD_FORMS, len(wi), LEAD_FORM_P),
    )
    form_session.landing = np.array([FORM_PAGES[f] for f in form_name], dtype=object)
    parts.append(form_session)
    lead_category = np.full(len(con), -1)
    lead_category[who[wi]] = form_session.category
    # Later forms: non-web leads' main device (0.7) and every extra device (0.6) identify.
    dev_owner = np.repeat(np.arange(n), n_dev)
    dev_slot = np.arange(len(dev_owner)) - np.repeat(np.cumsum(n_dev) - n_dev, n_dev)
    dev_id = dev_base[dev_owner] + dev_slot
    p_id = np.where(dev_slot == 0, np.where(web[dev_owner], 0.25, 0.7), 0.6)
    ident = rng.random(len(dev_id)) < p_id
    when = lead[dev_owner] + rng.exponential(35.0, len(dev_id)) * DAY
    li = np.flatnonzero(ident & (when <= AS_OF))
    later = _visits(
        rng,
        dev_id[li],
        when[li] - rng.uniform(1, 20, len(li)) * MINUTE,
        reg[dev_owner[li]],
        MIX_POST,
    )
    later_forms = _pick(rng, LATER_FORMS, len(li), LATER_FORM_P)
    later.landing = np.array([FORM_PAGES[f] for f in later_forms], dtype=object)
    parts.append(later)
    # Sessions after lead creation on any device (some after the opportunity closes).
    k = rng.poisson(4.0 * eng)
    owner = np.repeat(np.arange(n), k)
    dev = dev_base[owner] + (rng.random(len(owner)) * n_dev[owner]).astype(np.int64)
    t = lead[owner] + rng.exponential(45.0, len(owner)) * DAY
    parts.append(_visits(rng, dev, t, reg[owner], MIX_POST))
    contact_of = np.concatenate([who[wi], who[dev_owner[li]]])
    forms = Forms(
        anon=np.concatenate([dev_base[wi], dev_id[li]]),
        submitted=np.concatenate([submitted, when[li]]),
        email=_email_variant(rng, con.email[contact_of]),
        form=np.concatenate([form_name, later_forms]).astype(object),
        region=np.concatenate([reg[wi], reg[dev_owner[li]]]),
    )
    return parts, forms, int(n_dev.sum()), lead_category


def _visits(
    rng: np.random.Generator,
    anon: np.ndarray,
    started: np.ndarray,
    region: np.ndarray,
    mix: tuple[float, ...],
) -> Visits:
    """Visits inside the history window with categories drawn from a channel mix."""
    keep = (started >= HISTORY_START) & (started <= AS_OF)
    n = int(keep.sum())
    return Visits(
        anon=anon[keep],
        started=started[keep],
        category=rng.choice(len(CATEGORIES), n, p=mix),
        region=region[keep],
        landing=np.full(n, None, dtype=object),
    )


def _anonymous_visits(
    rng: np.random.Generator, n_accounts: int, first_anon: int
) -> tuple[Visits, Forms, int]:
    """Never-identified visitors (~5 per account); a few leave a personal e-mail."""
    n = int(rng.poisson(5.0 * n_accounts))
    k = rng.geometric(1 / 5.5, n)
    owner = np.repeat(np.arange(n), k)
    first = rng.uniform(HISTORY_START, AS_OF, n)
    gaps = rng.exponential(10.0, len(owner)) * DAY
    gaps[np.cumsum(k) - k] = 0.0  # a visitor's first session is at its first-visit time
    since_first = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[np.cumsum(k) - k], k)
    region = rng.choice(len(REGIONS), n, p=(0.45, 0.3, 0.15, 0.1))
    visits = _visits(rng, first_anon + owner, first[owner] + since_first, region[owner], MIX_ANON)
    leave = np.flatnonzero(rng.random(n) < 0.06)
    first_names = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), len(leave))]
    last_names = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), len(leave))]
    domains = _pick(rng, PERSONAL_DOMAINS, len(leave))
    digits = rng.integers(1, 999, len(leave))
    emails = np.array(
        [
            f"{_ascii(f)}{_ascii(la)}{d}@{dom}"
            for f, la, d, dom in zip(first_names, last_names, digits, domains, strict=True)
        ],
        dtype=object,
    )
    submitted = first[leave] + rng.uniform(0, 30, len(leave)) * DAY
    ok = submitted <= AS_OF
    forms = Forms(
        anon=first_anon + leave[ok],
        submitted=submitted[ok],
        email=_email_variant(rng, emails[ok]),
        form=_pick(rng, ("Newsletter", "Ebook Download", "Contact Us"), int(ok.sum())),
        region=region[leave[ok]],
    )
    sess = _visits(
        rng, first_anon + leave[ok], submitted[ok] - 5 * MINUTE, region[leave[ok]], MIX_ANON
    )
    sess.landing = np.array([FORM_PAGES[f] for f in forms.form], dtype=object)
    merged = Visits(
        *(
            np.concatenate([getattr(visits, f), getattr(sess, f)])
            for f in ("anon", "started", "category", "region", "landing")
        )
    )
    return merged, forms, n


def make_journeys(
    rng: np.random.Generator,
    cat: Campaigns,
    acc: Accounts,
    cyc: Cycles,
    con: Contacts,
    counters: dict[str, int],
) -> JourneyResult:
    """Sessions, forms and campaign members of a block; fills the contacts' lead_source."""
    region = acc.region[con.account]
    known, known_forms, n_known, lead_cat = _known_visits(rng, con, region, counters["anon"])
    anon_start = counters["anon"] + n_known
    anon_visits, anon_forms, n_anon = _anonymous_visits(rng, len(acc), anon_start)
    counters["anon"] = anon_start + n_anon
    visits = Visits(
        *(
            np.concatenate([getattr(v, f) for v in [*known, anon_visits]])
            for f in ("anon", "started", "category", "region", "landing")
        )
    )
    _set_lead_source(con, lead_cat)
    sessions = _session_frame(rng, cat, visits, counters)
    forms = _form_frame(rng, [known_forms, anon_forms], counters)
    members, responses = make_members(rng, cat, acc, cyc, con, counters)
    return JourneyResult(sessions, forms, members, responses, 0)


def _set_lead_source(con: Contacts, lead_cat: np.ndarray) -> None:
    """Lead source text: the lead form session's channel, else the lead mechanism."""
    src = np.array(CATEGORY_LEAD_SOURCE, dtype=object)[np.maximum(lead_cat, 0)]
    mech = np.array(
        [MECHANISM_LEAD_SOURCE.get(int(m), "Website") for m in con.mechanism], dtype=object
    )
    out = np.where(lead_cat >= 0, src, mech)
    con.lead_source[:] = np.where(np.isnan(con.lead_at), None, out)


def anon_label(numbers: np.ndarray) -> np.ndarray:
    """Anonymous ids that look like cookie ids: a bijective scramble of the counter in hex."""
    scrambled = (numbers.astype(np.uint64) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFFFF)
    return np.array([f"a{x:010x}" for x in scrambled.tolist()], dtype=object)


def _session_frame(
    rng: np.random.Generator, cat: Campaigns, v: Visits, counters: dict[str, int]
) -> Frame:
    """Session rows sorted by start time, ids from the running counter."""
    order = np.argsort(v.started, kind="stable")
    started, category, landing = v.started[order], v.category[order], v.landing[order]
    n = len(order)
    cols = session_columns(rng, cat, started, category, landing)
    style, offset = _clock_style(rng, v.region[order])
    first = counters["session"]
    counters["session"] = first + n
    frame: Frame = {
        "session_id": _ids("SES-", first, n, 10),
        "anonymous_id": anon_label(v.anon[order]),
        "started_at": started,
    }
    frame.update(
        {
            k: cols[k]
            for k in (
                "landing_page",
                "referrer",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "utm_content",
                "utm_term",
            )
        }
    )
    frame["started_at__style"] = style
    frame["started_at__offset"] = offset
    return frame


def _ids(prefix: str, first: int, n: int, width: int) -> np.ndarray:
    return np.array(
        [f"{prefix}{k:0{width}d}" for k in range(first + 1, first + n + 1)], dtype=object
    )


def _form_frame(rng: np.random.Generator, parts: list[Forms], counters: dict[str, int]) -> Frame:
    """Form submission rows sorted by time."""
    anon = np.concatenate([p.anon for p in parts])
    submitted = np.concatenate([p.submitted for p in parts])
    order = np.argsort(submitted, kind="stable")
    form = np.concatenate([p.form for p in parts])[order]
    style, offset = _clock_style(rng, np.concatenate([p.region for p in parts])[order])
    first = counters["submission"]
    counters["submission"] = first + len(order)
    return {
        "submission_id": _ids("SUB-", first, len(order), 8),
        "anonymous_id": anon_label(anon[order]),
        "email": np.concatenate([p.email for p in parts])[order],
        "submitted_at": submitted[order],
        "form_name": form,
        "page_url": np.array([SITE + FORM_PAGES[f] for f in form], dtype=object),
        "submitted_at__style": style,
        "submitted_at__offset": offset,
    }


# Member statuses per campaign type: (responded statuses, their p, other statuses, their p).
MEMBER_RULES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "Email": (0.45, ("Clicked",), ("Sent", "Opened")),
    "Webinar": (0.02, ("Attended", "Attended On-demand"), ("No Show",)),
    "Event": (0.015, ("Attended", "Visited Booth"), ("No Show",)),
    "Content Syndication": (0.01, ("Responded",), ()),
    "Outbound": (0.12, ("Replied", "Meeting Booked"), ("Sent",)),
    "Direct Mail": (0.05, ("Responded",), ("Sent",)),
    "Partner": (0.004, ("Referred",), ()),
    "Paid Social": (0.006, ("Form Submitted",), ()),
}
RESPOND_P = {"Email": 0.12, "Webinar": 0.6, "Event": 0.7, "Outbound": 0.15, "Direct Mail": 0.15}
MECH_STATUS = {
    "Webinar": "Attended",
    "Event": "Attended",
    "Content Syndication": "Responded",
    "Outbound": "Meeting Booked",
    "Partner": "Referred",
}


def make_members(
    rng: np.random.Generator,
    cat: Campaigns,
    acc: Accounts,
    cyc: Cycles,
    con: Contacts,
    counters: dict[str, int],
) -> tuple[Frame, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Campaign members: the lead-mechanism responses plus per-campaign audiences.

    Webinar, event and outbound audiences are drawn more from accounts whose
    buying cycle is about to start, so responses cluster before opportunities.
    """
    rows: list[tuple[np.ndarray, ...]] = []
    mech = np.flatnonzero(con.mech_campaign >= 0)
    for c in np.unique(con.mech_campaign[mech]):
        who = mech[con.mech_campaign[mech] == c]
        status = MECH_STATUS[str(cat.types[c])]
        resp = con.mech_response_at[who]
        created = np.minimum(np.maximum(con.created_at[who], resp - 20 * DAY), resp)
        if cat.types[c] == "Webinar":
            created = con.lead_at[who]
        rows.append(
            (
                who,
                np.full(len(who), c),
                np.full(len(who), status, dtype=object),
                np.ones(len(who), bool),
                created,
                resp,
            )
        )
    dark = acc.dark[con.account]
    tau = cyc.tau[con.cycle]
    for c in range(len(cat.ids)):
        ctype = str(cat.types[c])
        if ctype not in MEMBER_RULES or (ctype == "Paid Social" and "li-abm" not in cat.utm[c]):
            continue
        base, responded, other = MEMBER_RULES[ctype]
        start, end = cat.start[c] * DAY, (cat.end[c] + 1) * DAY - 1
        near = (tau >= start) & (tau <= end + 120 * DAY)
        p = (
            base
            + (0.10 if ctype in ("Webinar", "Event") else 0.2 if ctype == "Outbound" else 0.0)
            * near
        )
        if ctype in ("Webinar", "Event", "Content Syndication", "Partner", "Paid Social"):
            p = np.where(dark, 0.0, p)
        if ctype == "Direct Mail":
            p = np.where(acc.segment[con.account] >= 1, p, 0.0)
        # Registrations happen before the session, so webinar/event audiences exist by then.
        known_by = start if ctype in ("Webinar", "Event") else end
        pick = (con.created_at <= known_by) & (con.mech_campaign != c) & (rng.random(len(con)) < p)
        who = np.flatnonzero(pick)
        rows.append(_audience_rows(rng, cat, c, who, con, dark[who], responded, other))
    who, camp, status, has, created, resp = (np.concatenate(x) for x in zip(*rows, strict=True))
    order = np.lexsort((created, camp))
    who, camp, status, has, created, resp = (
        x[order] for x in (who, camp, status, has, created, resp)
    )
    first = counters["member"]
    counters["member"] = first + len(who)
    style = rng.choice(len(("t", "T", "1", "y")), len(who), p=(0.7, 0.1, 0.1, 0.1))
    frame: Frame = {
        "campaign_member_id": _ids("CMM-", first, len(who), 9),
        "campaign_id": cat.ids[camp],
        "contact_id": con.ids[who],
        "status": status,
        "has_responded": has,
        "created_at": created,
        "first_responded_at": resp,
        "has_responded__style": style,
    }
    return frame, (who[has], camp[has], resp[has])


def _audience_rows(
    rng: np.random.Generator,
    cat: Campaigns,
    c: int,
    who: np.ndarray,
    con: Contacts,
    dark: np.ndarray,
    responded: tuple[str, ...],
    other: tuple[str, ...],
) -> tuple[np.ndarray, ...]:
    """Member rows of one campaign audience: status, response flag and times in the dates."""
    n = len(who)
    ctype = str(cat.types[c])
    start, end = cat.start[c] * DAY, (cat.end[c] + 1) * DAY - 1
    p_resp = RESPOND_P.get(ctype, 1.0)
    has = (rng.random(n) < p_resp) & ~dark
    yes_status = _pick(rng, responded, n)
    no_status = _pick(rng, other, n) if other else np.full(n, None, dtype=object)
    if ctype in ("Webinar", "Event"):
        created = np.maximum(start - rng.uniform(1, 20, n) * DAY, con.created_at[who])
        days = np.floor(rng.random(n) * (cat.end[c] - cat.start[c] + 1))
        resp = start + days * DAY + rng.uniform(9, 18, n) * HOUR
    else:
        created = np.maximum(con.created_at[who], start) + rng.uniform(0, 3, n) * DAY
        created = np.minimum(created, end - HOUR)
        resp = created + rng.exponential(3.0, n) * DAY
        resp = np.minimum(resp, end)
    resp = np.where(has & (resp <= AS_OF), resp, np.nan)
    has = ~np.isnan(resp)
    keep = has | ~pd.isna(no_status)  # audiences without a non-response status drop those
    status = np.where(has, yes_status, no_status)
    created = np.minimum(created, np.fmin(resp, AS_OF))
    who, status, has, created, resp = (x[keep] for x in (who, status, has, created, resp))
    n = len(who)
    return who, np.full(n, c), status, has, created, resp
