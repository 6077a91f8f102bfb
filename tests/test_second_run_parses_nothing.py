"""A second run on unchanged inputs re-parses nothing.

dbt parses the project before every invocation; with the saved parse of the last one
(`partial_parse.msgpack` in the warehouse's dbt target folder) and no file, var, profile or
environment variable changed, it re-reads nothing. A change to any of those (the as-of var
passed anew on each run, a path that differs between runs) makes dbt log
`UnableToPartialParse` and parse all 800-odd nodes again: seconds on every run.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.warehouse_build import AS_OF, materialize_all


def _dbt_events(log: Path, skip: int) -> list[dict]:
    lines = log.read_text().splitlines()[skip:]
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_a_second_run_on_the_same_inputs_parses_nothing(tmp_path: Path) -> None:
    first = materialize_all(tmp_path, as_of=AS_OF, marts_only=True, dbt_data_tests=False)
    assert first.result.success
    target = tmp_path / "dbt_target"
    saved_parse = target / "partial_parse.msgpack"
    log = target / "dbt.log"
    parsed_at = saved_parse.stat().st_mtime_ns
    seen = len(log.read_text().splitlines())

    second = materialize_all(tmp_path, as_of=AS_OF, marts_only=True, dbt_data_tests=False)

    assert second.result.success
    events = _dbt_events(log, seen)
    invocations = {event["info"]["invocation_id"] for event in events}
    assert len(invocations) == 2, "the second run's two dbt steps (around the data-driven fit)"
    # At dbt's info level only a parse that could not be partial logs about parsing.
    about_parsing = [event["info"]["msg"] for event in events if "Pars" in event["info"]["name"]]
    assert about_parsing == []
    # Nothing was parsed, so nothing new was saved.
    assert saved_parse.stat().st_mtime_ns == parsed_at
