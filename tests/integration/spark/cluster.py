"""Real Spark processes on 127.0.0.1 for the tests (issue 15): a standalone cluster (a master and
workers) and a Spark Connect server, started from the installed pyspark's own launchers.

Each process runs in its own process group with its output in a log file, is waited for within
a deadline (the master's JSON UI lists the workers ALIVE; the Connect port accepts), and is always
stopped: the whole group gets SIGTERM, then SIGKILL, so no JVM outlives the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
HOST = "127.0.0.1"
START_DEADLINE_S = 120.0  # a cold JVM on a busy 2-core CI machine takes ~10-40 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def spark_env() -> dict[str, str]:
    """Everything bound to loopback; executors run this interpreter (the project's venv)."""
    return {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_MASTER_HOST": HOST,
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


@dataclass
class Processes:
    """Started process groups and their logs; `stop` ends every group, last started first."""

    logs: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=spark_env(),
                start_new_session=True,  # its own group: killpg reaches the JVM it execs
            )
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            _end_group(process)
        self.started.clear()

    def tail(self, lines: int = 30) -> str:
        """The end of every log, for a failure message."""
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@dataclass(frozen=True)
class Cluster:
    master_url: str
    web_url: str

    def policy_spark(self) -> dict[str, Any]:
        """The policy's `spark:` section for this cluster: one small executor on each worker."""
        return {
            "master": self.master_url,
            "conf": {
                "spark.executor.cores": "1",
                "spark.executor.memory": "512m",
                "spark.cores.max": "2",  # one executor on each worker
                "spark.sql.shuffle.partitions": "4",
                "spark.driver.host": HOST,
            },
        }


def alive_workers(web_url: str) -> int:
    """ALIVE workers in the master's JSON UI (0 while it is not answering yet)."""
    try:
        with urllib.request.urlopen(f"{web_url}/json/", timeout=2) as reply:
            state = json.load(reply)
    except (OSError, ValueError):
        return 0
    return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")


@contextlib.contextmanager
def standalone_cluster(logs: Path, workers: int = 2) -> Iterator[Cluster]:
    """A master and `workers` workers (1 core, 1 GB each) on 127.0.0.1, up within the deadline."""
    port, web = free_port(), free_port()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    cluster = Cluster(f"spark://{HOST}:{port}", f"http://{HOST}:{web}")
    processes = Processes(logs)
    try:
        processes.start(
            "master",
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", HOST,
             "--port", str(port), "--webui-port", str(web)],
        )  # fmt: skip
        for index in range(workers):
            processes.start(
                f"worker-{index}",
                [spark_class, "org.apache.spark.deploy.worker.Worker", cluster.master_url,
                 "--host", HOST, "--webui-port", str(free_port()), "--cores", "1",
                 "--memory", "1g", "--work-dir", str(logs / f"work-{index}")],
            )  # fmt: skip
        _wait_for(lambda: alive_workers(cluster.web_url) >= workers, processes, "workers ALIVE")
        yield cluster
    finally:
        processes.stop()


@contextlib.contextmanager
def connect_server(logs: Path) -> Iterator[str]:
    """A Spark Connect server (local[2]) on 127.0.0.1; yields its `sc://` URL."""
    port = free_port()
    processes = Processes(logs)
    try:
        processes.start(
            "connect",
            [str(SPARK_HOME / "sbin" / "start-connect-server.sh"), "--wait",
             "--master", "local[2]", "--conf", f"spark.connect.grpc.binding.port={port}",
             "--conf", f"spark.connect.grpc.binding.address={HOST}",
             "--conf", "spark.ui.enabled=false"],
        )  # fmt: skip
        _wait_for(lambda: _accepts(port), processes, f"Spark Connect on port {port}")
        yield f"sc://{HOST}:{port}"
    finally:
        processes.stop()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _wait_for(ready: object, processes: Processes, what: str) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        dead = [p.args for p in processes.started if p.poll() is not None]
        if dead:
            raise RuntimeError(f"a Spark process exited early: {dead}\n{processes.tail()}")
        time.sleep(0.5)
    raise TimeoutError(f"no {what} within {START_DEADLINE_S:g} s\n{processes.tail()}")


def check_variant(
    policy: Path, changes: dict[str, Any], name: str, *, timeout: float, codes: tuple[int, ...]
) -> dict[str, Any]:
    """`mlops-gate check` of `policy` with `changes` merged in (`data` keys into `data:`), run
    with the cluster's environment; its results JSON. The exit code must be one of `codes`."""
    import yaml

    from tests.support import run_cli

    document = yaml.safe_load(policy.read_text())
    document["data"].update(changes.pop("data", {}))
    document.update(changes)
    variant = policy.with_name(f"{name}.yaml")
    variant.write_text(yaml.safe_dump(document, sort_keys=False))
    results = policy.parent / f"{name}.json"
    run = run_cli(
        "check", str(variant), "--no-cache", "--json", str(results),
        "--evidence", str(policy.parent / f"{name}.evidence.json"),
        cwd=policy.parent, env=spark_env(), timeout=timeout,
    )  # fmt: skip
    assert run.returncode in codes, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    found: dict[str, Any] = json.loads(results.read_text())
    return found
