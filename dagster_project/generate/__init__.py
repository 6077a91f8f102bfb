"""Deterministic generator of the sample source data (seeds/) and of large test volumes.

Usage: ``python -m dagster_project.generate --scale 1 --out seeds --format csv``.
"""

from .runner import generate

__all__ = ["generate"]
