"""The asset groups of the Dagster UI, in one place, so assets and tests agree on them.

The graph reads left to right as the data flows: sources are landed (ingestion), dbt
builds lookups, staging, intermediate, marts, reports and the semantic layer, and the
proven public tables are published. Other modules import these names; none spells them.
"""

from __future__ import annotations

INGESTION = "ingestion"
"""Every source landing asset (raw/<family>/<source>); the family is a tag and in the key."""

LOOKUPS = "lookups"
"""dbt seeds: channels, channel rules, attribution model weights."""

REPORTS = "reports"
"""The leadership reports (the rpt_ models)."""

DBT_LAYERS = ("staging", "intermediate", "marts", REPORTS, "semantic")
"""dbt models, grouped by the top folder (layer) they live in under dbt/models/."""

PUBLISHING = "publishing"
"""What leaves the warehouse for readers (serving database, leadership report), once proven."""

ALL_GROUPS = (INGESTION, LOOKUPS, *DBT_LAYERS, PUBLISHING)
"""Every group a materializable asset may be in, in the order data flows through them."""
