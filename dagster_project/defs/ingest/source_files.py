"""Which files make up a source export, and the one error that stops a landing.

The landing and the sensor must agree on what a source's input is, or the sensor would
trigger runs the landing ignores (or miss files it reads): both discover files here.
``SourceFileError`` lives here because discovery is where whole-file problems start; header
reading and staging raise it too.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.defs.ingest.contracts import SOURCE_CONTRACTS, TOUCH_SOURCES, SourceContract

INPUT_SUFFIXES = (".csv", ".parquet")


class SourceFileError(ValueError):
    """A source export cannot be landed at all (missing file or column, unreadable file).

    The message always names the file (relative to the source directory) and, for header
    problems, the column, so a user can fix the export. Row-level problems are never raised:
    those rows are quarantined.
    """


def relative_path(path: Path, source_dir: Path) -> str:
    """An input file's path relative to the source directory, with forward slashes.

    It is the lineage value ``_source_file`` and the key of the manifest, so it must not
    depend on the platform or on where the source directory is mounted.
    """
    return Path(os.path.relpath(Path(path), Path(source_dir))).as_posix()


def find_input_files(contract: SourceContract, source_dir: Path) -> list[Path]:
    """All input files of a source, sorted by their path relative to ``source_dir``.

    A source may be ``NAME.csv``, ``NAME.parquet`` and/or a folder ``NAME/`` of such files
    (daily drops); all that exist are read together, so nothing a user dropped is ignored.
    An optional source with none of them has no input (``[]``); a required one is an error,
    and so is a folder without input files (someone meant to provide the source).
    """
    base = Path(source_dir) / contract.family
    candidates = [base / f"{contract.name}{suffix}" for suffix in INPUT_SUFFIXES]
    files = [p for p in candidates if p.is_file()]
    folder = base / contract.name
    folder_exists = folder.is_dir()
    if folder_exists:
        files += [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES]
    if not files:
        expected = ", ".join(str(p) for p in [*candidates, folder])
        if folder_exists:
            raise SourceFileError(
                f"{contract.qualified_name}: folder {folder} holds no .csv or .parquet file"
            )
        if contract.required:
            raise SourceFileError(
                f"{contract.qualified_name}: no input found for this required source; "
                f"expected one of {expected}/"
            )
    return sorted(files, key=lambda p: relative_path(p, source_dir))


def require_a_touch_source(contract: SourceContract, source_dir: Path) -> None:
    """Fail when no touch source has input: attribution without touches is meaningless.

    A touch source whose folder is empty counts as provided here: its own landing fails
    with the more precise message.
    """
    for qualified in TOUCH_SOURCES:
        try:
            if find_input_files(SOURCE_CONTRACTS[qualified], source_dir):
                return
        except SourceFileError:
            return
    accepted = ", ".join(TOUCH_SOURCES)
    raise SourceFileError(
        f"{contract.qualified_name}: no touch source in {source_dir}: provide at least one of "
        f"{accepted} (each as <family>/<name>.csv, <family>/<name>.parquet or a folder "
        "<family>/<name>/ of such files)"
    )
