"""The live check, run in the cluster as an Argo analysis Job (`live_job.py`, issue 14):

    python -m mlops_gate.deploy.kubernetes.live_check --config live-check.json \\
        --canary http://app-canary.ns.svc.cluster.local:8080 --stable http://app-stable...:8080

It waits (up to `wait_s`) until a canary pod's live window (`GET /live-window` of the serving app)
holds enough rows, then judges them with the local canary's definitions
(`deploy.local.analysis`): agreement, by replaying the rows to stable and comparing the answers
with the canary's own (`agreeing`, with the policy's agreement_tolerance), and drift, as the PSI
of each column against the `data.reference` profile (`profile.profile_psi`). One line per
criterion on stdout (and the failures in the pod's termination message); exit 0 when every
criterion holds, 1 when one fails, 2 when it could not decide (too few rows, a server answering
an error): Argo counts 1 and 2 as a failed measurement, so an undecided check never passes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlops_gate.deploy.kubernetes.profile import profile_psi
from mlops_gate.deploy.local.analysis import Criterion, agreeing
from mlops_gate.metrics.errors import MetricUndefined

BATCH_ROWS = 500  # rows per replayed /predict request to stable
TIMEOUT_S = 30.0
TERMINATION_LOG = Path("/dev/termination-log")


class Undecided(Exception):
    """The check cannot reach a verdict (exit 2)."""


def main(argv: list[str] | None = None, sleep: Callable[[float], None] = time.sleep) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlops_gate.deploy.kubernetes.live_check")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--canary", required=True, help="the canary Service's base URL")
    parser.add_argument("--stable", required=True, help="the stable Service's base URL")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="per request, seconds")
    args = parser.parse_args(argv)
    config = json.loads(args.config.read_text(encoding="utf-8"))
    try:
        window = wait_for_window(args.canary, config, args.timeout, sleep)
        criteria = judge(window, config, args.stable, args.timeout)
    except Undecided as exc:
        return _finish([f"live check: could not decide: {exc}"], 2)
    lines = [f"{c.verdict}: {c.message}" for c in criteria]
    failed = [c for c in criteria if c.verdict != "pass"]
    return _finish(lines, 1 if failed else 0)


def needed_rows(config: dict[str, Any]) -> int:
    agreement = int(config["min_rows"]) if config.get("agreement") else 0
    drift = int(config["drift"]["min_rows"]) if config.get("drift") else 0
    return max(agreement, drift, 1)


def wait_for_window(
    canary: str, config: dict[str, Any], timeout: float, sleep: Callable[[float], None]
) -> dict[str, Any]:
    """The canary's live window once it holds `needed_rows`; Undecided at the deadline."""
    deadline = time.monotonic() + float(config["wait_s"])
    needed = needed_rows(config)
    while True:
        window = call(f"{canary}/live-window", None, timeout)
        rows = len(window.get("rows") or [])
        if rows >= needed:
            return window
        if time.monotonic() >= deadline:
            raise Undecided(f"{rows}/{needed} live canary rows after {config['wait_s']} s")
        sleep(float(config["poll_s"]))


def judge(
    window: dict[str, Any], config: dict[str, Any], stable: str, timeout: float
) -> list[Criterion]:
    criteria = []
    if config.get("agreement"):
        criteria.append(agreement(window, config["agreement"], stable, timeout))
    if config.get("drift"):
        criteria.append(drift(window["rows"], config["drift"]))
    return criteria


def agreement(
    window: dict[str, Any], settings: dict[str, Any], stable: str, timeout: float
) -> Criterion:
    """The share of the canary's live rows on which stable, asked now, agrees with it."""
    kind, rows, ours = window["kind"], window["rows"], window["outputs"]
    theirs: list[Any] = []
    for start in range(0, len(rows), BATCH_ROWS):
        answer = call(f"{stable}/predict", {"rows": rows[start : start + BATCH_ROWS]}, timeout)
        theirs += answer.get(kind) or []
    try:
        agreed = agreeing(kind, ours, theirs, rel_tol=settings["rel"], abs_tol=settings["abs"])
    except (TypeError, ValueError) as exc:
        raise Undecided(f"the stable answers cannot be compared: {exc}") from None
    share, limit = agreed / len(rows), float(settings["min"])
    held = share >= limit
    text = f"agreement {share:.2%} ({agreed}/{len(rows)} rows) {'>=' if held else '<'} {limit:g}"
    return Criterion("agreement", share, limit, "pass" if held else "fail", text)


def drift(rows: list[dict[str, Any]], settings: dict[str, Any]) -> Criterion:
    """The largest PSI over the profiled columns."""
    limit = float(settings["max"])
    if not settings["columns"]:
        raise Undecided("drift: no reference columns to compare")
    columns: dict[str, float] = {}
    for name, profile in settings["columns"].items():
        try:
            columns[name] = profile_psi(profile, [row.get(name) for row in rows])
        except MetricUndefined as exc:
            raise Undecided(f"drift of {name}: {exc}") from None
    worst = max(columns, key=columns.__getitem__)
    value = columns[worst]
    held = value <= limit
    text = f"PSI {value:.3f} ({worst}, {len(rows)} rows) {'<=' if held else '>'} {limit:g}"
    return Criterion("drift", value, limit, "pass" if held else "fail", text, {"columns": columns})


def call(url: str, body: Any, timeout: float) -> dict[str, Any]:
    """GET (no body) or POST JSON; the answer's JSON object, else Undecided."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise Undecided(f"{url}: HTTP {exc.code}: {exc.read()[:200]!r}") from None
    except (OSError, ValueError) as exc:
        raise Undecided(f"{url}: {exc}") from None
    if not isinstance(answer, dict):
        raise Undecided(f"{url}: expected a JSON object")
    return answer


def _finish(lines: list[str], code: int) -> int:
    for line in lines:
        print(line, flush=True)
    if TERMINATION_LOG.exists():  # in a pod: what `kubectl describe pod` shows of the Job
        TERMINATION_LOG.write_text("\n".join(lines)[:4000], encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
