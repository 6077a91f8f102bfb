"""The rendered source contracts in docs/ are generated from the code and must not drift.

Regenerate with `.venv/bin/python tests/test_contract_docs.py`.
"""

from __future__ import annotations

from dagster_project.defs.ingest.contracts import contract_markdown, presence_markdown
from dagster_project.settings import REPO_ROOT

DOC = REPO_ROOT / "docs" / "source_contracts.md"
HEADER = (
    "# Source contracts\n\n"
    "Generated from `dagster_project/defs/ingest/contracts.py` (what ingestion enforces); "
    "`tests/test_contract_docs.py` fails when this file is stale. A row that breaks a rule is "
    "quarantined with its file, line, column and reason; a file missing a required column "
    "fails its asset.\n\n"
)


def expected() -> str:
    return HEADER + contract_markdown().rstrip("\n") + "\n"


def render() -> None:
    DOC.write_text(expected())


def test_rendered_contracts_are_current() -> None:
    assert DOC.read_text() == expected(), "docs/source_contracts.md is stale: run render()"


def test_seeds_readme_says_which_sources_are_required() -> None:
    """The sample's README carries the same paragraph, word for word (paste presence_markdown())."""
    assert presence_markdown() in (REPO_ROOT / "seeds" / "README.md").read_text()


if __name__ == "__main__":
    render()
