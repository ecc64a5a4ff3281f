"""One bounded, quiet, secret-safe connection to an MLflow tracking server and model registry.

Where the registry is (first that is set): `promote.tracking_uri` in the policy,
`MLFLOW_TRACKING_URI`, else the embedded default, a sqlite file `.mlops-gate/mlflow.db` with
artifacts under `.mlops-gate/mlartifacts` (DESIGN.md "Real parts, embedded defaults").

Time: one deadline (`--timeout`, default 120 s) bounds the whole command. MLflow's own HTTP retries
default to 7 with exponential backoff (minutes), so while a `Registry` is open the retry count,
backoff and per-request timeout are set through MLflow's environment variables, and the per-request
timeout is recomputed before every call from the time left. The bound is therefore the deadline plus
at most one request's slack, never MLflow's defaults. Local work (importing MLflow, hashing) is not
counted against it.

Pickles: `MLFLOW_ALLOW_PICKLE_DESERIALIZATION` is set from the policy's `trust: pickle`, so MLflow's
own loaders refuse pickled flavours unless the user trusts them (issue #4, item 6).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_gate import paths
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import DependencyError
from mlops_gate.registry.errors import RegistryConflict, RegistryError, RegistryMissing
from mlops_gate.registry.redact import display_uri, redact

if TYPE_CHECKING:
    from mlflow import MlflowClient

T = TypeVar("T")

WORKDIR = paths.STATE_DIR
HTTP_RETRIES = 2
_QUIET_LOGGERS = ("mlflow", "alembic", "urllib3")


@dataclass(frozen=True)
class RegistrySettings:
    """How to reach the registry; `tracking_uri=None` means `MLFLOW_TRACKING_URI`, else embedded."""

    tracking_uri: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    trust_pickle: bool = False
    workdir: Path = WORKDIR

    def resolve_uri(self, env: dict[str, str] | None = None) -> tuple[str, bool]:
        """(tracking URI, whether it is the embedded default)."""
        source = dict(os.environ) if env is None else env
        uri = self.tracking_uri or source.get("MLFLOW_TRACKING_URI", "").strip()
        if uri:
            return uri, False
        return f"sqlite:///{(self.workdir / 'mlflow.db').resolve()}", True

    def embedded_artifact_root(self) -> str:
        return (self.workdir / "mlartifacts").resolve().as_uri()


@dataclass
class Deadline:
    """A monotonic-clock budget shared by every call of one command."""

    seconds: float
    _end: float = field(init=False)

    def __post_init__(self) -> None:
        self._end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


@dataclass
class Registry:
    """An open connection: the MLflow client plus the deadline every call is held to."""

    client: MlflowClient
    uri: str
    embedded: bool
    settings: RegistrySettings
    deadline: Deadline

    @property
    def display(self) -> str:
        return ".mlops-gate/mlflow.db (embedded)" if self.embedded else display_uri(self.uri)

    def call(self, step: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one registry call within the time left; MLflow's errors become one-line errors.

        "Does not exist" and "already exists" come back as `RegistryMissing`/`RegistryConflict`,
        because callers decide what those mean (a first run, a held lock).
        """
        from mlflow.exceptions import MlflowException
        from requests import RequestException

        self._arm(step)
        try:
            return fn(*args, **kwargs)
        except MlflowException as exc:
            code = str(getattr(exc, "error_code", ""))
            if code == "RESOURCE_DOES_NOT_EXIST":
                raise RegistryMissing(redact(exc.message)) from None
            if code == "RESOURCE_ALREADY_EXISTS":
                raise RegistryConflict(redact(exc.message)) from None
            raise self.error(step, exc) from None
        except (OSError, RequestException) as exc:
            raise self.error(step, exc) from None

    def error(self, step: str, exc: BaseException | str) -> RegistryError:
        reason = _short_reason(exc, self.deadline)
        return RegistryError(f"registry {self.display}: {step}: {reason}")

    def _arm(self, step: str) -> None:
        left = self.deadline.remaining()
        if left <= 0:
            raise self.error(step, f"timed out (--timeout {self.settings.timeout_s:g} s)")
        # Each request may be tried 1 + HTTP_RETRIES times; share the time left between the tries.
        per_try = max(1, math.floor(left / (HTTP_RETRIES + 1)))
        os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = str(per_try)


def _short_reason(exc: BaseException | str, deadline: Deadline) -> str:
    text = str(exc) if not isinstance(exc, str) else exc
    lowered = text.lower()
    if "timed out" in lowered or "timeout" in lowered or deadline.expired():
        return f"timed out (--timeout {deadline.seconds:g} s)"
    if "connection refused" in lowered or "failed to establish" in lowered:
        return "cannot connect (connection refused)"
    if any(
        word in lowered for word in ("connection aborted", "connection reset", "remote end closed")
    ):
        return "cannot connect (connection lost)"
    if "max retries exceeded" in lowered or "connectionerror" in lowered:
        return "cannot connect"
    line = " ".join(redact(text).split())
    return line if len(line) <= 300 else line[:297] + "..."


def normalize_version(value: object) -> str | None:
    """Versions as str: a sqlite store answers int, the REST API str (issue #4, item 7)."""
    return None if value is None else str(value)


@contextlib.contextmanager
def open_registry(
    settings: RegistrySettings, deadline: Deadline | None = None
) -> Iterator[Registry]:
    """Open the registry for one command; MLflow's environment is restored when it closes."""
    uri, embedded = settings.resolve_uri()
    if embedded:
        settings.workdir.mkdir(parents=True, exist_ok=True)
    with _mlflow_environment(settings):
        # Imported before quietening: MLflow sets its loggers' levels when first imported.
        try:
            from mlflow import MlflowClient
        except ImportError:
            raise DependencyError(
                "the model registry needs MLflow: pip install 'mlops-gate[registry]'"
            ) from None

        with _quiet_loggers():
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            yield Registry(
                client, uri, embedded, settings, deadline or Deadline(settings.timeout_s)
            )


@contextlib.contextmanager
def _mlflow_environment(settings: RegistrySettings) -> Iterator[None]:
    wanted = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(HTTP_RETRIES),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, math.floor(settings.timeout_s))),
        "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true" if settings.trust_pickle else "false",
        # MLflow prints "View run ... at: <url>" on stdout and tqdm bars on stderr; our output is ours.
        "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _quiet_loggers() -> Iterator[None]:
    """MLflow logs database migrations and waits at INFO on stderr; only warnings are for users."""
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def ensure_experiment(registry: Registry, policy_name: str) -> str:
    """The experiment `mlops-gate/<policy>`, created on first use (embedded: artifacts local)."""
    name = f"mlops-gate/{policy_name}"
    found = registry.call("get experiment", registry.client.get_experiment_by_name, name)
    if found is not None:
        return str(found.experiment_id)
    location = registry.settings.embedded_artifact_root() if registry.embedded else None
    try:
        return str(
            registry.call("create experiment", registry.client.create_experiment, name, location)
        )
    except RegistryConflict:  # another process created it meanwhile
        again = registry.call("get experiment", registry.client.get_experiment_by_name, name)
        if again is None:
            raise registry.error("create experiment", f"experiment {name} vanished") from None
        return str(again.experiment_id)
