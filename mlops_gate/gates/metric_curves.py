"""The curves a `metric` gate records for the HTML report (`details.curves`), bounded in size.

Classification: a gate on a label metric (accuracy, f1...) records the confusion matrix (at the
decision threshold when one is set; at most `MAX_CLASSES` classes); a gate on a probability
metric (roc_auc, average_precision, brier, log_loss) of a binary model records ROC,
precision-recall and calibration curves of the model and of the champion (overlaid in the
report). Each gate records what explains its own number, so three metric gates do not repeat
one curve three times. Regression:
predicted against actual and a residual histogram. Each curve holds at most
`metrics.curves.MAX_POINTS` points. Recorded by the whole-set gate only (not per slice), on the
pandas engine (the Spark engine measures without collecting rows), and never a reason to fail:
a model whose outputs do not allow a curve just records fewer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.gates.metric import Config

MAX_CLASSES = 20


def curves(config: Config, context: GateContext) -> dict[str, Any]:
    """`{"curves": {...}}` for the details, or nothing when no curve applies."""
    from mlops_gate.errors import GateError

    if context.engine_hook("metric.measure") is not None:
        return {}
    try:
        found = _curves(config, context)
    except (GateError, ValueError, TypeError):
        return {}
    return {"curves": found} if found else {}


def _curves(config: Config, context: GateContext) -> dict[str, Any]:
    import numpy as np

    from mlops_gate.gates.metric_catalogue import PROBABILITY
    from mlops_gate.gates.metric_scoring import CLASSIFICATION, decided_labels
    from mlops_gate.metrics import curves as measure

    target = np.asarray(context.target("eval"))
    model = context.predictions("model", "eval")
    if config.metric not in CLASSIFICATION:
        if model.values is None:
            return {}
        values = np.asarray(model.values, dtype=np.float64).reshape(-1)
        return {"regression": measure.residuals(target.astype(np.float64), values)}
    found: dict[str, Any] = {}
    classes = list(model.classes or ())
    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    probability = config.metric in PROBABILITY
    decided = model.labels is not None or (config.threshold is not None and model.proba is not None)
    if not probability and decided:
        labels, _ = decided_labels(config, model, wanted)
        known = classes or sorted({*target.tolist(), *np.asarray(labels).tolist()}, key=str)
        if len(known) <= MAX_CLASSES:
            found["confusion"] = {
                "classes": [str(c) for c in known],
                "matrix": measure.confusion(target, labels, known),
            }
    if probability and model.proba is not None and len(classes) == 2:
        index = model.class_index(wanted)
        positive = target == classes[index]
        found["model"] = _probability_curves(positive, model.proba[:, index])
        found["pos_label"] = str(classes[index])
        if context.has_baseline():
            champion = context.predictions("baseline", "eval")
            if champion.proba is not None and champion.classes == model.classes:
                found["champion"] = _probability_curves(positive, champion.proba[:, index])
    return found


def _probability_curves(positive: Any, scores: Any) -> dict[str, Any]:
    import numpy as np

    from mlops_gate.metrics import curves as measure

    scores = np.asarray(scores, dtype=np.float64)
    return {
        "roc": measure.roc(positive, scores),
        "pr": measure.precision_recall(positive, scores),
        "calibration": measure.calibration(positive, scores),
    }
