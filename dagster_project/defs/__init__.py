"""Dagster definitions, one sub-package per concern (ingest, dbt, ...)."""
