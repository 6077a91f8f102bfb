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
from pathlib import Path

from dagster_project.lib.engines import spark_profile_settings
from dagster_project.settings import (
    SparkClusterSettings,
    inherited_environment,
    load_spark_cluster_settings,
)

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
HOST = "127.0.0.1"
PIDS_FILE = "pids.json"


class ClusterError(RuntimeError):
    """The cluster did not come up (the message names the log to read)."""


def _master_url(config: SparkClusterSettings) -> str:
    return f"spark://{HOST}:{config.master_port}"


def _logs(config: SparkClusterSettings) -> Path:
    return config.root / "logs"


def spark_home() -> Path:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise ClusterError("pyspark is not installed: pip install -e '.[spark]'")
    return Path(spec.origin).parent


def _environment(config: SparkClusterSettings) -> dict[str, str]:
    home = spark_home()
    return {
        **inherited_environment(),
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(_logs(config)),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOCAL_DIRS": str(config.root / "local"),
        "SPARK_WORKER_DIR": str(config.root / "work"),
        "PYSPARK_PYTHON": sys.executable,
    }


def _thrift_server_conf(config: SparkClusterSettings) -> list[str]:
    """The `spark` profile's settings with the cluster's folders, plus what a shared server
    needs: dbt-spark turns ANSI mode off in its own session, so the server does the same; and
    a result goes to the client a partition at a time (Spark's default collects it whole in
    the server's heap first: reading the sample's fct_attribution ran out of the default 1 GB
    heap once)."""
    settings = spark_profile_settings(str(config.root))
    settings.pop("spark.master", None)
    settings.update(
        {
            "spark.sql.ansi.enabled": "false",
            "spark.executor.memory": config.executor_memory,
            "spark.driver.memory": config.driver_memory,
            "spark.sql.thriftServer.incrementalCollect": "true",
            "spark.cores.max": str(config.worker_cores),
            "spark.driver.host": HOST,
            "spark.driver.bindAddress": HOST,
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={config.root}",
        }
    )
    return [arg for key, value in sorted(settings.items()) for arg in ("--conf", f"{key}={value}")]


def _commands(config: SparkClusterSettings) -> dict[str, list[str]]:
    bin_dir = spark_home() / "bin"
    return {
        "master": [
            str(bin_dir / "spark-class"), MASTER_CLASS, "--host", HOST,
            "--port", str(config.master_port), "--webui-port", str(config.master_ui_port),
        ],
        "worker": [
            str(bin_dir / "spark-class"), WORKER_CLASS, _master_url(config), "--host", HOST,
            "--cores", str(config.worker_cores), "--memory", config.worker_memory,
            "--webui-port", str(config.worker_ui_port),
            "--work-dir", str(config.root / "work"),
        ],
        "thrift_server": [
            str(bin_dir / "spark-submit"), "--master", _master_url(config),
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
    config: SparkClusterSettings,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if any(process.poll() is not None for process in started):
            down(config)
            raise ClusterError(f"{what}: a process of the cluster exited, see {_logs(config)}")
        time.sleep(1)
    down(config)
    raise ClusterError(f"{what} did not come up within {timeout:.0f} s: see {_logs(config)}")


def _answers(config: SparkClusterSettings) -> bool:
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


def read_pids(config: SparkClusterSettings) -> dict[str, int]:
    path = config.root / PIDS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _alive(pid: int, name: str) -> bool:
    """Whether `pid` still runs the process `up` started as `name` (its launcher script, then
    the JVM it execs: both name the class)."""
    proc = Path(f"/proc/{pid}")
    for _ in range(20):
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return False
        if state == "Z":
            return False
        if cmdline:
            return _SIGNATURE[name] in cmdline
        time.sleep(0.05)  # empty for the instant a process execs: read it again
    return False  # a kernel thread, never ours


def up(config: SparkClusterSettings, timeout: float = 240) -> dict[str, int]:
    """Start master, worker and Thrift server; return their process ids once the endpoint
    answers. A cluster already running from this folder is left as it is."""
    running = read_pids(config)
    if running and all(_alive(pid, name) for name, pid in running.items()):
        return running
    down(config)
    for folder in (_logs(config), config.root / "warehouse", config.root / "work"):
        folder.mkdir(parents=True, exist_ok=True)
    busy = [p for p in (config.master_port, config.thrift_port) if _listening(p)]
    if busy:
        raise ClusterError(f"port(s) {busy} already in use on {HOST}: set ATTRIBUTION_SPARK_*")
    env = _environment(config)
    pids: dict[str, int] = {}
    started: list[subprocess.Popen[bytes]] = []
    for name, command in _commands(config).items():
        with (_logs(config) / f"{name}.log").open("ab") as log:
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


def _worker_registered(config: SparkClusterSettings) -> bool:
    log = _logs(config) / "worker.log"
    return log.exists() and "Successfully registered with master" in log.read_text(errors="replace")


def down(config: SparkClusterSettings, timeout: float = 30) -> list[str]:
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
def running(config: SparkClusterSettings) -> Iterator[dict[str, int]]:
    """A cluster for the block: started, then stopped whatever happens."""
    try:
        yield up(config)
    finally:
        down(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("up", "down", "status"))
    args = parser.parse_args(argv)
    config = load_spark_cluster_settings()
    if args.action == "up":
        pids = up(config)
        print(f"Spark cluster up: master {_master_url(config)}, Thrift server {HOST}:"
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
