"""No Python module over 700 lines: past that size a module has usually grown a second reason
to change (landing.py once held a tokenizer, a SQL compiler and bookkeeping), and a newcomer
has to read all of it to change one part."""

from __future__ import annotations

from dagster_project.settings import REPO_ROOT

MAX_LINES = 700
PACKAGES = ("dagster_project", "tests", "benchmarks", "scripts")


def test_no_module_is_over_700_lines() -> None:
    sizes = {
        path.relative_to(REPO_ROOT): len(path.read_text().splitlines())
        for package in PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
    }
    assert len(sizes) > 50, "the scan found too few modules: are the package names right?"
    too_long = {str(path): lines for path, lines in sizes.items() if lines > MAX_LINES}
    assert not too_long, (
        f"modules over {MAX_LINES} lines (split them by reason to change): {too_long}"
    )
