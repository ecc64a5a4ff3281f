"""One local canary run, step by step (the loop `canary.run_local_canary` describes)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.analysis import StepAnalysis, analyse
from mlops_gate.deploy.local.errors import DeployError, not_started
from mlops_gate.deploy.local.outcome import (
    FIRST_DEPLOY,
    CanaryEvent,
    CanaryOutcome,
    EventKind,
    Status,
    StepResult,
    StepVerdict,
)
from mlops_gate.deploy.local.servers import Process, Processes, get_json, wait_ready
from mlops_gate.deploy.local.snapshot import summary
from mlops_gate.deploy.local.traffic import RequestCounts, TrafficReplayer

if TYPE_CHECKING:
    from mlops_gate.deploy.local.upstreams import Upstreams
    from mlops_gate.policy.deploy import CanarySpec

ENDINGS: dict[str, Status] = {"fail": "rolled_back", "abort": "aborted", "error": "error"}
SmokeTest = Callable[[str], tuple[RequestCounts, str | None]]


@dataclass(frozen=True)
class Settings:
    """Knobs of the local target that are not policy: how hard to push, how long to wait.

    `step_timeout_s` bounds a step that stays inconclusive (too few canary requests); the default
    is `max(30, 10 * step_duration)`. `mirror_share` of the canary's successful requests is also
    sent to stable to measure agreement (and the stable p95 at 100 %). `backend_timeout_s` bounds
    one call of the router to a side (and the final check that stable still answers).
    """

    threads: int = 4
    max_rps: float | None = None
    tick_s: float = 0.25
    start_timeout_s: float = 60.0
    step_timeout_s: float | None = None
    backend_timeout_s: float = 10.0
    mirror_share: float = 0.25
    drain_s: float = 0.5

    def step_timeout(self, duration: float) -> float:
        return self.step_timeout_s or max(30.0, 10.0 * duration)


@dataclass
class CanaryRun:
    spec: CanarySpec
    upstreams: Upstreams
    """The two sides behind the router: model servers, or LLM apps (`upstreams.py`)."""
    features: list[str]
    requests: list[Any]
    reference: dict[str, Any] | None
    state_dir: Path
    on_event: Callable[[CanaryEvent], None]
    settings: Settings
    pid: int
    started_at: float
    results: list[StepResult] = field(default_factory=list)
    procs: dict[str, Process] = field(default_factory=dict)
    traffic: TrafficReplayer | None = None
    step: int | None = None
    weight: int = 0
    current: StepAnalysis | None = None
    control: dict[str, Any] | None = None
    finished: bool = False
    counted: RequestCounts = field(default_factory=RequestCounts)
    """The counts of a run without traffic replay (a first deploy's smoke test)."""

    def execute(self) -> CanaryOutcome:
        self._write("starting", "starting the servers and the router")
        with self._processes() as processes:
            try:
                self._start(processes)
            except DeployError as exc:
                return self._not_started(exc)
            return self._serve()

    def first_deploy(self, smoke: SmokeTest) -> CanaryOutcome:
        """No stable to compare with: the canary's server alone (`upstreams` holds only it),
        `smoke(url)` → (counts, the problem found or None), then 100% when it found none
        (issue 14, item 2)."""
        self._write("starting", "first deploy: starting the server")
        with self._processes() as processes:
            try:
                self.procs.update(self.upstreams.start(processes, self.settings.start_timeout_s))
            except DeployError as exc:
                return self._not_started(exc)
            self.step, started = 0, time.monotonic()
            self._emit("started", f"first deploy: smoke test of {self.procs['canary'].url}")
            counts, problem = smoke(self.procs["canary"].url)
            return self._smoked(counts, problem, time.monotonic() - started)

    @contextmanager
    def _processes(self) -> Iterator[Processes]:
        try:
            with Processes(self.state_dir / "logs") as processes:
                yield processes
        except BaseException as exc:
            if not self.finished:  # a failed start, Ctrl-C: --status must not say running
                self._write("error", f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self.upstreams.close()

    def _not_started(self, exc: DeployError) -> CanaryOutcome:
        """A side or the router that never got ready: an ending like any other (`error`, no
        traffic moved), so the caller concludes it (the promoted alias given back) instead of
        leaving the release promoted and never deployed."""
        return self._finish("error", f"{not_started(exc)}; it never took traffic", self.counted)

    def _smoked(self, counts: RequestCounts, problem: str | None, elapsed: float) -> CanaryOutcome:
        passed = problem is None
        message = FIRST_DEPLOY if passed else f"first deploy: smoke test failed: {problem}"
        self.weight, self.counted = (100 if passed else 0), counts
        self.results.append(
            StepResult(0, 100, "pass" if passed else "fail", message, elapsed, None)
        )
        if passed:
            return self._finish("promoted", message, counts)
        return self._finish("rolled_back", f"{message}; it never took traffic", counts)

    def _finish(
        self,
        status: Status,
        message: str,
        requests: RequestCounts,
        router: dict[str, Any] | None = None,
        stable_serving: bool | None = None,
    ) -> CanaryOutcome:
        """The run's one ending: its outcome, in the state file (`--status`) and to the
        listeners; the router's totals and the stable side's health where `_serve` saw them."""
        outcome = CanaryOutcome(
            status=status,
            message=message,
            mode=self.spec.mode,
            steps=tuple(self.results),
            requests=requests,
            final_weight=self.weight,
            state_file=state.state_path(self.state_dir),
            router=router or {},
            stable_serving=stable_serving,
        )
        self.finished = True
        self._write(status, message, outcome)
        self._emit("finished", message, outcome=outcome)
        return outcome

    def _start(self, processes: Processes) -> None:
        timeout, settings = self.settings.start_timeout_s, self.settings
        self.procs.update(self.upstreams.start(processes, timeout))
        router = processes.router(
            self.procs["stable"],
            self.procs["canary"],
            settings.backend_timeout_s,
            settings.mirror_share,
            self.spec.analysis.tolerance(),
        )
        self.procs["router"] = router
        wait_ready([router], timeout)

    def _serve(self) -> CanaryOutcome:
        self.traffic = TrafficReplayer(
            self.procs["router"].url,
            self.requests,
            threads=self.settings.threads,
            max_rps=self.settings.max_rps,
            timeout=self.settings.backend_timeout_s * 2 + 5,
            path=self.upstreams.path,
        ).start()
        try:
            self._emit("started", f"serving on {self.procs['router'].url}")
            status, message = self._walk()
        finally:
            counts = self.traffic.stop()
        snapshot = self._stats(rows=False)
        stable = get_json(
            self.procs["stable"].url,
            self.upstreams.path,
            timeout=self.settings.backend_timeout_s,
            body=self.requests[0],
        )
        return self._finish(
            status,
            message,
            counts,
            router=snapshot["total"] if snapshot else {},
            stable_serving=stable[0] == 200,
        )

    def _walk(self) -> tuple[Status, str]:
        steps = self.spec.steps
        for index, weight in enumerate(steps):
            self.step = index
            if not self._set_weight(weight):
                return "error", self._broken() or "the router stopped answering its admin port"
            self._emit("step", f"step {index + 1}/{len(steps)}: canary at {weight}%")
            result = self._watch(index, weight)
            self.results.append(result)
            if result.verdict != "pass":
                return self._end(result)
        if self.weight != 100 and not self._set_weight(100):
            return "error", "the router stopped answering before the canary took 100%"
        return "promoted", f"the canary held every step ({', '.join(f'{w}%' for w in steps)})"

    def _end(self, result: StepResult) -> tuple[Status, str]:
        where = f"step {result.index + 1} ({result.weight}%)"
        if result.verdict == "promote-now":
            if not self._set_weight(100):
                return "error", f"{where}: promote-now: the router stopped answering"
            return "promoted", f"{where}: promoted now on request, analysis skipped"
        status = ENDINGS[result.verdict]
        message = f"{where}: {result.message}"
        if self.procs["stable"].exited() is not None:
            message += (
                f"; the canary keeps {self.weight}% (stable is down, nothing to roll back to)"
            )
        elif self._set_weight(0):
            message += "; rolled back to 0%"
        elif status != "error":
            status, message = "error", f"{message}; the router did not take the rollback"
        self._write(status, message)
        if self.weight == 0:  # keep the traffic flowing: every request answered after the move
            self._emit("rollback", message)
            time.sleep(self.settings.drain_s)
        return status, message

    def _watch(self, index: int, weight: int) -> StepResult:
        started, duration = time.monotonic(), self.spec.step_duration
        timeout = self.settings.step_timeout(duration)
        analysis: StepAnalysis | None = None
        window: dict[str, Any] = {}

        def result(verdict: StepVerdict, message: str) -> StepResult:
            elapsed = time.monotonic() - started
            return StepResult(index, weight, verdict, message, elapsed, analysis, window)

        while True:
            time.sleep(self.settings.tick_s)
            elapsed = time.monotonic() - started
            request = state.take_control(self.state_dir)
            if request is not None:
                self.control = {**request, "handled_at": time.time()}
                return result(request["action"], f"{request['action']} requested")
            broken = self._broken()
            snapshot = None if broken else self._stats(rows=self.reference is not None, pairs=True)
            if snapshot is None:
                return result("error", broken or "the router stopped answering its admin port")
            window = summary(snapshot["window"])
            analysis = analyse(
                self.upstreams.measure(snapshot["window"]),
                self.spec.analysis,
                min_requests=self.spec.min_requests,
                reference=self.reference,
                features=self.features,
            )
            self.current = analysis
            self._write("running", analysis.summary())
            self._emit("tick", analysis.summary(), analysis, elapsed)
            code = self.procs["canary"].exited()
            if code is not None:
                return result("fail", f"the canary server exited with {code}")
            problem = self.upstreams.problem()
            if problem is not None:
                return result("error", problem)
            if analysis.verdict == "fail":
                return result("fail", analysis.summary())
            if analysis.verdict == "pass" and elapsed >= duration:
                return result("pass", analysis.summary())
            if elapsed >= timeout:
                return result("error", f"inconclusive after {timeout:g} s: {analysis.summary()}")

    def _broken(self) -> str | None:
        """Why the run cannot go on: the router or the stable server is gone."""
        for name in ("router", "stable"):
            process = self.procs[name]
            code = process.exited()
            if code is not None:
                return f"the {name} process (pid {process.pid}) exited with {code}"
        return None

    def _set_weight(self, weight: int) -> bool:
        body = {"weight": weight, "mode": self.spec.mode}
        status, _ = get_json(self.procs["router"].url, "/-/config", timeout=5, body=body)
        if status == 200:
            self.weight = weight
        return status == 200

    def _stats(self, *, rows: bool, pairs: bool = False) -> dict[str, Any] | None:
        wanted = ("rows=1" if rows else "", self.upstreams.stats_query() if pairs else "")
        query = "&".join(part for part in wanted if part)
        path = f"/-/stats?{query}" if query else "/-/stats"
        status, snapshot = get_json(self.procs["router"].url, path, timeout=5)
        return snapshot if status == 200 and isinstance(snapshot, dict) else None

    def _counts(self) -> RequestCounts:
        return self.traffic.counts() if self.traffic else self.counted

    def _emit(
        self,
        kind: EventKind,
        message: str,
        analysis: StepAnalysis | None = None,
        elapsed: float = 0.0,
        outcome: CanaryOutcome | None = None,
    ) -> None:
        event = CanaryEvent(
            kind=kind,
            step=self.step,
            weight=self.weight,
            message=message,
            requests=self._counts(),
            analysis=analysis,
            elapsed_s=elapsed,
            urls={name: p.url for name, p in self.procs.items()},
            pids={name: p.pid for name, p in self.procs.items()},
            outcome=outcome,
        )
        self.on_event(event)

    def _write(self, status: str, message: str, outcome: CanaryOutcome | None = None) -> None:
        running = status in ("starting", state.RUNNING)
        document = {
            "target": "local",
            "pid": self.pid,
            "status": state.RUNNING if status == "starting" else status,
            "phase": status,
            "message": message,
            "mode": self.spec.mode,
            "steps": list(self.spec.steps),
            "step": self.step,
            "weight": self.weight,
            "started_at": self.started_at,
            "updated_at": time.time(),
            "urls": {name: p.url for name, p in self.procs.items()},
            "pids": {name: p.pid for name, p in self.procs.items()},
            "results": [r.to_dict() for r in self.results],
            "current": self.current.to_dict() if running and self.current else None,
            "requests": self._counts().to_dict(),
            "control": self.control,
            "outcome": outcome.to_dict() if outcome else None,
        }
        state.write_state(self.state_dir, document)
