"""How the `metric` gate scores one model: enough rows, usable features, sklearn's number.

See the gate's docstring (`gates/metric.py`) for what is an `error` and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, cast

from mlops_gate.gates import metric_catalogue as _catalogue

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.gates.metric import Config
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.metrics.bootstrap import Statistic

CLASSIFICATION = _catalogue.CLASSIFICATION  # the name other modules import


def measure(
    config: Config, context: GateContext, role: Role
) -> tuple[Statistic, float, dict[str, Any]]:
    """The metric of `role` on the eval rows: its statistic, point value and how it was scored."""
    if (hook := context.engine_hook("metric.measure")) is not None:  # Spark: engine/data/hooks.py
        return cast("tuple[Statistic, float, dict[str, Any]]", hook(config, context, role))
    from mlops_gate.gates.features import checked_features

    _check_task(config, context)
    target = context.target("eval")
    enough_rows(config, context, len(target))
    constant = checked_features(context, role, "eval")
    predictions = context.predictions(role, "eval")
    statistic, value, info = score(config, context, role, target, predictions)
    return statistic, value, {**info, **({"constant_features": constant} if constant else {})}


def measure_rows(
    config: Config, context: GateContext, role: Role, rows: Any
) -> tuple[Statistic, float, dict[str, Any]]:
    """The metric of `role` on some eval rows (a slice: an index array), as `measure`."""
    if (hook := context.engine_hook("metric.measure_rows")) is not None:  # engine/data/hooks.py
        return cast("tuple[Statistic, float, dict[str, Any]]", hook(config, context, role, rows))
    from mlops_gate.loaders.predictions import Predictions

    _check_task(config, context)
    whole = context.predictions(role, "eval")
    predictions = Predictions(
        **{
            name: None if getattr(whole, name) is None else getattr(whole, name)[rows]
            for name in ("labels", "proba", "values")
        },
        classes=whole.classes,
    )
    return score(config, context, role, context.target("eval")[rows], predictions)


def score(
    config: Config, context: GateContext, role: Role, target: Any, predictions: Predictions
) -> tuple[Statistic, float, dict[str, Any]]:
    """The statistic, its point value and how it was scored; an undefined one is a GateError."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined

    try:
        if config.metric not in _catalogue.BUILTIN:
            statistic, info = _custom(config, context, target, predictions)
        elif config.metric in CLASSIFICATION:
            statistic, info = _classification(config, context, target, predictions)
        else:
            statistic, info = _regression(config, target, predictions), {}
        if statistic.ill_defined:
            raise MetricUndefined(statistic.ill_defined)
        value = statistic.point()
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} of the {role}: {exc}") from None
    return statistic, value, info


def _check_task(config: Config, context: GateContext) -> None:
    from mlops_gate.errors import GateError

    if config.metric not in _catalogue.BUILTIN:
        return  # a custom metric takes the outputs of either task
    is_classification = config.metric in CLASSIFICATION
    if is_classification != (context.task == "classification"):
        kind = "classification" if is_classification else "regression"
        raise GateError(f"{config.metric} is a {kind} metric but model.task is {context.task}")


def enough_rows(config: Config, context: GateContext, rows: int) -> None:
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
    metric = cast(Literal["mae", "rmse", "r2", "mape"], config.metric)
    return regression_statistic(metric, target, predictions.values)


def _classification(
    config: Config, context: GateContext, target: Any, predictions: Predictions
) -> tuple[Statistic, dict[str, Any]]:
    """Binary (at most two classes, scored on pos_label) or multiclass; see the module docstring."""
    from mlops_gate.metrics import classification as measure

    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    if config.metric in _catalogue.PROBABILITY:
        return _probability_metric(config, target, predictions, wanted)
    labels, info = decided_labels(config, predictions, wanted)
    metric = cast(measure.LabelMetric, config.metric)
    # The few distinct labels, not a Python list of every row (issue #8: 50M rows took gigabytes).
    known = {
        *measure.distinct_labels(target, "y_true"),
        *measure.distinct_labels(labels, "y_pred"),
        *(predictions.classes or ()),
    }
    whole = metric in measure.WHOLE
    if len(known) > 2:
        statistic = measure.label_statistic(metric, target, labels, average=config.average)
        return statistic, info if whole else {**info, "average": config.average}
    pos = match_label(wanted, known)
    statistic = measure.label_statistic(metric, target, labels, average="binary", pos_label=pos)
    return statistic, info if whole else {**info, "pos_label": pos}


def decided_labels(
    config: Config, predictions: Predictions, wanted: Any
) -> tuple[Any, dict[str, Any]]:
    """The model's labels, or with `threshold` its binary decisions: pos_label where the positive
    class's probability is >= threshold, the other class elsewhere."""
    import numpy as np

    from mlops_gate.errors import GateError

    if config.threshold is None:
        return predictions.require_labels(), {}
    proba, classes = predictions.require_proba(), predictions.classes
    if classes is None or len(classes) != 2:
        found = "unknown classes" if classes is None else f"{len(classes)} classes"
        raise GateError(f"threshold decides between two classes; the model has {found}")
    index = predictions.class_index(wanted)
    names = np.asarray(classes)
    labels = np.where(proba[:, index] >= config.threshold, names[index], names[1 - index])
    info = {"decision_threshold": config.threshold, "pos_label": _plain(classes[index])}
    return labels, info


def _probability_metric(
    config: Config, target: Any, predictions: Predictions, wanted: Any
) -> tuple[Statistic, dict[str, Any]]:
    """A metric of the probability output; y_true must hold two classes for roc_auc/log_loss."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics import classification as measure
    from mlops_gate.metrics import probability
    from mlops_gate.metrics.errors import MetricUndefined

    proba = predictions.require_proba()
    classes = predictions.classes
    if classes is None:
        raise GateError("the order of the model's classes is unknown: set model.classes")
    if config.metric == "brier":
        pos = match_label(wanted, classes) if len(classes) == 2 else None
        statistic = probability.brier_statistic(target, proba, classes, pos)
        return statistic, {} if pos is None else {"pos_label": pos}
    if config.metric == "log_loss":
        present = measure.distinct_labels(target, "y_true")
        if len(present) < 2:
            raise MetricUndefined(
                f"y_true holds the single class {present[0]!r}: log_loss needs at least 2 to "
                "tell a model that separates them from one that does not"
            )
        return measure.log_loss_statistic(target, proba, classes), {}
    if len(classes) > 2 and config.metric == "roc_auc":
        return measure.roc_auc_statistic(target, proba, classes=classes), {"average": "macro"}
    if len(classes) > 2:
        raise MetricUndefined(
            f"average_precision scores a binary model; this one has {len(classes)} classes"
        )
    pos = match_label(wanted, classes)
    if config.metric == "average_precision":
        scores = proba[:, predictions.class_index(pos)]
        return probability.average_precision_statistic(target, scores, pos_label=pos), {
            "pos_label": pos
        }
    statistic = measure.roc_auc_statistic(target, proba, pos_label=pos, classes=classes)
    return statistic, {"pos_label": pos}


def _custom(
    config: Config, context: GateContext, target: Any, predictions: Predictions
) -> tuple[Statistic, dict[str, Any]]:
    """A registered function of (y_true, y_pred, y_score): labels or values, and the positive
    class's probability (binary) or the probability matrix (multiclass), None without one."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.metric_catalogue import custom_metric
    from mlops_gate.metrics.custom import custom_statistic

    try:
        function = custom_metric(config.metric)
    except (ValueError, ImportError, AttributeError) as exc:
        raise GateError(f"metric {config.metric!r}: {exc}") from None
    if context.task != "classification":
        return custom_statistic(config.metric, function, target, predictions.values, None), {}
    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    labels, info = (
        decided_labels(config, predictions, wanted)
        if (predictions.labels is not None or config.threshold is not None)
        else (None, {})
    )
    scores = predictions.proba
    if scores is not None and predictions.classes is not None and len(predictions.classes) == 2:
        scores = scores[:, predictions.class_index(wanted)]
        info = {**info, "pos_label": _plain(predictions.classes[predictions.class_index(wanted)])}
    statistic = custom_statistic(config.metric, function, target, labels, scores)
    return statistic, {**info, "custom": True}


def _plain(label: Any) -> Any:
    return label.item() if hasattr(label, "item") else label


def match_label(wanted: Any, labels: Iterable[Any]) -> Any:
    """The label equal to `wanted`, else the one spelled the same (`pos_label: "1"` for 1)."""
    candidates = [label.item() if hasattr(label, "item") else label for label in labels]
    exact = [label for label in candidates if label == wanted]
    spelled = [label for label in candidates if str(label) == str(wanted)]
    return (exact or spelled or [wanted])[0]
