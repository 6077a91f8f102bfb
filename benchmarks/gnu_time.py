"""What both benchmark scripts share: one command under GNU time, and an empty Dagster home."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

TIME = "/usr/bin/time"


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Run once under GNU time; return (seconds, peak RSS in MB of the largest process).

    The command's output is kept only to show why it failed."""
    with tempfile.NamedTemporaryFile("r") as report:
        done = subprocess.run(
            [TIME, "-o", report.name, "-f", "%e %M", *command],
            cwd=cwd, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode})")
        seconds, kilobytes = report.read().split()[-2:]
    return float(seconds), int(kilobytes) // 1024


def fresh_dagster_home(home: Path) -> None:
    """An empty Dagster home with telemetry off, as the Makefile makes it."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
