"""The Spark session of `data.engine: spark`: started once, lazily, quietly, within a deadline.

Where it runs, in order: `spark.remote` or `SPARK_REMOTE` (Spark Connect, what Databricks Connect
speaks) unless `spark.master` is set; a session already active in this process (a notebook, a
test's fixture); else a new one on `spark.master` (default `local[*]`: nothing to install but the
`spark` extra and a JRE). The JVM's own output goes to `.mlops-gate/logs/spark.log`, never the
terminal. A master that cannot be reached is one line within the deadline, not a hang.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from typing import TYPE_CHECKING, Any

from mlops_gate.deadline import DEFAULT_TIMEOUT_S, Deadline, DeadlineExceeded
from mlops_gate.engine.data.spark.errors import SparkClientLog, log_path, spark_errors
from mlops_gate.errors import DependencyError, GateError

if TYPE_CHECKING:
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    from mlops_gate.policy.model import SparkSpec

DEFAULT_MASTER = "local[*]"
CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"
# Names are matched exactly, as pandas does; no console progress bar; no web UI for a CI check.
DEFAULTS = {
    "spark.sql.caseSensitive": "true",
    "spark.ui.showConsoleProgress": "false",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}


def start_session(spec: SparkSpec | None, timeout: float = DEFAULT_TIMEOUT_S) -> SparkSession:
    """The session the policy asks for (see the module's docstring), started within `timeout`."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise DependencyError(
            "data.engine: spark needs PySpark: pip install 'mlops-gate[spark]' (and a Java 17+ JRE)"
        ) from None
    # PySpark warns on every pandas conversion that pandas 3 is "not yet fully supported"; the
    # conversions this package makes are tested against pandas 3, so the line is only noise.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    SparkClientLog.install()  # Py4J's tracebacks of a lost JVM: to the log
    master = spec.master if spec is not None else None
    remote = (spec.remote if spec is not None else None) or (
        os.environ.get("SPARK_REMOTE") if master is None else None
    )
    deadline = Deadline(timeout)
    where = f"Spark Connect {remote}" if remote else f"Spark master {master or DEFAULT_MASTER}"
    try:
        with spark_errors(where):
            if remote:
                return deadline.run(lambda: _connect(remote, spec))
            _check_reachable(master or DEFAULT_MASTER, deadline)
            return deadline.run(lambda: _local_or_cluster(master or DEFAULT_MASTER, spec))
    except DeadlineExceeded:
        raise GateError(
            f"{where}: no session within {round(timeout, 1):g} s: check that the cluster is up "
            f"and reachable (log: {log_path()})"
        ) from None


def _settings(spec: SparkSpec | None) -> dict[str, str]:
    """DEFAULTS, the warehouse under the state folder (Spark would make `spark-warehouse/` in the
    user's checkout, where `git add -A` finds it), then the policy's own `spark.conf`."""
    from mlops_gate.paths import STATE_DIR

    conf = {key: _text(value) for key, value in (spec.conf if spec else {}).items()}
    warehouse = {"spark.sql.warehouse.dir": str((STATE_DIR / "spark-warehouse").resolve())}
    return {**DEFAULTS, **warehouse, **conf}


def _worker_python(spec: SparkSpec | None, local: bool) -> None:
    """PySpark starts its Python workers with PYSPARK_PYTHON as this process sees it (the
    `spark.pyspark.python` setting only reaches spark-submit): the policy's setting, else on a
    local master this interpreter, else what the environment (or the cluster) says."""
    wanted = (spec.conf if spec else {}).get("spark.pyspark.python")
    if wanted:
        os.environ["PYSPARK_PYTHON"] = _text(wanted)
    elif local and not os.environ.get("PYSPARK_PYTHON"):
        os.environ["PYSPARK_PYTHON"] = sys.executable


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _connect(remote: str, spec: SparkSpec | None) -> SparkSession:
    """A Spark Connect session. `local[...]` makes PySpark start a Connect server in a JVM of
    this process, whose output goes to the log as a classic session's does."""
    from pyspark.sql import SparkSession

    serve_here = remote.startswith("local")
    if serve_here:
        from pyspark import SparkConf

        # What PySpark's own local server start passes to spark-submit: the plugin is what puts
        # the Connect server's jar on the JVM's class path.
        conf = SparkConf().setMaster(remote).set("spark.plugins", CONNECT_PLUGIN)
        _worker_python(spec, local=True)
        _launch_logged_gateway(conf.setAll(list(_settings(spec).items())))
    builder = SparkSession.builder.remote(remote).appName(_app_name(spec))
    for key, value in _settings(spec).items():
        if not key.startswith("spark.ui."):  # static: a server takes them at its start only
            builder = builder.config(key, value)
    return builder.getOrCreate()


def _launch_logged_gateway(conf: SparkConf | None = None) -> Any:
    """The JVM gateway of this process (PySpark's own launcher, which passes `conf` to
    spark-submit: driver memory and options apply), its output sent to the log."""
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is None:
        # spark-submit refuses a master beside SPARK_REMOTE: hide it while the JVM starts, as
        # PySpark's own local Connect server start does.
        remote = os.environ.pop("SPARK_REMOTE", None)
        try:
            with _log_sink() as sink:  # the JVM holds its own copy of the descriptor
                gateway = launch_gateway(  # type: ignore[no-untyped-call]
                    conf or SparkConf(), popen_kwargs={"stdout": sink, "stderr": sink}
                )
        finally:
            if remote is not None:
                os.environ["SPARK_REMOTE"] = remote
        SparkContext._gateway = gateway
        SparkContext._jvm = gateway.jvm
    return SparkContext._gateway


def _local_or_cluster(master: str, spec: SparkSpec | None) -> SparkSession:
    """An active session is reused (its settings kept); else a JVM whose output goes to the log."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:
        return SparkSession.builder.getOrCreate()  # the process's session, as it was set up
    conf = SparkConf().setMaster(master).setAppName(_app_name(spec))
    conf.setAll(list(_settings(spec).items()))
    _worker_python(spec, local=master.startswith("local"))
    context = SparkContext(conf=conf, gateway=_launch_logged_gateway(conf))
    context.setLogLevel("WARN")
    return SparkSession(context)


def _app_name(spec: SparkSpec | None) -> str:
    return spec.app_name if spec is not None else "mlops-gate"


def _log_sink() -> Any:
    """The Spark log for the JVM's output; the null device where it is refused (a planted link or
    FIFO under .mlops-gate/): the JVM's output never reaches the terminal either way."""
    from mlops_gate.fsutil import open_log

    try:
        return open_log(log_path())
    except OSError:
        return open(os.devnull, "ab")


def _check_reachable(master: str, deadline: Deadline) -> None:
    """A standalone master (`spark://host:port[,host:port]`) must accept a TCP connection: Spark
    itself would retry for minutes before giving up."""
    if not master.startswith("spark://"):
        return
    problems = []
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=max(0.1, deadline.check())):
                return
        except (OSError, ValueError) as exc:
            problems.append(f"{address}: {getattr(exc, 'strerror', None) or exc}")
    raise GateError(
        f"Spark master {master} is unreachable ({'; '.join(problems)}): check spark.master "
        "and that the cluster is up"
    )
