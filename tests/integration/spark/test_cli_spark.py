"""`mlops-gate check` on a Spark policy, as a user runs it (issue 15): the pandas policy's verdict
and numbers, evidence binding the data files, nothing from the JVM on the terminal; and an
unreachable cluster is one line and exit 2 within the deadline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.support import binary_frame, run_cli, write_policy, write_table

pytestmark = pytest.mark.integration

GATES = [{"type": "drift", "max": 5, "warn": 0.1, "columns": ["f0", "f1", "f2", "group"]}]


def _data(folder: Path) -> None:
    reference = binary_frame(600, seed=1)
    reference.loc[reference.index % 7 == 0, "f1"] = np.nan
    write_table(reference, folder / "reference.parquet")  # NaN only here: a NaN bin of its own
    lake = folder / "lake"  # the eval set as Spark writes it: a directory of part files
    current = binary_frame(600, seed=2, shift=0.3)
    write_table(current.iloc[:250], lake / "part-00000.parquet")
    write_table(current.iloc[250:], lake / "part-00001.parquet")
    write_table(current, folder / "eval.parquet")


def _policy(folder: Path, engine: str, name: str, **extra: object) -> Path:
    data = {
        "engine": engine,
        "eval": "lake" if engine == "spark" else "eval.parquet",
        "reference": "reference.parquet",
    }
    document = {"version": 1, "name": "lake", "data": data, "gates": GATES, **extra}
    return write_policy(folder, document, name=name)


@pytest.mark.slow
def test_check_on_spark_gives_the_pandas_numbers(tmp_path: Path) -> None:
    _data(tmp_path)
    spark = _policy(tmp_path, "spark", "spark.yaml", spark={"master": "local[2]"})
    pandas = _policy(tmp_path, "pandas", "pandas.yaml")
    on_pandas = run_cli("check", "pandas.yaml", "--no-cache", "--json", "p.json", cwd=tmp_path)
    on_spark = run_cli("check", spark.name, "--no-cache", "--json", "s.json", cwd=tmp_path)
    assert on_spark.returncode == on_pandas.returncode == 0, on_spark.stdout + on_spark.stderr
    for noise in ("WARN", "log4j", "at org.apache", "Exception"):
        assert noise not in on_spark.stdout + on_spark.stderr
    (gate_p,) = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["gates"]
    (gate_s,) = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["gates"]
    assert gate_s["verdict"] == gate_p["verdict"] == "warn"
    assert gate_s["value"] == pytest.approx(gate_p["value"], abs=1e-9)
    assert gate_s["details"]["bins"] == gate_p["details"]["bins"]
    assert (tmp_path / ".mlops-gate" / "logs" / "spark.log").is_file()
    evidence = json.loads((tmp_path / ".mlops-gate" / "evidence.json").read_text(encoding="utf-8"))
    bound = {name for name in evidence["inputs"] if name.startswith("data.")}
    assert bound == {
        "data.eval.file:part-00000.parquet",
        "data.eval.file:part-00001.parquet",
        "data.reference",
    }
    assert pandas.is_file()


@pytest.mark.slow
def test_spark_connect_gives_the_pandas_numbers(tmp_path: Path) -> None:
    """SPARK_REMOTE (what Databricks Connect speaks): `local[2]` makes PySpark start a real
    Spark Connect server, and the engine talks to it over gRPC."""
    _data(tmp_path)
    _policy(tmp_path, "spark", "spark.yaml")
    _policy(tmp_path, "pandas", "pandas.yaml")
    on_pandas = run_cli("check", "pandas.yaml", "--no-cache", "--json", "p.json", cwd=tmp_path)
    env = {"SPARK_REMOTE": "local[2]"}
    on_spark = run_cli(
        "check", "spark.yaml", "--no-cache", "--json", "s.json", cwd=tmp_path, env=env
    )
    assert on_spark.returncode == on_pandas.returncode, on_spark.stdout + on_spark.stderr
    assert "WARN" not in on_spark.stdout + on_spark.stderr
    (gate_p,) = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["gates"]
    (gate_s,) = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["gates"]
    assert gate_s["value"] == pytest.approx(gate_p["value"], abs=1e-9)
    assert gate_s["details"]["bins"] == gate_p["details"]["bins"]


def test_an_unreachable_master_is_one_line_and_exit_2(tmp_path: Path) -> None:
    _data(tmp_path)
    _policy(tmp_path, "spark", "mlops-gate.yaml", spark={"master": "spark://127.0.0.1:1"})
    started = time.monotonic()
    done = run_cli("check", "mlops-gate.yaml", "--no-cache", cwd=tmp_path, timeout=120)
    assert time.monotonic() - started < 60
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Spark master spark://127.0.0.1:1 is unreachable (127.0.0.1:1: Connection refused)" in (
        done.stdout + done.stderr
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_no_java_is_one_line_and_exit_2(tmp_path: Path) -> None:
    _data(tmp_path)
    _policy(tmp_path, "spark", "mlops-gate.yaml", spark={"master": "local[1]"})
    env = {"JAVA_HOME": str(tmp_path / "no-java")}
    done = run_cli("check", "mlops-gate.yaml", "--no-cache", cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Spark's JVM did not start: the log says why; it needs Java 17 or later" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "JAVA_HOME" not in done.stdout + done.stderr  # spark-submit's own words: in the log
    log = (tmp_path / ".mlops-gate" / "logs" / "spark.log").read_text(encoding="utf-8")
    assert "no-java" in log


def _metric_project(root: Path, **spark: object) -> Path:
    """The model scored by Spark's Python workers (a metric gate), nothing else set up."""
    from tests.support import basic_project

    gates = [{"type": "metric", "metric": "accuracy", "min": 0.5}]
    policy = basic_project(root, gates, n=300)
    document = json.loads(json.dumps(__import__("yaml").safe_load(policy.read_text())))
    document["data"]["engine"] = "spark"
    document["spark"] = {"master": "local[2]", **spark}
    policy.write_text(__import__("yaml").safe_dump(document, sort_keys=False))
    return policy


@pytest.mark.slow
def test_local_workers_run_this_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by `make example-spark`: Spark's workers ran `python3` from PATH (no pyarrow there),
    and every gate scored on them was an internal error. On a local master they now run the
    interpreter mlops-gate runs in, unless PYSPARK_PYTHON says otherwise."""
    policy = _metric_project(tmp_path)
    # Unset for the CLI (whatever another test or the shell set): Spark's default is then
    # `python3` on PATH.
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    done = run_cli("check", policy.name, "--no-cache", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "internal error" not in done.stdout + done.stderr


@pytest.mark.slow
def test_a_worker_that_cannot_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A failed Python worker is the job's failure, said in one line (exit 2), not a crash."""
    policy = _metric_project(tmp_path, conf={"spark.pyspark.python": str(tmp_path / "nopython")})
    done = run_cli("check", policy.name, "--no-cache", cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "internal error" not in output
    assert "Traceback" not in output
    (line,) = [text for text in output.splitlines() if text.startswith("error metric")]
    assert "on spark" in line


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append((int(entry.name), command))
    return found


def _kill_the_jvm_mid_job(check: subprocess.Popen[str], limit_s: float = 180) -> None:
    """SIGKILL the check's JVM while a job runs on it: once Spark has started Python workers
    for the model's scores (`pyspark.daemon`, the JVM's child), a job is in flight."""
    stop = time.monotonic() + limit_s
    while check.poll() is None and time.monotonic() < stop:
        for jvm, command in _children(check.pid):
            if "java" in command and any("pyspark" in c for _, c in _children(jvm)):
                os.kill(jvm, signal.SIGKILL)
                return
        time.sleep(0.02)
    raise AssertionError("no Spark job seen running before the check ended")


@pytest.mark.slow
def test_a_jvm_that_dies_mid_job_is_one_line_per_gate_and_exit_2(tmp_path: Path) -> None:
    """Found at 10M rows on the default 1 GB heap: the JVM ran out of memory and died while the
    model was scored, and every gate after it was an internal error (exit 3, Py4J's
    ConnectionRefusedError). A JVM that dies mid-job is now said in one line per gate, with
    the log to read; no gate reports a number, and the check exits 2."""
    policy = _metric_project(tmp_path)
    document = yaml.safe_load(policy.read_text())
    document["gates"] += [
        {"type": "metric", "metric": "roc_auc", "min": 0.5},
        {"type": "drift", "max": 5, "columns": ["f0"]},
    ]
    policy.write_text(yaml.safe_dump(document, sort_keys=False))
    # One gate at a time, in order: the first scores the model, so the JVM dies under it.
    command = ["check", policy.name, "--no-cache", "--jobs", "1", "--json", "r.json"]
    check = subprocess.Popen(
        [sys.executable, "-m", "mlops_gate", *command],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _kill_the_jvm_mid_job(check)
        output, _ = check.communicate(timeout=180)
    finally:
        check.kill()
    assert check.returncode == 2, output
    assert "Traceback" not in output
    assert "internal error" not in output
    gates = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["gates"]
    assert [gate["verdict"] for gate in gates] == ["error"] * 3
    for gate in gates:
        assert gate["value"] is None
        assert "Spark's JVM was killed (signal 9" in gate["message"], gate["message"]
        assert "details in .mlops-gate/logs/spark.log" in gate["message"]
        assert "\n" not in gate["message"]
    # The evidence says `error` too: nothing computed before the JVM died can be promoted.
    evidence = json.loads((tmp_path / ".mlops-gate" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["results"]["verdict"] == "error"
