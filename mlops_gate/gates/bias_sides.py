"""How the `bias` gate measures one kind of model: classification rates or regression errors.

Each side gives a per-group table with named groups (`GroupRates` or `GroupErrors`), the gap over
a selection of its groups, and a bootstrap `Statistic` of that gap over the gated rows, so that
`gates/bias_measure.py` writes the gating, the baseline comparison and the intervals once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast

if TYPE_CHECKING:
    import numpy.typing as npt

    from mlops_gate.gates.bias import Config
    from mlops_gate.gates.bias_groups import Grouping
    from mlops_gate.gates.bias_labels import PositiveClass
    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.metrics.bootstrap import Statistic
    from mlops_gate.metrics.fairness import GroupRates

Array: TypeAlias = "npt.NDArray[Any]"


@dataclass(frozen=True)
class Gap:
    """A gap (or ratio) over the gated groups: its value, the rate or error it is measured on,
    that number per gated group, and the groups at both ends."""

    value: float
    rate: str
    per_group: dict[str, float]
    highest: str
    lowest: str


class Side:
    """How one kind of model is measured: its per-group table and its bootstrap statistic."""

    def __init__(self, config: Config, context: GateContext, groups: Grouping) -> None:
        self.config, self.context, self.groups = config, context, groups

    def table(self, role: Role) -> Any:
        """Per-group numbers with named groups (`GroupRates` or `GroupErrors`)."""
        raise NotImplementedError

    def gap(self, table: Any) -> Gap:
        raise NotImplementedError

    def statistic(self, role: Role, compact: Array, mask: Array, width: int) -> Statistic:
        raise NotImplementedError


class Rates(Side):
    def table(self, role: Role) -> Any:
        rates, self.positive = group_rates_of(self.config, self.context, self.groups, role)
        return rates

    def gap(self, table: Any) -> Gap:
        from mlops_gate.metrics.fairness import disparity

        metric: Any = self.config.metric
        found = disparity(table, metric)
        values = dict(zip(table.groups, table.rate(found.rate).tolist(), strict=True))
        return Gap(found.value, found.rate, values, str(found.highest), str(found.lowest))

    def statistic(self, role: Role, compact: Array, mask: Array, width: int) -> Statistic:
        from mlops_gate.metrics.fairness_bootstrap import disparity_statistic

        _, predicted, actual, _ = outcomes(self.config, self.context, self.groups, role)
        truth = None if actual is None else actual[mask]
        metric: Any = self.config.metric
        return disparity_statistic(compact[mask], predicted[mask], truth, width, metric)


class Errors(Side):
    def _pair(self, role: Role) -> tuple[Array, Array]:
        """The targets and `role`'s predictions as floats."""
        import numpy as np

        from mlops_gate.errors import GateError

        values = self.context.predictions(role, "eval").values
        if values is None:
            raise GateError("the model has no regression output")
        try:
            target = np.asarray(self.context.target(), dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise GateError("the target column is not numeric") from None
        return target, np.asarray(values, dtype=np.float64).reshape(-1)

    def table(self, role: Role) -> Any:
        import dataclasses

        from mlops_gate.metrics.fairness_regression import group_errors

        table = group_errors(*self._pair(role), self.groups.keys)
        return dataclasses.replace(table, groups=tuple(self.groups.names[g] for g in table.groups))

    def gap(self, table: Any) -> Gap:
        from mlops_gate.metrics.fairness_regression import error_gap

        found = error_gap(table, self.config.metric)  # type: ignore[arg-type]
        values = dict(zip(table.groups, table.error(found.error).tolist(), strict=True))
        return Gap(found.value, found.error, values, str(found.highest), str(found.lowest))

    def statistic(self, role: Role, compact: Array, mask: Array, width: int) -> Statistic:
        from mlops_gate.metrics.fairness_regression import error_gap_statistic

        target, predicted = self._pair(role)
        error = (target - predicted)[mask]
        metric: Any = self.config.metric
        return error_gap_statistic(compact[mask], error, width, metric)


def group_rates_of(
    config: Config, context: GateContext, groups: Grouping, role: Role
) -> tuple[GroupRates, PositiveClass]:
    """Per-group counts of `role`'s predictions on the eval rows, groups named, and the class
    gated: the one place the gate computes group rates (a data engine may answer here)."""
    if (hook := context.engine_hook("bias.group_rates")) is not None:  # engine/data/hooks.py
        return cast("tuple[GroupRates, PositiveClass]", hook(config, context, groups, role))
    import dataclasses

    from mlops_gate.metrics.fairness import group_rates

    keys, predicted, actual, positive = outcomes(config, context, groups, role)
    rates = group_rates(predicted, keys, actual, pos_label=True)
    named = tuple(groups.names[g] for g in rates.groups)
    return dataclasses.replace(rates, groups=named), positive


def outcomes(
    config: Config, context: GateContext, groups: Grouping, role: Role
) -> tuple[Array, Array, Array | None, PositiveClass]:
    """Each eval row's group key, whether `role` predicted the positive class, whether it is
    labelled positive (None when the metric reads no labels), and that class."""
    from mlops_gate.gates.bias_labels import matches, positive_class

    predictions = context.predictions(role, "eval")
    positive = positive_class(config.pos_label, context, role)
    predicted = matches(predictions.require_labels(), positive.label)
    needs_truth = "target" in config.required_inputs()
    actual = matches(context.target(), positive.label) if needs_truth else None
    return groups.keys, predicted, actual, positive
