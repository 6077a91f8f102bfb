"""The processes a test started, found through Linux /proc."""

from __future__ import annotations

import contextlib
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process under `pid`, children before their own children; a process that ends
    while it is read is left out."""
    found: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                stack += [int(child) for child in children.read_text().split()]
        if parent != pid:
            found.append(parent)
    return found
