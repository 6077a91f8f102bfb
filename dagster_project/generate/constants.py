"""Fixed calendar, vocabularies and tuning knobs of the sample-data generator.

Time is handled as float epoch seconds (UTC) and dates as float epoch days so
that NaN can stand for NULL and numpy arithmetic stays vectorised.  Nothing
here depends on the wall clock: the data is "as of" a fixed date.
"""

from __future__ import annotations

import numpy as np

DAY = 86_400.0
HOUR = 3_600.0
MINUTE = 60.0


def to_seconds(iso: str) -> float:
    """Epoch seconds of a naive (UTC) ISO timestamp or date."""
    return float(np.datetime64(iso, "s").astype("int64"))


HISTORY_START = to_seconds("2024-10-01T00:00:00")
AS_OF = to_seconds("2026-09-30T23:59:59")
ACCOUNT_EPOCH = to_seconds("2021-01-01T00:00:00")
FX_START = "2024-09-01"
FX_END = "2026-12-31"
TARGET_MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][9:]

ACCOUNTS_PER_SCALE = 300
BLOCK_ACCOUNTS = 100  # unit of randomness: output does not depend on --chunk-accounts
DEFAULT_CHUNK_ACCOUNTS = 500

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
SEGMENT_P = (0.6, 0.3, 0.1)
EMPLOYEE_RANGE = ((10, 200), (200, 2_000), (2_000, 50_000))
CONTACTS_RANGE = ((5, 10), (8, 15), (12, 20))
WIN_RATE = (0.30, 0.25, 0.20)
CYCLE_DAYS = ((45.0, 20.0), (80.0, 30.0), (130.0, 35.0))  # mean, sd of sales-cycle length
AMOUNT = (
    (10_000.0, 0.35, 5_000.0, 20_000.0),  # median, sigma, floor, cap
    (40_000.0, 0.40, 20_000.0, 80_000.0),
    (160_000.0, 0.50, 80_000.0, 400_000.0),
)

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
REGION_P = (0.45, 0.30, 0.15, 0.10)
REGION_OFFSETS_MIN = (
    (-300, -240, -360, -420, -480),
    (0, 60, 120),
    (330, 480, 540, 600),
    (-180, -300),
)
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Education",
    "Media & Entertainment",
    "Logistics",
    "Professional Services",
)

OPEN_STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")
ROLES = (
    "Decision Maker",
    "Economic Buyer",
    "Champion",
    "Influencer",
    "Evaluator",
    "Technical Buyer",
)

NAME_PREFIXES = (
    "Blue",
    "North",
    "Bright",
    "Iron",
    "Silver",
    "Quantum",
    "Nova",
    "Apex",
    "Cedar",
    "Summit",
    "Harbor",
    "Pine",
    "Red",
    "Stone",
    "Swift",
    "Lumen",
    "Vertex",
    "Atlas",
    "Orbit",
    "Prairie",
    "Golden",
    "Clear",
    "Deep",
    "Green",
    "Crystal",
    "Falcon",
    "Maple",
    "Ocean",
    "Polar",
    "River",
    "Sky",
    "Sun",
    "True",
    "Vivid",
    "Wild",
    "Zen",
    "Aero",
    "Bold",
    "Core",
    "Echo",
)
NAME_STEMS = (
    "peak",
    "field",
    "loop",
    "gate",
    "wave",
    "path",
    "line",
    "stack",
    "point",
    "bridge",
    "forge",
    "works",
    "mark",
    "base",
    "grid",
    "light",
    "wood",
    "rock",
    "leaf",
    "star",
    "bay",
    "ridge",
    "view",
    "port",
    "sign",
    "flow",
    "hub",
    "scale",
    "mint",
    "shift",
    "spark",
    "vale",
    "wing",
    "yard",
    "dock",
    "cast",
    "crest",
    "dale",
    "glen",
    "lane",
)
NAME_SUFFIXES = (
    "Analytics",
    "Labs",
    "Systems",
    "Logistics",
    "Health",
    "Bank",
    "Foods",
    "Group",
    "Dynamics",
    "Retail",
    "Media",
    "Capital",
    "Networks",
    "Robotics",
    "Energy",
    "Learning",
    "Holdings, Inc.",
    "Software",
    "GmbH",
    "Ltd",
    "& Co.",
    "Partners",
)
TLDS = ("com", "io", "co", "net", "ai", "de", "co.uk", "com.br")

FIRST_NAMES = (
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Priya",
    "Ashley",
    "Wei",
    "Emily",
    "Lukas",
    "Sophie",
    "Mateo",
    "Ana",
    "Hiroshi",
    "Yuki",
    "Oliver",
    "Amelia",
    "Noah",
    "Chloé",
    "Jürgen",
    "Ingrid",
    "Rahul",
    "Aisha",
    "Diego",
    "Lucía",
    "Sean",
    "Zoë",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "O'Neil",
    "Müller",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Tanaka",
    "Sato",
    "Kim",
    "Patel",
    "Singh",
    "Chen",
    "Wang",
    "Nguyen",
    "Silva",
    "Santos",
    "Kowalski",
    "Novak",
    "Jensen",
    "Larsen",
    "Fischer",
)
JOB_TITLES = (
    "CEO",
    "CFO",
    "CTO",
    "VP, Marketing",
    "VP Sales",
    "Head of Revenue Operations",
    "Marketing Manager",
    "Demand Generation Manager",
    "Data Analyst",
    "Director of Engineering",
    "Software Engineer",
    "Sales Operations Manager",
    "Product Manager",
    "IT Director",
    "Procurement Specialist",
    "Chief Data Officer",
    "Growth Lead",
    "Operations Manager",
)
PERSONAL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me")
FREELANCE_DOMAINS = ("consultant.dev", "freelance-data.net", "advisory.pro")

SITE = "https://www.example-saas.com"
LANDING_PAGES = (
    "/",
    "/pricing",
    "/product",
    "/demo",
    "/blog/what-is-multi-touch-attribution",
    "/blog/b2b-pipeline-metrics",
    "/customers",
    "/integrations/salesforce",
    "/lp/attribution-guide",
    "/lp/free-trial",
    "/docs/getting-started",
    "/about",
)
PAID_LANDING_PAGES = ("/lp/attribution-guide", "/lp/free-trial", "/demo", "/pricing")
FORM_PAGES = {
    "Demo Request": "/demo",
    "Contact Us": "/contact",
    "Ebook Download": "/resources/ebook-b2b-attribution",
    "Webinar Registration": "/webinars/register",
    "Newsletter": "/blog",
}
SEARCH_TERMS = (
    "attribution software",
    "b2b attribution",
    "multi touch attribution",
    "marketing attribution tool",
    "pipeline analytics",
    "example saas",
    "example saas pricing",
    "revenue attribution b2b",
)
PARTNER_SITES = ("https://www.cloudco-partners.com/marketplace", "https://datasys.io/partners")
