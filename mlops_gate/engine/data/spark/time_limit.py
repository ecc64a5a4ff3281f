"""Every Spark job of a check runs under the check's deadline (`spark.timeout_s`).

The Spark work has its own `Budget` (mlops_gate/deadline.py): its clock runs while a session
starts or a job runs, not while local gates do. Spark work runs inside `TimeLimit.running`: the
jobs it starts carry the check's tag (a job tag on a classic session, an operation tag on Spark
Connect), and once the budget is spent a watcher thread cancels every job with that tag, and
any started after, until the work unwinds. So a job that hangs (a cluster with no free executor
waits forever), a slow UDF or a retry loop ends at the deadline like a slow network read does.

The work then ends in one line, `out_of_time` (a GateError: the gate is `error`, the check
exits 2), whatever it raised or returned: no number computed by cancelled jobs is reported.
Only this check's jobs are cancelled; the session stays usable (a notebook's, a test's).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from mlops_gate.deadline import Budget

CANCEL_EVERY_S = 0.25  # once spent, jobs started after the first cancel are cancelled this soon


class TimeLimit:
    """The check's Spark budget, and the tag its jobs carry while they run under it."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.tag = f"mlops-gate-{uuid.uuid4().hex}"  # no comma: Spark's tag rule
        self._local = threading.local()  # per thread: how deep in `running` blocks

    def out_of_time(self, what: str) -> GateError:
        return GateError(
            f"{what}: ran out of time: the check's Spark work may take {self.budget.seconds:g} s "
            "in all (spark.timeout_s), and that is spent (its jobs are cancelled); raise "
            "spark.timeout_s for data this size"
        )

    @contextlib.contextmanager
    def running(self, what: str, session_of: Callable[[], SparkSession]) -> Iterator[None]:
        """Spark work on `what`, bounded by the budget; `session_of()` starts the session (its
        start is charged too). Nested blocks on one thread are the outermost one's work."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with self.budget.charging():
            if self.budget.expired():
                raise self.out_of_time(what)
            add, remove, cancel = _tagging(session_of())
            add(self.tag)
            watcher = _Watcher(self.budget, lambda: cancel(self.tag))
            self._local.depth = 1
            try:
                yield
            except Exception:
                if watcher.fired or self.budget.expired():
                    raise self.out_of_time(what) from None
                raise
            finally:
                self._local.depth = 0
                watcher.stop()
                with contextlib.suppress(Exception):  # a session gone already has no tags
                    remove(self.tag)
            if watcher.fired:  # whatever came back, cancelled jobs may have shaped it
                raise self.out_of_time(what)


def _tagging(session: SparkSession) -> tuple[Callable[[str], Any], ...]:
    """(add to this thread's jobs, remove, cancel every job with it) for `session`.

    A classic session's own `interruptTag` finds only the calling thread's tags and misses the
    jobs a DataFrame action starts from Python (checked on PySpark 4.3): the SparkContext's job
    tags are what cancels those, from any thread. Spark Connect has no SparkContext; its
    operation tags are sent with every request and interrupted on the server.
    """
    if type(session).__module__.startswith("pyspark.sql.connect"):
        return session.addTag, session.removeTag, session.interruptTag
    context = session.sparkContext
    return context.addJobTag, context.removeJobTag, context.cancelJobsWithTag


class _Watcher:
    """A daemon thread: waits out the budget, then cancels the tag's jobs until stopped."""

    def __init__(self, budget: Budget, cancel: Callable[[], Any]) -> None:
        self.fired = False
        self._budget = budget
        self._cancel = cancel
        self._stop = threading.Event()
        threading.Thread(target=self._watch, name="mlops-gate-spark-deadline", daemon=True).start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            left = self._budget.remaining()
            if left > 0:
                self._stop.wait(left)
                continue
            self.fired = True
            with contextlib.suppress(Exception):  # a gateway gone: the job failed anyway
                self._cancel()
            self._stop.wait(CANCEL_EVERY_S)

    def stop(self) -> None:
        self._stop.set()
