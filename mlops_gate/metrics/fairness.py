"""Group fairness gaps with fairlearn's definitions (DESIGN.md "Definitions" → Bias) in numpy.

Per group: selection rate = share of positive predictions, TPR = positive predictions among the
rows labelled positive, FPR = positive predictions among the rows labelled negative. A gap is the
largest minus the smallest rate over the groups (fairlearn's `method="between_groups"`); a ratio is
the smallest divided by the largest (fairlearn's `MetricFrame.ratio`), so 1 is parity and
`demographic_parity_ratio >= 0.8` is the four-fifths rule. Equalized odds takes the worse of its
TPR and FPR numbers (the larger gap, the smaller ratio: fairlearn's `agg="worst_case"`).

Zero rates and zero divisors, against fairlearn: a ratio with a smallest rate of 0 and a largest
above 0 is 0, as there. Where every group's rate is 0 fairlearn's ratio is 0/0 = NaN; here it is
undefined (`MetricUndefined`). Where fairlearn reports 0 for a rate with a zero divisor (a group
without positive or negative labels), the rate here is undefined and so is any gap or ratio that
needs it: a gate must not pass on a made-up 0.

`metrics/fairness_bootstrap.py` computes the same numbers for a stack of resampled rate tables
at once (`disparity_values`), NaN where one is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import CHUNK
from mlops_gate.metrics.classification import codes_of, distinct
from mlops_gate.metrics.errors import MetricUndefined

FairnessMetric = Literal[
    "demographic_parity_difference",
    "equalized_odds_difference",
    "equal_opportunity_difference",
    "demographic_parity_ratio",
    "equalized_odds_ratio",
    "equal_opportunity_ratio",
]
Rate = Literal["selection_rate", "tpr", "fpr"]
RATES_OF: dict[str, tuple[Rate, ...]] = {
    "demographic_parity_difference": ("selection_rate",),
    "equalized_odds_difference": ("tpr", "fpr"),
    "equal_opportunity_difference": ("tpr",),
    "demographic_parity_ratio": ("selection_rate",),
    "equalized_odds_ratio": ("tpr", "fpr"),
    "equal_opportunity_ratio": ("tpr",),
}
_DIVISOR_NAME = {"selection_rate": "rows", "tpr": "positive labels", "fpr": "negative labels"}


@dataclass(frozen=True)
class GroupRates:
    """Counts per group, groups in sorted order; label counts are None without `y_true`."""

    groups: tuple[Any, ...]
    rows: npt.NDArray[np.int64]
    selected: npt.NDArray[np.int64]
    positives: npt.NDArray[np.int64] | None = None
    true_positives: npt.NDArray[np.int64] | None = None
    false_positives: npt.NDArray[np.int64] | None = None

    def rate(self, name: Rate) -> npt.NDArray[np.float64]:
        """The rate per group, NaN where its divisor is zero."""
        if name == "selection_rate":
            return _divide(self.selected, self.rows)
        if self.positives is None or self.true_positives is None or self.false_positives is None:
            raise MetricUndefined(f"{name} needs the true labels")
        if name == "tpr":
            return _divide(self.true_positives, self.positives)
        return _divide(self.false_positives, self.rows - self.positives)

    def select(self, keep: npt.NDArray[np.bool_]) -> GroupRates:
        """Only the groups where `keep` is true (e.g. those large enough to gate)."""

        def pick(counts: npt.NDArray[np.int64] | None) -> npt.NDArray[np.int64] | None:
            return None if counts is None else counts[keep]

        return GroupRates(
            groups=tuple(g for g, k in zip(self.groups, keep.tolist(), strict=True) if k),
            rows=self.rows[keep],
            selected=self.selected[keep],
            positives=pick(self.positives),
            true_positives=pick(self.true_positives),
            false_positives=pick(self.false_positives),
        )


def is_ratio(metric: str) -> bool:
    """Whether `metric` is a ratio (higher is better, 1 is parity) rather than a gap."""
    return metric.endswith("_ratio")


@dataclass(frozen=True)
class Disparity:
    """A gap (or ratio) and where it lies: its rate and that rate's highest and lowest groups."""

    value: float
    rate: Rate
    highest: Any
    lowest: Any


def group_rates(
    y_pred: npt.ArrayLike,
    sensitive_features: npt.ArrayLike,
    y_true: npt.ArrayLike | None = None,
    *,
    pos_label: Any = 1,
) -> GroupRates:
    """Count rows, positive predictions and (with `y_true`) label outcomes per group, vectorised.

    One `bincount` per slice of rows over (group, predicted, actual) cells: no sort of the rows and
    no full-size temporaries (issue #8: integer group codes of 50M rows stay a few MB beside them).
    """
    predicted = np.asarray(y_pred).reshape(-1)
    sensitive = np.asarray(sensitive_features).reshape(-1)
    if sensitive.size != predicted.size:
        raise ValueError(f"{predicted.size} predictions but {sensitive.size} sensitive values")
    if sensitive.size == 0:
        raise MetricUndefined("no rows")
    actual = None if y_true is None else np.asarray(y_true).reshape(-1)
    if actual is not None and actual.size != predicted.size:
        raise ValueError(f"{predicted.size} predictions but {actual.size} true labels")
    groups = distinct(sensitive)
    width = groups.size
    cells = np.zeros(4 * width, dtype=np.int64)  # group * 4 + predicted * 2 + actual
    for start in range(0, sensitive.size, CHUNK):
        part = slice(start, start + CHUNK)
        code = codes_of(sensitive[part], groups).astype(np.intp) * 4
        code += np.asarray(predicted[part] == pos_label, dtype=np.intp) * 2
        if actual is not None:
            code += np.asarray(actual[part] == pos_label, dtype=np.intp)
        cells += np.bincount(code, minlength=4 * width)
    table = cells.reshape(width, 2, 2)  # [group, predicted, actual]
    rows = table.sum(axis=(1, 2))
    selected = table[:, 1, :].sum(axis=1)
    if actual is None:
        return GroupRates(groups=tuple(groups.tolist()), rows=rows, selected=selected)
    return GroupRates(
        groups=tuple(groups.tolist()),
        rows=rows,
        selected=selected,
        positives=table[:, :, 1].sum(axis=1),
        true_positives=table[:, 1, 1],
        false_positives=table[:, 1, 0],
    )


def disparity(rates: GroupRates, metric: FairnessMetric) -> Disparity:
    """The gap (ratio) `metric` measures; for equalized odds the worse of the TPR and FPR ones."""
    if len(rates.groups) < 2:
        raise MetricUndefined(f"{metric} needs at least 2 groups, got {len(rates.groups)}")
    ratio = is_ratio(metric)
    gaps = [_rate_gap(rates, name, ratio) for name in RATES_OF[metric]]
    if ratio:
        return min(gaps, key=lambda gap: gap.value)
    return max(gaps, key=lambda gap: gap.value)


def demographic_parity_ratio(
    y_true: npt.ArrayLike | None,
    y_pred: npt.ArrayLike,
    *,
    sensitive_features: npt.ArrayLike,
    pos_label: Any = 1,
) -> float:
    """Min / max selection rate over groups (`y_true` is ignored, as in fairlearn)."""
    rates = group_rates(y_pred, sensitive_features, pos_label=pos_label)
    return disparity(rates, "demographic_parity_ratio").value


def equalized_odds_ratio(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sensitive_features: npt.ArrayLike,
    pos_label: Any = 1,
) -> float:
    """The smaller of the TPR ratio and the FPR ratio over groups."""
    rates = group_rates(y_pred, sensitive_features, y_true, pos_label=pos_label)
    return disparity(rates, "equalized_odds_ratio").value


def equal_opportunity_ratio(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sensitive_features: npt.ArrayLike,
    pos_label: Any = 1,
) -> float:
    """Min / max TPR over groups."""
    rates = group_rates(y_pred, sensitive_features, y_true, pos_label=pos_label)
    return disparity(rates, "equal_opportunity_ratio").value


def demographic_parity_difference(
    y_true: npt.ArrayLike | None,
    y_pred: npt.ArrayLike,
    *,
    sensitive_features: npt.ArrayLike,
    pos_label: Any = 1,
) -> float:
    """Max - min selection rate over groups (`y_true` is ignored, as in fairlearn)."""
    rates = group_rates(y_pred, sensitive_features, pos_label=pos_label)
    return disparity(rates, "demographic_parity_difference").value


def equalized_odds_difference(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sensitive_features: npt.ArrayLike,
    pos_label: Any = 1,
) -> float:
    """The larger of the TPR gap and the FPR gap over groups."""
    rates = group_rates(y_pred, sensitive_features, y_true, pos_label=pos_label)
    return disparity(rates, "equalized_odds_difference").value


def equal_opportunity_difference(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    sensitive_features: npt.ArrayLike,
    pos_label: Any = 1,
) -> float:
    """Max - min TPR over groups."""
    rates = group_rates(y_pred, sensitive_features, y_true, pos_label=pos_label)
    return disparity(rates, "equal_opportunity_difference").value


def _rate_gap(rates: GroupRates, name: Rate, ratio: bool = False) -> Disparity:
    values = rates.rate(name)
    undefined = np.isnan(values)
    if undefined.any():
        names = [repr(g) for g, u in zip(rates.groups, undefined.tolist(), strict=True) if u]
        label = "group" if len(names) == 1 else "groups"
        raise MetricUndefined(
            f"{name} is undefined for {label} {', '.join(names)} (no {_DIVISOR_NAME[name]})"
        )
    high, low = int(np.argmax(values)), int(np.argmin(values))
    if not ratio:
        gap = float(values[high] - values[low])
    elif values[high] > 0:
        gap = float(values[low] / values[high])
    else:
        raise MetricUndefined(f"{name} is 0 for every group: the ratio is 0/0")
    return Disparity(gap, name, rates.groups[high], rates.groups[low])


def _divide(
    numerator: npt.NDArray[np.int64], denominator: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    result = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=result, where=denominator > 0)
    return result
