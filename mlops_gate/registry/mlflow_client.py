"""One bounded, quiet, secret-safe connection to an MLflow tracking server and model registry.

Where the registry is (first that is set): `promote.tracking_uri` in the policy,
`MLFLOW_TRACKING_URI`, else the embedded default, a sqlite file `.mlops-gate/mlflow.db` with
artifacts under `.mlops-gate/mlartifacts` (DESIGN.md "Real parts, embedded defaults").

Time: one `Deadline` (`--timeout`, default 120 s) bounds all registry work of a command, opening
included. Every MLflow call runs through `Deadline.run`, so a server trickling its answer cannot
hold the command past it (issue 13, item 4). MLflow's own retries (7, backoff of minutes) are cut
to `HTTP_RETRIES` and its per-request timeout derived from the time left, through its environment
variables. Local work (importing MLflow, hashing) is not counted. A URI MLflow cannot use (unknown
scheme, driver not installed, does not parse) is one line, exit 2, password masked (item 6).

Pickles: `MLFLOW_ALLOW_PICKLE_DESERIALIZATION` is set from the policy's `trust: pickle`, so MLflow's
own loaders refuse pickled flavours unless the user trusts them (issue #4, item 6).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_gate import paths
from mlops_gate.deadline import DEFAULT_TIMEOUT_S, Deadline, DeadlineExceeded
from mlops_gate.errors import DependencyError
from mlops_gate.fsutil import make_folders
from mlops_gate.registry.errors import RegistryConflict, RegistryError, RegistryMissing
from mlops_gate.registry.redact import display_uri, redact, uri_secrets

if TYPE_CHECKING:
    from mlflow import MlflowClient

__all__ = ["Deadline", "Registry", "RegistrySettings", "open_registry"]

T = TypeVar("T")

WORKDIR = paths.STATE_DIR
HTTP_RETRIES = 2
_QUIET_LOGGERS = ("mlflow", "alembic", "urllib3")
_CONNECTION_FAILURES = (
    (("connection refused", "failed to establish"), "cannot connect (connection refused)"),
    (
        ("connection aborted", "connection reset", "remote end closed"),
        "cannot connect (connection lost)",
    ),
    (("max retries exceeded", "connectionerror"), "cannot connect"),
)


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
class Registry:
    """An open connection: the MLflow client plus the deadline every call is held to."""

    client: MlflowClient
    uri: str
    embedded: bool
    settings: RegistrySettings
    deadline: Deadline

    @property
    def display(self) -> str:
        return _display(self.uri, self.embedded)

    def call(self, step: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one registry call within the time left; MLflow's errors become one-line errors.

        "Does not exist" and "already exists" come back as `RegistryMissing`/`RegistryConflict`,
        because callers decide what those mean (a first run, a held lock).
        """
        from mlflow.exceptions import MlflowException

        self._arm(step)
        try:
            return self.deadline.run(fn, *args, **kwargs)
        except MlflowException as exc:
            code = str(getattr(exc, "error_code", ""))
            if code == "RESOURCE_DOES_NOT_EXIST":
                raise RegistryMissing(redact(exc.message, uri_secrets(self.uri))) from None
            if code == "RESOURCE_ALREADY_EXISTS":
                raise RegistryConflict(redact(exc.message, uri_secrets(self.uri))) from None
            raise self.error(step, exc) from None
        except _failures() as exc:
            raise self.error(step, exc) from None

    def error(self, step: str, exc: BaseException | str) -> RegistryError:
        return _error(self.uri, self.embedded, step, exc, self.deadline)

    def _arm(self, step: str) -> None:
        left = self.deadline.remaining()
        if left <= 0:
            raise self.error(step, f"timed out (--timeout {self.settings.timeout_s:g} s)")
        # Each request may be tried 1 + HTTP_RETRIES times; share the time left between the tries.
        per_try = max(1, math.floor(left / (HTTP_RETRIES + 1)))
        os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = str(per_try)


def _failures() -> tuple[type[BaseException], ...]:
    """What a registry call may raise for a reason outside mlops-gate: one line each, exit 2
    (`ImportError`: a driver MLflow imports lazily, for an artifact store say, is missing)."""
    from requests import RequestException

    return (OSError, RequestException, ImportError)


def _display(uri: str, embedded: bool) -> str:
    return ".mlops-gate/mlflow.db (embedded)" if embedded else display_uri(uri)


def _error(
    uri: str, embedded: bool, step: str, exc: BaseException | str, deadline: Deadline
) -> RegistryError:
    reason = _short_reason(exc, deadline, uri)
    return RegistryError(
        redact(f"registry {_display(uri, embedded)}: {step}: {reason}", uri_secrets(uri))
    )


def _short_reason(exc: BaseException | str, deadline: Deadline, uri: str = "") -> str:
    scheme = uri.partition(":")[0]
    if isinstance(exc, ImportError):
        return f"the driver for {scheme or 'this'} URIs is not installed ({exc.name or exc})"
    text = exc if isinstance(exc, str) else str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "unsupported uri" in lowered:
        return f"MLflow does not support the URI scheme {scheme!r}"
    timed_out = isinstance(exc, DeadlineExceeded) or deadline.expired()
    if timed_out or "timed out" in lowered or "timeout" in lowered:
        return f"timed out (--timeout {deadline.seconds:g} s)"
    for words, reason in _CONNECTION_FAILURES:
        if any(word in lowered for word in words):
            return reason
    if isinstance(exc, ValueError):
        text = f"not a usable tracking URI ({text})"
    line = " ".join(redact(text, uri_secrets(uri)).split())
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
        make_folders(settings.workdir)
    with _mlflow_environment(settings):
        # Imported before quietening: MLflow sets its loggers' levels when first imported.
        try:
            from mlflow import MlflowClient
        except ImportError:
            raise DependencyError(
                "the model registry needs MLflow: pip install 'mlops-gate[registry]'"
            ) from None

        deadline = deadline or Deadline(settings.timeout_s)
        with _quiet_loggers():
            try:  # a database URI connects (and migrates) here: the deadline holds already
                client = deadline.run(_client, MlflowClient, uri)
            except Exception as exc:  # MLflow's store setup: whatever fails is about the URI
                raise _error(uri, embedded, "open", exc, deadline) from None
            yield Registry(client, uri, embedded, settings, deadline)


def _client(factory: type[MlflowClient], uri: str) -> MlflowClient:
    """The client with both its stores made now, so a URI MLflow cannot use fails at open."""
    client = factory(tracking_uri=uri, registry_uri=uri)
    resolve = getattr(client, "_get_registry_client", None)  # MLflow makes it on first use
    if callable(resolve):
        resolve()
    return client


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
