"""A Spark cluster on this machine, from the pinned pyspark alone: `python -m
dagster_project.lib.spark_cluster up|down|status` (`make cluster-up` / `make cluster-down`).

It is what a user who outgrows one DuckDB file points the job at, shrunk to one host: a
standalone master and one worker bound to 127.0.0.1, and Spark's Thrift server (the Hive
JDBC/ODBC endpoint that dbt's `spark_thrift` target, the checks and publishing talk to) as
an application on that master. Everything it writes is under one folder
(`ATTRIBUTION_SPARK_CLUSTER_DIR`, default `<data>/spark_cluster`): the tables
(`warehouse/`), the Hive metastore (`metastore_db`, embedded Derby: only the Thrift server
opens it), the logs and `pids.json`. `down` stops the processes that file names and only
those, each after checking that the process id still runs what `up` started (an id can be
reused once a process is gone).

pyspark ships the launchers (`bin/spark-class`, `bin/spark-submit`) and every jar; nothing
is downloaded. The Thrift server takes the `spark` profile's settings (time zone, timestamp
type, shuffle partitions) so a cluster build computes what the session build computes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.engines import spark_profile_settings
from dagster_project.settings import inherited_environment, load_spark_cluster_settings

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
HOST = "127.0.0.1"
PIDS_FILE = "pids.json"


class ClusterError(RuntimeError):
    """The cluster did not come up (the message names the log to read)."""


@dataclass(frozen=True)
class ClusterConfig:
    """Where the cluster keeps its files and which ports it listens on (environment)."""

    root: Path
    master_port: int = 7077
    thrift_port: int = 10000
    master_ui_port: int = 8080
    worker_ui_port: int = 8081
    worker_cores: int = 2
    worker_memory: str = "4g"
    executor_memory: str = "3g"

    @classmethod
    def from_env(cls) -> ClusterConfig:
        given = load_spark_cluster_settings()
        return cls(**{**vars(given), "root": given.root.expanduser().resolve()})

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.master_port}"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def spark_home() -> Path:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise ClusterError("pyspark is not installed: pip install -e '.[spark]'")
    return Path(spec.origin).parent


def _environment(config: ClusterConfig) -> dict[str, str]:
    home = spark_home()
    return {
        **inherited_environment(),
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(config.logs),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_DIRS": str(config.root / "local"),
        "SPARK_WORKER_DIR": str(config.root / "work"),
        "PYSPARK_PYTHON": sys.executable,
    }


def _thrift_server_conf(config: ClusterConfig) -> list[str]:
    """The `spark` profile's settings with the cluster's folders, plus what a shared server
    needs: dbt-spark turns ANSI mode off in its own session, so the server does the same."""
    settings = spark_profile_settings(str(config.root))
    settings.pop("spark.master", None)
    settings.update(
        {
            "spark.sql.ansi.enabled": "false",
            "spark.executor.memory": config.executor_memory,
            "spark.cores.max": str(config.worker_cores),
            "spark.driver.host": HOST,
            "spark.driver.bindAddress": HOST,
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={config.root}",
        }
    )
    return [arg for key, value in sorted(settings.items()) for arg in ("--conf", f"{key}={value}")]


def _commands(config: ClusterConfig) -> dict[str, list[str]]:
    bin_dir = spark_home() / "bin"
    return {
        "master": [
            str(bin_dir / "spark-class"), MASTER_CLASS, "--host", HOST,
            "--port", str(config.master_port), "--webui-port", str(config.master_ui_port),
        ],
        "worker": [
            str(bin_dir / "spark-class"), WORKER_CLASS, config.master_url, "--host", HOST,
            "--cores", str(config.worker_cores), "--memory", config.worker_memory,
            "--webui-port", str(config.worker_ui_port),
            "--work-dir", str(config.root / "work"),
        ],
        "thrift_server": [
            str(bin_dir / "spark-submit"), "--master", config.master_url,
            "--class", THRIFT_SERVER_CLASS, "--name", "attribution-thrift-server",
            *_thrift_server_conf(config),
            "--hiveconf", f"hive.server2.thrift.port={config.thrift_port}",
            "--hiveconf", f"hive.server2.thrift.bind.host={HOST}",
            "spark-internal",
        ],
    }  # fmt: skip


# What each process's command line holds, to recognise it before a signal is sent.
_SIGNATURE = {"master": MASTER_CLASS, "worker": WORKER_CLASS, "thrift_server": THRIFT_SERVER_CLASS}


def _listening(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _wait_for(
    what: str,
    ready: Callable[[], bool],
    started: Sequence[subprocess.Popen[bytes]],
    config: ClusterConfig,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if any(process.poll() is not None for process in started):
            down(config)
            raise ClusterError(f"{what}: a process of the cluster exited, see {config.logs}")
        time.sleep(1)
    down(config)
    raise ClusterError(f"{what} did not come up within {timeout:.0f} s: see {config.logs}")


def _answers(config: ClusterConfig) -> bool:
    """The Thrift endpoint runs a query (listening alone is not enough: the server opens its
    port before the metastore is ready)."""
    from pyhive import hive  # the spark extra; only the cluster and its target need it

    if not _listening(config.thrift_port):
        return False
    try:
        with contextlib.closing(hive.connect(host=HOST, port=config.thrift_port)) as con:
            cursor = con.cursor()
            cursor.execute("select 1")
            return cursor.fetchall() == [(1,)]
    except Exception:  # any failure means "not yet"
        return False


def read_pids(config: ClusterConfig) -> dict[str, int]:
    path = config.root / PIDS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _alive(pid: int, name: str) -> bool:
    """Whether `pid` still runs the process `up` started as `name` (its launcher script, then
    the JVM it execs: both name the class)."""
    proc = Path(f"/proc/{pid}")
    try:
        cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        return False
    # Empty for the instant the launcher execs the JVM: the same process, still ours.
    return not cmdline or _SIGNATURE[name] in cmdline


def up(config: ClusterConfig, timeout: float = 240) -> dict[str, int]:
    """Start master, worker and Thrift server; return their process ids once the endpoint
    answers. A cluster already running from this folder is left as it is."""
    running = read_pids(config)
    if running and all(_alive(pid, name) for name, pid in running.items()):
        return running
    down(config)
    for folder in (config.logs, config.root / "warehouse", config.root / "work"):
        folder.mkdir(parents=True, exist_ok=True)
    busy = [p for p in (config.master_port, config.thrift_port) if _listening(p)]
    if busy:
        raise ClusterError(f"port(s) {busy} already in use on {HOST}: set ATTRIBUTION_SPARK_*")
    env = _environment(config)
    pids: dict[str, int] = {}
    started: list[subprocess.Popen[bytes]] = []
    for name, command in _commands(config).items():
        with (config.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(  # the launchers shipped with pyspark
                command, cwd=config.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        pids[name] = process.pid
        started.append(process)
        (config.root / PIDS_FILE).write_text(json.dumps(pids))
        if name == "master":
            ready = functools.partial(_listening, config.master_port)
        elif name == "worker":
            ready = functools.partial(_worker_registered, config)
        else:
            ready = functools.partial(_answers, config)
        _wait_for(f"the {name.replace('_', ' ')}", ready, started, config, timeout)
    return pids


def _worker_registered(config: ClusterConfig) -> bool:
    log = config.logs / "worker.log"
    return log.exists() and "Successfully registered with master" in log.read_text(errors="replace")


def down(config: ClusterConfig, timeout: float = 30) -> list[str]:
    """Stop what `up` started (Thrift server first, master last); return what was stopped."""
    stopped = []
    pids = read_pids(config)
    for name in ("thrift_server", "worker", "master"):
        pid = pids.get(name)
        if pid is None or not _alive(pid, name):
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)  # its own session: the launcher and its JVM
        stopped.append(name)
        deadline = time.monotonic() + timeout
        while _alive(pid, name) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid, name):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    (config.root / PIDS_FILE).unlink(missing_ok=True)
    return stopped


@contextlib.contextmanager
def running(config: ClusterConfig) -> Iterator[dict[str, int]]:
    """A cluster for the block: started, then stopped whatever happens."""
    try:
        yield up(config)
    finally:
        down(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("up", "down", "status"))
    args = parser.parse_args(argv)
    config = ClusterConfig.from_env()
    if args.action == "up":
        pids = up(config)
        print(f"Spark cluster up: master {config.master_url}, Thrift server {HOST}:"
              f"{config.thrift_port} (pids {pids}); files under {config.root}")  # fmt: skip
    elif args.action == "down":
        stopped = down(config)
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
    else:
        pids = read_pids(config)
        for name, pid in pids.items():
            print(f"{name}: pid {pid} {'running' if _alive(pid, name) else 'gone'}")
        if not pids:
            print("not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
