"""Ingestion: the declared source contracts and landing of source exports into the raw area."""
