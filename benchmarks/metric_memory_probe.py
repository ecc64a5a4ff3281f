"""Peak RSS of each gate's metric math on 50M rows shaped like the streamed path's (issue #8).

Each gate runs in a fresh process (`python benchmarks/metric_memory_probe.py GATE [ROWS]`, or all
of them with no argument): it builds what `loaders.predictions.concatenate` and the context keep
for a large eval set (int8 target, int8 labels, float32 (rows x 2) probabilities, a uint8 group
code per row, built a million rows at a time so the build itself stays small), then runs the
gate's metric math and prints one JSON line: the RSS before, the high-water mark (the
workers' `peak_rss_mb`: Linux's VmHWM, this program's own), the difference, the value and the
time.
Run it against another checkout with `PYTHONPATH=that/checkout`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np
from workers._worker import peak_rss_mb

GATES = (
    "roc_auc",
    "accuracy",
    "f1",
    "bias_dp",
    "bias_eo",
    "log_loss",
    "bootstrap_roc_auc",
    "bootstrap_accuracy",
)
ROWS = 50_000_000
STEP = 1 << 20


def data(rows: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(8)
    target = np.empty(rows, dtype=np.int8)
    labels = np.empty(rows, dtype=np.int8)
    groups = np.empty(rows, dtype=np.uint8)
    proba = np.empty((rows, 2), dtype=np.float32)
    for start in range(0, rows, STEP):
        size = min(STEP, rows - start)
        y = rng.integers(0, 2, size=size)
        logit = 1.5 * (2 * y - 1) + rng.normal(0, 2, size)
        p1 = (1 / (1 + np.exp(-logit))).astype(np.float32)
        target[start : start + size] = y
        labels[start : start + size] = p1 > 0.5
        groups[start : start + size] = rng.integers(0, 2, size=size)
        proba[start : start + size, 1] = p1
        proba[start : start + size, 0] = 1 - p1
    if os.environ.get("PROBE_OVER_ONE", "1") == "1":  # PROBE_OVER_ONE=0 for the old range check
        proba[:3, 1] = np.float32(1.0000001)  # ORT's sigmoid, as seen in the 50M-row benchmark
        proba[:3, 0] = 0
    return {"target": target, "labels": labels, "groups": groups, "proba": proba}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(gate: str, d: dict[str, np.ndarray]) -> Any:
    from mlops_gate.metrics import classification as cls
    from mlops_gate.metrics import fairness
    from mlops_gate.metrics.bootstrap import bootstrap_ci

    target, labels, proba, groups = d["target"], d["labels"], d["proba"], d["groups"]
    if gate in ("roc_auc", "bootstrap_roc_auc"):
        statistic = cls.roc_auc_statistic(target, proba, pos_label=1, classes=(0, 1))
    elif gate == "log_loss":
        statistic = cls.log_loss_statistic(target, proba, (0, 1))
    else:  # the metric gate's label path: the label set, then the statistic
        if hasattr(cls, "distinct_labels"):
            known = {*cls.distinct_labels(target, "y_true"), *cls.distinct_labels(labels, "y_pred")}
        else:
            known = {*target.tolist(), *labels.tolist()}
        assert len(known) == 2
        if gate in ("accuracy", "bootstrap_accuracy"):
            statistic = cls.label_statistic("accuracy", target, labels)
        elif gate == "f1":
            statistic = cls.label_statistic("f1", target, labels, average="binary", pos_label=1)
        else:  # the bias gate: boolean matches of the positive class, integer group codes
            y_pred, y_true = labels == 1, target == 1
            rates = fairness.group_rates(
                y_pred, groups, y_true if gate == "bias_eo" else None, pos_label=True
            )
            name = (
                "demographic_parity_difference"
                if gate == "bias_dp"
                else "equalized_odds_difference"
            )
            return fairness.disparity(rates, name).value
    if gate.startswith("bootstrap_"):
        interval = bootstrap_ci(statistic, confidence=0.95, n_resamples=2, seed=0)
        return [interval.point, interval.low, interval.high]
    return statistic.point()


def child(gate: str, rows: int) -> None:
    d = data(rows)
    built_peak = peak_rss_mb()
    before = rss_mb()
    started = time.perf_counter()
    try:
        value = run(gate, d)
    except Exception as exc:  # reported, not raised: the probe goes on
        value = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "gate": gate,
                "rows": rows,
                "rss_before_mb": round(before),
                "build_peak_mb": round(built_peak),
                "peak_mb": round(peak),
                "added_mb": round(peak - before),
                "seconds": round(seconds, 1),
                "value": value,
            }
        ),
        flush=True,
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in GATES:
        child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else ROWS)
        return
    rows = sys.argv[1] if len(sys.argv) > 1 else str(ROWS)
    for gate in GATES:
        subprocess.run([sys.executable, __file__, gate, rows], check=False)


if __name__ == "__main__":
    main()
