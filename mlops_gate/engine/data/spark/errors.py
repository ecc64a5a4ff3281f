"""Spark's failures as mlops-gate's: one place maps Py4J/PySpark exceptions to one-line errors.

A JVM stack trace is for the log (`.mlops-gate/logs/spark.log`), never for the terminal (issue 15,
item 4): the user sees what failed, on which table, and what to do. Only Spark's own exception
types are mapped; anything else is a bug in mlops-gate and stays an internal error.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from mlops_gate.errors import GateError, InputError, MlopsGateError

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
        return GateError(f"{what}: lost the connection to Spark ({first_line(exc)}){where}")
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
