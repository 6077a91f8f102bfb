"""The independent pandas reference of the attribution marts (docs/attribution_rules.md).

Written from the rules, never from the dbt SQL or its lookups, so the tests compare two
implementations: `attribution` derives fct_attribution, `lead_attribution` fct_lead_attribution,
`inputs` reads and normalises what they take, `compare` reports their differences.
"""

from tests.helpers.reference.attribution import (
    MODELS,
    NS_PER_DAY,
    OUTPUT_COLUMNS,
    UNATTRIBUTED_CHANNEL,
    ModelSpec,
    credited_rows,
    reference_attribution,
    role_credit,
)
from tests.helpers.reference.compare import compare_attribution, compare_frames, credit_sum_problems
from tests.helpers.reference.inputs import (
    as_ns,
    compute_amount_usd,
    dedupe_latest,
    read_parquet_area,
    to_bool,
    to_id,
    to_naive_utc,
    usd_cents,
)

__all__ = [
    "MODELS",
    "NS_PER_DAY",
    "OUTPUT_COLUMNS",
    "UNATTRIBUTED_CHANNEL",
    "ModelSpec",
    "as_ns",
    "compare_attribution",
    "compare_frames",
    "compute_amount_usd",
    "credit_sum_problems",
    "credited_rows",
    "dedupe_latest",
    "read_parquet_area",
    "reference_attribution",
    "role_credit",
    "to_bool",
    "to_id",
    "to_naive_utc",
    "usd_cents",
]
