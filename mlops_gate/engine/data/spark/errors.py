"""Spark's failures as mlops-gate's: one place maps Py4J/PySpark exceptions to one-line errors.

A JVM stack trace is for the log (`.mlops-gate/logs/spark.log`), never for the terminal (issue 15,
item 4): the user sees what failed, on which table, and what to do. Only Spark's own exception
types are mapped, and the socket errors raised inside Py4J or PySpark (a JVM that is gone);
anything else is a bug in mlops-gate and stays an internal error. A JVM that died mid-check
says how it ended (killed, out of memory); Py4J's own log records go to the log too.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from mlops_gate.errors import GateError, InputError, MlopsGateError

JVM_EXIT_WAIT_S = 2.0  # how long a lost connection waits for the local JVM's exit status

# Spark error conditions that mean "the user's input is wrong" (exit 2 with what to fix).
_NOT_FOUND = {
    "PATH_NOT_FOUND": "does not exist: check data.{name} (a path Spark can read, or table:<name>)",
    "TABLE_OR_VIEW_NOT_FOUND": "is not a table in the catalog: check data.{name} and spark.conf",
    "UNABLE_TO_INFER_SCHEMA": "holds no readable data files (parquet, csv, orc)",
}


def log_path() -> Path:
    from mlops_gate import paths

    return paths.LOGS / "spark.log"


def log_detail(text: str) -> None:
    """Append the full failure (JVM stack trace included) to the Spark log."""
    from mlops_gate.fsutil import open_log

    # A log we cannot write (or a planted link) must not hide the error itself.
    with contextlib.suppress(OSError), open_log(log_path()) as handle:
        handle.write((text.rstrip() + "\n\n").encode("utf-8", "replace"))


@contextlib.contextmanager
def spark_errors(what: str, name: str = "") -> Iterator[None]:
    """Run Spark work on `what` (e.g. "data.eval (table:ml.eval)"); its failures become one line."""
    try:
        yield
    except MlopsGateError:
        raise
    except Exception as exc:
        mapped = mapped_error(exc, what, name)
        if mapped is None:
            raise
        raise mapped from None


def mapped_error(exc: BaseException, what: str, name: str) -> MlopsGateError | None:
    """The one-line error for a Spark/Py4J exception, or None for any other exception."""
    kind = _spark_kind(exc)
    if kind is None:
        return None
    log_detail(f"{what}: {type(exc).__name__}: {exc}")
    condition = _condition(exc)
    where = f" (details in {log_path()})"
    if condition == "JAVA_GATEWAY_EXITED":
        return GateError(
            f"{what}: Spark's JVM did not start: the log says why; it needs Java 17 or later "
            f"(`java -version`; `make system-deps` installs one){where}"
        )
    if condition in _NOT_FOUND:
        return InputError(f"{what} {_NOT_FOUND[condition].format(name=name or 'eval')}")
    if kind == "connection":
        return GateError(f"{what}: {_connection_lost(exc)}{where}")
    if kind == "analysis":
        return InputError(f"{what}: {first_line(exc)}")
    return GateError(f"{what}: the Spark job failed: {first_line(exc)}{where}")


def _spark_kind(exc: BaseException) -> str | None:
    try:
        from py4j.protocol import (  # type: ignore[import-untyped]
            Py4JError,
            Py4JJavaError,
            Py4JNetworkError,
        )
        from pyspark.errors import AnalysisException, PySparkException
    except ImportError:
        return None
    if isinstance(exc, AnalysisException):
        return "analysis"
    if isinstance(exc, Py4JNetworkError) or (
        isinstance(exc, Py4JError) and not isinstance(exc, Py4JJavaError)
    ):
        return "connection"
    if isinstance(exc, PySparkException | Py4JJavaError):
        return "job"
    if isinstance(exc, OSError | EOFError) and _raised_by_spark_client(exc):
        return "connection"  # the socket to a JVM that is gone: Py4J and PySpark let it through
    return None


def _raised_by_spark_client(exc: BaseException) -> bool:
    """Whether `exc` came out of Py4J's or PySpark's own code (their sockets to the JVM), not out
    of mlops-gate's or a library's: only those are Spark's failures."""
    trace = exc.__traceback__
    while trace is not None:
        if in_spark_client(trace.tb_frame.f_code.co_filename):
            return True
        trace = trace.tb_next
    return False


@functools.cache
def _spark_client_folders() -> tuple[str, ...]:
    import py4j  # type: ignore[import-untyped]
    import pyspark

    return tuple(os.path.dirname(module.__file__ or "") + os.sep for module in (py4j, pyspark))


def in_spark_client(filename: str) -> bool:
    """Whether a source file is Py4J's or PySpark's (the client side of the JVM's socket)."""
    return filename.startswith(_spark_client_folders())


class SparkClientLog(logging.Handler):
    """Py4J's and PySpark's log records go to the Spark log, never to the terminal.

    Py4J logs a lost connection with `logging.exception` on the root logger, traceback and all,
    and that call first gives the root logger a handler on stderr (`logging.basicConfig`) when
    it has none. This handler, on the root logger from the session's start, takes the records
    that Py4J or PySpark wrote and hands any other warning to Python's last-resort handler, as
    it would have been without a handler.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if in_spark_client(record.pathname):
            log_detail(self.format(record))
        elif record.levelno >= logging.WARNING and logging.lastResort is not None:
            logging.lastResort.handle(record)

    @classmethod
    def install(cls) -> None:
        root = logging.getLogger()
        if not any(isinstance(handler, cls) for handler in root.handlers):
            root.addHandler(cls())


# Spark's own exit codes (org.apache.spark.util.SparkExitCode) that say more than a number.
_JVM_EXITS = {
    52: "ran out of memory and stopped: give it more (spark.conf: spark.driver.memory, e.g. "
    '"4g", on a local master) or split the work (spark.sql.shuffle.partitions)',
    -9: "was killed (signal 9: the machine's out-of-memory killer, or a user)",
}


def _connection_lost(exc: BaseException) -> str:
    """What a lost connection means: the words for this process's own JVM when it has stopped
    (a local master), else the connection's own error (a cluster or a Connect server)."""
    status = _own_jvm_exit()
    if status is None:
        return f"lost the connection to Spark ({first_line(exc)})"
    return jvm_stopped(status)


def jvm_stopped(status: int) -> str:
    """The words for this process's JVM that ended with `status` mid-check."""
    said = _JVM_EXITS.get(status, f"stopped (exit status {status}): the log says why")
    return f"Spark's JVM {said}; the check's Spark work cannot go on"


def _own_jvm_exit() -> int | None:
    """The exit status of the JVM this process started (PySpark keeps its `Popen` on the
    gateway), once it has ended; None while it runs, or where the JVM is not this process's.

    A dying JVM closes its sockets before it can be reaped, so the first refused connection can
    come before its exit status: the status is waited for, briefly."""
    try:
        from pyspark import SparkContext
    except ImportError:
        return None
    process = getattr(getattr(SparkContext, "_gateway", None), "proc", None)
    if not isinstance(process, subprocess.Popen):
        return None
    try:
        return process.wait(timeout=JVM_EXIT_WAIT_S)
    except subprocess.TimeoutExpired:  # alive: the connection itself failed
        return None


def _condition(exc: BaseException) -> str | None:
    getter = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    if getter is None:
        return None
    try:
        value = getter()
    except Exception:  # a Py4J call on a dead gateway: there is no condition to read
        return None
    return str(value).split(".")[0] if value else None


def first_line(exc: BaseException) -> str:
    """The message's first meaningful line, without the JVM stack trace or SQLSTATE noise."""
    text = str(exc)
    java = getattr(exc, "java_exception", None)
    if java is not None and not text.strip():
        text = str(java)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("JVM stacktrace", "at ", "An error occurred while")):
            line = re.sub(r"\s*SQLSTATE: \w+\.?", "", line)
            return line[:300]
    return type(exc).__name__
