"""Run the real CLI on hostile input and hold it to the contract (issue 13, item 7).

The contract, for any input whatsoever: exit 0, 1 or 2 (never 3, a bug; never a signal), no
Python traceback on stdout or stderr, done within a bounded time. `run_forked` runs
`mlops_gate.cli.main` in a forked child of the test process (heavy libraries already imported,
so an example costs milliseconds, not the seconds of a fresh interpreter), with its own working
directory, real file descriptors 1 and 2, a memory limit and a hard timeout: a crash, a hang or
a memory bomb ends the child, never the test run. `run_subprocess` is `python -m mlops_gate`,
exactly as a user runs it, for the end-to-end cases.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, reject, settings
from hypothesis.control import currently_in_test_context

DEFAULT_EXAMPLES = 10
BUDGET_ENV = "MLOPS_GATE_FUZZ_EXAMPLES"
EXAMPLES = int(os.environ.get(BUDGET_ENV) or DEFAULT_EXAMPLES)
"""Examples per fuzz test: small by default (`make test`), `make fuzz` sets 2000."""
TIME_LIMIT_S = float(os.environ.get("MLOPS_GATE_FUZZ_TIME_LIMIT_S") or 60)
MEMORY_HEADROOM = 3 << 30  # bytes a child may map beyond what the test process already has
ENV = {"NO_COLOR": "1", "COLUMNS": "200", "GX_ANALYTICS_ENABLED": "false"}
COLLECT_ENV = "MLOPS_GATE_FUZZ_COLLECT"
"""A JSONL file: record every broken contract there and go on (the long run's survey) instead
of stopping at the first one."""
_CRASH_LOG = re.compile(r"(?:full traceback: |\(traceback in )([^\s)]+)")
_LOG_HEADER = "--- traceback: "
KNOWN_FAILURES: dict[str, str] = {
    # signature (a regular expression) -> why it fails; test_fuzz_found.py holds one xfail case
    # for each. Fixed upstream: delete the entry here and the xfail mark there.
    r"^exit 3 \| \w+ \| policy/yaml_source\.py:\w+ \| yaml\.reader\.ReaderError$": (
        "issue 13: a control character (NUL) in the policy is an internal error, not a policy error"
    ),
}
"""Broken contracts already reported (issue 13): the fuzz tests set such an example aside and
go on looking for new ones, so `make test` stays green while the owners fix them."""


def fuzz_settings(share: float = 1.0) -> settings:
    """`share` of the budget; the default budget replays a fixed sequence (a stable `make test`),
    a budget given in the environment explores anew on every run (`make fuzz`)."""
    explicit = BUDGET_ENV in os.environ
    return settings(
        max_examples=max(1, int(EXAMPLES * share)),
        deadline=None,  # time is bounded per run, below, where a hang cannot stop the suite
        derandomize=not explicit,
        database=settings.default.database if explicit else None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=True,
    )


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    code: int | None  # None: killed at the time limit; negative: ended by that signal
    output: str
    seconds: float
    crash: str = ""  # the traceback `cli._crash` wrote for an exit 3: it names the module at fault

    def problems(self) -> list[str]:
        """How this run broke the contract (empty: it kept it)."""
        found = []
        if self.code is None:
            found.append(f"no answer within {TIME_LIMIT_S:g} s")
        elif self.code < 0:
            found.append(f"killed by signal {signal.Signals(-self.code).name}")
        elif self.code not in (0, 1, 2):
            found.append(f"exit {self.code}")
        if "Traceback" in self.output:
            found.append("a traceback in the output")
        return found


def assert_contract(outcome: Outcome, what: str = "") -> None:
    """Fail on a broken contract; in a hypothesis test, a known one (`KNOWN_FAILURES`) is set
    aside and the search goes on (the plain cases of test_fuzz_found.py still fail on it)."""
    problems = outcome.problems()
    if problems and os.environ.get(COLLECT_ENV):
        _collect(outcome, problems, what)
        return
    if problems and currently_in_test_context() and known_failure(outcome, problems):
        reject()
    assert not problems, (
        f"mlops-gate {' '.join(outcome.args)}: {', '.join(problems)}"
        f"{f' ({what})' if what else ''}\n--- output ---\n{outcome.output[-4000:]}"
        f"\n--- traceback ---\n{outcome.crash[-3000:]}"
    )


def known_failure(outcome: Outcome, problems: list[str]) -> str | None:
    found = signature(outcome, problems)
    return next((why for pattern, why in KNOWN_FAILURES.items() if re.search(pattern, found)), None)


def signature(outcome: Outcome, problems: list[str]) -> str:
    """What tells two broken runs apart: the problem, and for each traceback (the command's, or
    a gate's internal error) where in mlops_gate it ends and the exception's type."""
    traces = outcome.crash.split(_LOG_HEADER)[1:] or [outcome.output]
    spots = sorted({spot for trace in traces if (spot := _spot(trace))})
    return " | ".join([", ".join(problems), outcome.args[0], *spots])


def _spot(trace: str) -> str:
    lines = trace.splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith('  File "')]
    if not frames:
        return ""
    own = [i for i in frames if "/mlops_gate/" in lines[i]] or frames
    where = re.sub(r'  File "(?:.*/mlops_gate/)?([^"]+)", line \d+, in ', r"\1:", lines[own[-1]])
    after = [line for line in lines[frames[-1] + 1 :] if line and not line.startswith(" ")]
    return f"{where} {after[0].split(':', 1)[0] if after else ''}".strip()


def _collect(outcome: Outcome, problems: list[str], what: str) -> None:
    record = {
        "signature": signature(outcome, problems),
        "test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
        "seconds": round(outcome.seconds, 2),
        "args": list(outcome.args),
        "input": what[:3000],
        "output": outcome.output[-2000:],
        "traceback": outcome.crash[-6000:],
    }
    with open(os.environ[COLLECT_ENV], "a", encoding="utf-8") as sink:
        sink.write(json.dumps(record) + "\n")


def _with_crash(outcome: Outcome, cwd: Path) -> Outcome:
    """The outcome with the tracebacks its output points to (an exit 3's, each gate's)."""
    logs = [cwd / name for name in _CRASH_LOG.findall(outcome.output)]
    texts = [
        f"{_LOG_HEADER}{log.name}\n{log.read_text(encoding='utf-8', errors='replace')}"
        for log in logs
        if log.is_file()
    ]
    if not texts:
        return outcome
    return Outcome(outcome.args, outcome.code, outcome.output, outcome.seconds, "".join(texts))


def run_forked(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Outcome:
    """`mlops-gate ARGS` in a forked child, in `cwd`; its stdout and stderr go to one file."""
    output = cwd / ".fuzz-output"
    memory = _mapped_bytes() + MEMORY_HEADROOM
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os._exit(_child(args, cwd, output, memory, {**ENV, **(env or {})}))
    code = _wait(pid, started + TIME_LIMIT_S)
    text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
    return _with_crash(Outcome(tuple(args), code, text, time.perf_counter() - started), cwd)


def _child(args: list[str], cwd: Path, output: Path, memory: int, env: dict[str, str]) -> int:
    try:
        os.chdir(cwd)
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        os.environ.update(env)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        _interpreter_warnings()
        return _main(args)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _main(args: list[str]) -> int:
    """What `python -m mlops_gate ARGS` does: an uncaught exception prints a traceback, exit 1."""
    from mlops_gate.cli import main

    sys.argv = ["mlops-gate", *args]
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _interpreter_warnings() -> None:
    """The interpreter's own filters, not pytest's `error`: a warning is a line, not a crash."""
    warnings.resetwarnings()
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)


def _wait(pid: int, deadline: float) -> int | None:
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.perf_counter() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.005)


def _mapped_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def run_subprocess(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Outcome:
    """`python -m mlops_gate ARGS` in `cwd`, as a user runs it."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mlops_gate", *args],
            cwd=cwd,
            env={**os.environ, **ENV, **(env or {})},
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIME_LIMIT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        partial = (exc.stdout or b"") + (exc.stderr or b"")
        text = partial.decode(errors="replace") if isinstance(partial, bytes) else str(partial)
        return Outcome(tuple(args), None, text, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return _with_crash(
        Outcome(tuple(args), done.returncode, done.stdout + done.stderr, seconds), cwd
    )
