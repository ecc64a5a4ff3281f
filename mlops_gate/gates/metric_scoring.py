"""How the `metric` gate scores one model: enough rows, usable features, sklearn's number.

See the gate's docstring (`gates/metric.py`) for what is an `error` and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.gates.metric import Config
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.metrics.bootstrap import Statistic

CLASSIFICATION = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"})


def measure(
    config: Config, context: GateContext, role: Role
) -> tuple[Statistic, float, dict[str, Any]]:
    """The metric of `role` on the eval rows: its statistic, point value and how it was scored."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.features import checked_features
    from mlops_gate.metrics.errors import MetricUndefined

    is_classification = config.metric in CLASSIFICATION
    if is_classification != (context.task == "classification"):
        kind = "classification" if is_classification else "regression"
        raise GateError(f"{config.metric} is a {kind} metric but model.task is {context.task}")
    target = context.target("eval")
    _enough_rows(config, context, len(target))
    constant = checked_features(context, role, "eval")
    predictions = context.predictions(role, "eval")
    try:
        if is_classification:
            statistic, info = _classification(config, context, target, predictions)
        else:
            statistic, info = _regression(config, target, predictions), {}
        if statistic.ill_defined:
            raise MetricUndefined(statistic.ill_defined)
        value = statistic.point()
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} of the {role}: {exc}") from None
    return statistic, value, {**info, **({"constant_features": constant} if constant else {})}


def _enough_rows(config: Config, context: GateContext, rows: int) -> None:
    """An eval set under `min_rows` is an error (`gates/metric.py` says why 30)."""
    from mlops_gate.errors import GateError

    where = context.dataset_path("eval")
    if rows == 0:
        raise GateError(f"{where}: the eval set has no rows")
    if rows < config.min_rows:
        raise GateError(
            f"{where}: the eval set has {rows} row{'' if rows == 1 else 's'}, fewer than "
            f"min_rows {config.min_rows}: too few for a metric to gate a release on"
        )


def _regression(config: Config, target: Any, predictions: Predictions) -> Statistic:
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.regression import regression_statistic

    if predictions.values is None:
        raise GateError("the model has no regression output")
    metric = cast(Literal["mae", "rmse", "r2"], config.metric)
    return regression_statistic(metric, target, predictions.values)


def _classification(
    config: Config, context: GateContext, target: Any, predictions: Predictions
) -> tuple[Statistic, dict[str, Any]]:
    """Binary (at most two classes, scored on pos_label) or multiclass; see the module docstring."""
    from mlops_gate.metrics import classification as measure

    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    if config.metric in ("roc_auc", "log_loss"):
        return _probability_metric(config, target, predictions, wanted)
    labels = predictions.require_labels()
    metric = cast(Literal["accuracy", "precision", "recall", "f1"], config.metric)
    # The few distinct labels, not a Python list of every row (issue #8: 50M rows took gigabytes).
    known = {
        *measure.distinct_labels(target, "y_true"),
        *measure.distinct_labels(labels, "y_pred"),
        *(predictions.classes or ()),
    }
    if len(known) > 2:
        statistic = measure.label_statistic(metric, target, labels, average=config.average)
        return statistic, {} if metric == "accuracy" else {"average": config.average}
    pos = _match_label(wanted, known)
    statistic = measure.label_statistic(metric, target, labels, average="binary", pos_label=pos)
    return statistic, {} if metric == "accuracy" else {"pos_label": pos}


def _probability_metric(
    config: Config, target: Any, predictions: Predictions, wanted: Any
) -> tuple[Statistic, dict[str, Any]]:
    """roc_auc or log_loss from the probability output; y_true must hold two classes at least."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics import classification as measure
    from mlops_gate.metrics.errors import MetricUndefined

    proba = predictions.require_proba()
    classes = predictions.classes
    if classes is None:
        raise GateError("the order of the model's classes is unknown: set model.classes")
    if config.metric == "log_loss":
        present = measure.distinct_labels(target, "y_true")
        if len(present) < 2:
            raise MetricUndefined(
                f"y_true holds the single class {present[0]!r}: log_loss needs at least 2 to "
                "tell a model that separates them from one that does not"
            )
        return measure.log_loss_statistic(target, proba, classes), {}
    if len(classes) > 2:
        return measure.roc_auc_statistic(target, proba, classes=classes), {"average": "macro"}
    pos = _match_label(wanted, classes)
    statistic = measure.roc_auc_statistic(target, proba, pos_label=pos, classes=classes)
    return statistic, {"pos_label": pos}


def _match_label(wanted: Any, labels: Iterable[Any]) -> Any:
    """The label equal to `wanted`, else the one spelled the same (`pos_label: "1"` for 1)."""
    candidates = [label.item() if hasattr(label, "item") else label for label in labels]
    exact = [label for label in candidates if label == wanted]
    spelled = [label for label in candidates if str(label) == str(wanted)]
    return (exact or spelled or [wanted])[0]
