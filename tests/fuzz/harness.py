"""The contract the real CLI must keep on hostile input, and what a broken one looks like
(issue 13, item 7); runners.py runs the CLI, the strategies make the input.

The contract, for any input whatsoever: exit 0, 1 or 2 (never 3, a bug; never a signal), no
Python traceback on stdout or stderr, done within a bounded time.
"""

from __future__ import annotations

import json
import os
import re
import signal
from dataclasses import dataclass

from hypothesis import HealthCheck, reject, settings
from hypothesis.control import currently_in_test_context

DEFAULT_EXAMPLES = 10
BUDGET_ENV = "MLOPS_GATE_FUZZ_EXAMPLES"
EXAMPLES = int(os.environ.get(BUDGET_ENV) or DEFAULT_EXAMPLES)
"""Examples per fuzz test: small by default (`make test`), `make fuzz` sets 2000."""
TIME_LIMIT_S = float(os.environ.get("MLOPS_GATE_FUZZ_TIME_LIMIT_S") or 60)
COLLECT_ENV = "MLOPS_GATE_FUZZ_COLLECT"
"""A JSONL file: record every broken contract there and go on (the long run's survey) instead
of stopping at the first one."""
LOG_HEADER = "--- traceback: "
KNOWN_FAILURES: dict[str, str] = {
    # signature (a regular expression) -> why it fails; test_fuzz_found.py holds an xfail case
    # for each. Fixed upstream: delete the entry here and the xfail marks there.
    # e.g. r"^exit 3 \| check \| gates/drift\.py:_kind AttributeError$": "issue 13: ...",
}
"""Broken contracts already reported (issue 13): the fuzz tests set such an example aside and
go on looking for new ones, so `make test` stays green while the owners fix them."""


def fuzz_settings(share: float = 1.0) -> settings:
    """`share` of the budget; the default budget replays a fixed sequence (a stable `make test`),
    a budget given in the environment explores anew on every run (`make fuzz`)."""
    explicit = BUDGET_ENV in os.environ
    return settings(
        max_examples=max(1, int(EXAMPLES * share)),
        deadline=None,  # runners.py bounds each run, where a hang cannot stop the suite
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
    crash: str = ""  # the tracebacks its output points to (exit 3, a gate's internal error)

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
    traces = outcome.crash.split(LOG_HEADER)[1:] or [outcome.output]
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
