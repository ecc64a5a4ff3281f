"""Two ways to run the real CLI on one example, each bounded in time (issue 13 item 7).

`run_forked` runs `mlops_gate.cli.main` in a forked child of the test process (heavy libraries
already imported, so an example costs milliseconds, not the seconds of a fresh interpreter), with
its own working directory, real file descriptors 1 and 2, a memory limit and a hard timeout: a
crash, a hang or a memory bomb ends the child, never the test run. `run_subprocess` is
`python -m mlops_gate`, exactly as a user runs it, for the end-to-end cases.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import re
import resource
import signal
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

from tests.fuzz.harness import LOG_HEADER, TIME_LIMIT_S, Outcome

MEMORY_HEADROOM = 3 << 30  # bytes a child may map beyond what the test process already has
ENV = {"NO_COLOR": "1", "COLUMNS": "200", "GX_ANALYTICS_ENABLED": "false"}
_CRASH_LOG = re.compile(r"(?:full traceback: |\(traceback in )([^\s)]+)")


def _with_crash(outcome: Outcome, cwd: Path) -> Outcome:
    """The outcome with the tracebacks its output points to (an exit 3's, each gate's)."""
    logs = [cwd / name for name in _CRASH_LOG.findall(outcome.output)]
    texts = [
        f"{LOG_HEADER}{log.name}\n{log.read_text(encoding='utf-8', errors='replace')}"
        for log in logs
        if log.is_file()
    ]
    if not texts:
        return outcome
    return Outcome(outcome.args, outcome.code, outcome.output, outcome.seconds, "".join(texts))


def run_forked(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Outcome:
    """`mlops-gate ARGS` in a forked child, in `cwd`; its stdout and stderr go to one file."""
    output = cwd / ".fuzz-output"
    mapped = _mapped_bytes()
    memory = None if mapped is None else mapped + MEMORY_HEADROOM
    started = time.perf_counter()
    # The test process's objects go out of the collector's sight before the fork, so the child's
    # collections never finalize what the parent left unreachable: a finalizer that takes a lock
    # one of the parent's threads held at the fork (xdist's I/O thread, a Spark gateway's) would
    # wait forever (`gc.freeze`'s documented use, for fork without exec).
    gc.freeze()
    try:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            os._exit(_child(args, cwd, output, memory, {**ENV, **(env or {})}))
    finally:
        gc.unfreeze()
    code = _wait(pid, started + TIME_LIMIT_S)
    text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
    return _with_crash(Outcome(tuple(args), code, text, time.perf_counter() - started), cwd)


def _child(
    args: list[str], cwd: Path, output: Path, memory: int | None, env: dict[str, str]
) -> int:
    try:
        os.chdir(cwd)
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        os.environ.update(env)
        # A hang says where it hangs: every thread's stack, just before the parent's kill.
        faulthandler.dump_traceback_later(max(TIME_LIMIT_S - 3, 1), file=sys.stderr)
        if memory is not None:
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


def _mapped_bytes() -> int | None:
    """The address space this process maps (Linux); None elsewhere: then no memory limit."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return None


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
