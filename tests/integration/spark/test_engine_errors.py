"""Bad input on the Spark engine is one line naming the data set and what to do (issue 15,
item 4), never a JVM stack trace; the trace goes to `.mlops-gate/logs/spark.log`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from mlops_gate.engine.data.spark import SparkData
from mlops_gate.engine.data.spark.errors import SparkClientLog, jvm_stopped
from mlops_gate.engine.data.spark.reading import Location
from mlops_gate.errors import GateError, InputError
from mlops_gate.progress import NoProgress
from tests.support import binary_frame, write_table

pytestmark = pytest.mark.integration


def _engine(location: Path, **kwargs: object) -> SparkData:
    return SparkData({"eval": location, "reference": None}, NoProgress(), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the Spark log goes to ./.mlops-gate/logs
    return tmp_path


def test_a_path_that_does_not_exist(spark_session: SparkSession, in_tmp: Path) -> None:
    with pytest.raises(InputError, match=r"no such file or directory \(data for Spark\)"):
        _engine(in_tmp / "nothing.parquet").row_count("eval")
    engine = _engine(Location(f"file://{in_tmp}/gone/"))
    with pytest.raises(InputError) as caught:
        engine.columns("eval")
    assert str(caught.value) == (
        f"data.eval (file://{in_tmp}/gone/) does not exist: check data.eval (a path Spark can "
        "read, or table:<name>)"
    )


def test_a_table_that_does_not_exist(spark_session: SparkSession, in_tmp: Path) -> None:
    with pytest.raises(InputError) as caught:
        _engine(Location("table:nope.nothing")).row_count("eval")
    assert str(caught.value) == (
        "data.eval (table:nope.nothing) is not a table in the catalog: check data.eval and "
        "spark.conf"
    )


def test_a_missing_column_names_the_table(spark_session: SparkSession, in_tmp: Path) -> None:
    write_table(binary_frame(20), in_tmp / "eval.parquet")
    engine = _engine(in_tmp / "eval.parquet")
    with pytest.raises(
        GateError, match=r"column 'nope' not found in data\.eval \(.*eval\.parquet\)"
    ):
        engine.column_bin_counts("eval", "nope", [0.0])
    with pytest.raises(GateError, match=r"column 'group' of data\.eval .* is not numeric"):
        engine.column_quantiles("eval", "group", [0.5])


def test_a_job_that_fails_midway_is_an_error_with_the_trace_in_the_log(
    spark_session: SparkSession, in_tmp: Path
) -> None:
    folder = in_tmp / "lake"
    folder.mkdir()
    write_table(binary_frame(20), folder / "part-0.parquet")
    (folder / "part-1.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    engine = _engine(folder)
    with pytest.raises(GateError) as caught:
        engine.row_count("eval")
    message = str(caught.value)
    assert message.startswith(f"data.eval ({folder}): ")
    assert "\n" not in message
    assert "details in .mlops-gate/logs/spark.log" in message
    log = (in_tmp / ".mlops-gate" / "logs" / "spark.log").read_text(encoding="utf-8")
    assert "at org.apache.spark" in log  # the JVM trace, kept for whoever debugs it


def test_data_files_of_each_format(spark_session: SparkSession, in_tmp: Path) -> None:
    frame = binary_frame(30)
    write_table(frame, in_tmp / "a.csv")
    (in_tmp / "orc").mkdir()
    parquet = write_table(frame, in_tmp / "a.parquet")
    spark_session.read.parquet(str(parquet)).write.orc(str(in_tmp / "orc" / "data"))
    assert _engine(in_tmp / "a.csv").row_count("eval") == 30
    assert _engine(in_tmp / "orc" / "data").row_count("eval") == 30
    assert _engine(in_tmp / "a.csv").columns("eval") == list(frame.columns)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (52, "Spark's JVM ran out of memory and stopped: give it more (spark.conf: "
         'spark.driver.memory, e.g. "4g", on a local master)'),
        (-9, "Spark's JVM was killed (signal 9: the machine's out-of-memory killer, or a user)"),
        (1, "Spark's JVM stopped (exit status 1): the log says why"),
    ],
)  # fmt: skip
def test_a_jvm_that_stopped_says_how(status: int, words: str) -> None:
    """Spark's own exit code for an OutOfMemoryError (SparkExitCode.OOM) says what to change."""
    assert jvm_stopped(status).startswith(words)


def test_py4j_records_go_to_the_spark_log_not_the_terminal(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Py4J logs a connection lost mid-call with `logging.exception` on the root logger, and
    that call gives the root logger a stderr handler first: a JVM killed mid-job put Py4J's
    traceback on the terminal, once in six runs of the CLI test of it (test_cli_spark.py)."""
    import py4j.java_gateway

    root = logging.getLogger()
    before = list(root.handlers)
    SparkClientLog.install()
    SparkClientLog.install()  # once only
    try:
        added = [handler for handler in root.handlers if handler not in before]
        assert sum(isinstance(handler, SparkClientLog) for handler in root.handlers) == 1
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError:
            record = root.makeRecord(
                "root", logging.ERROR, py4j.java_gateway.__file__, 1059,
                "Exception while sending command.", (), sys.exc_info(),
            )  # fmt: skip
        root.handle(record)
        warning = root.makeRecord("somelib", logging.WARNING, __file__, 1, "keep me", (), None)
        root.handle(warning)  # anyone else's warning is printed as before
    finally:
        for handler in added:
            root.removeHandler(handler)
    terminal = capsys.readouterr().err
    assert "Exception while sending command" not in terminal
    assert "Traceback" not in terminal
    assert "keep me" in terminal
    log = (in_tmp / ".mlops-gate" / "logs" / "spark.log").read_text(encoding="utf-8")
    assert "ERROR root: Exception while sending command." in log
    assert "ConnectionRefusedError" in log
