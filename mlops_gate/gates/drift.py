"""`drift` gate: reference vs eval per column (and on model scores), by PSI or a scipy test.

The methods and their definitions are in docs/gates/drift.md; how one column is measured is in
`gates/drift_measure.py`, which asks the evaluation context for counts and quantiles so that the
same numbers come from every data engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig
from mlops_gate.gates.drift_measure import DEFAULT_DISTANCE_MAX, P_VALUE_METHODS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mlops_gate.gates.context import DatasetName, GateContext
    from mlops_gate.gates.drift_measure import ColumnDrift
    from mlops_gate.gates.drift_samples import Sample
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """One drift method per gate; the value is the worst column's number, or with
    `max_drifted_share` (and `method: auto`) the share of drifted columns.

    Limits are inclusive (a PSI equal to `max` passes, a p-value equal to `alpha` passes),
    compared with a tolerance of a few ulps (`gates/base.py`).
    """

    type: Literal["drift"]
    method: Literal["psi", "ks", "chisquare", "wasserstein", "jensenshannon", "auto"] = Field(
        default="psi",
        description="psi, ks, chisquare, wasserstein (normalised), jensenshannon, or auto "
        "(by column type and reference rows, as Evidently chooses); see docs/gates/drift.md.",
    )
    bins: int = Field(
        default=10, ge=2, le=1000, description="Quantile bins from the reference (binned methods)."
    )
    max: float | None = Field(
        default=None,
        gt=0,
        description="Fail if a column's PSI or distance is above this (required for psi; "
        "wasserstein and jensenshannon default to 0.1).",
    )
    warn: float | None = Field(
        default=None, gt=0, description="Warn if a column's PSI or distance is above this."
    )
    alpha: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="ks and chisquare: a column drifted when its p-value is below this.",
    )
    max_drifted_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Fail only if the share of drifted columns is above this (0.5: half).",
    )
    min_rows: int | None = Field(
        default=None, ge=1, description="Error if either set has fewer rows than this."
    )
    columns: Literal["all"] | list[str] = Field(
        default="all", description="`all` (the features) or a list of columns."
    )
    predictions: bool = Field(
        default=False, description="Also compare the model's scores on both sets."
    )
    epsilon: float = Field(default=1e-6, gt=0, lt=0.01, description="Lower clip for bin shares.")

    requires = frozenset({"reference", "eval"})

    def required_inputs(self) -> frozenset[str]:
        return self.requires | ({"model"} if self.predictions else set())

    def distance_max(self, method: str) -> float:
        """The fail limit of a distance method (psi requires `max`; the others default)."""
        return self.max if self.max is not None else DEFAULT_DISTANCE_MAX

    @model_validator(mode="after")
    def _limits_fit_the_method(self) -> Config:
        if self.method == "psi" and self.max is None:
            raise ValueError("max is required for method psi (e.g. max: 0.2)")
        if self.method in P_VALUE_METHODS and (self.max is not None or self.warn is not None):
            raise ValueError(
                f"max and warn limit distances; method {self.method} is a test that fails when "
                "its p-value is below alpha"
            )
        if self.warn is not None and self.warn > self.distance_max(self.method):
            raise ValueError("warn is greater than max")
        if isinstance(self.columns, list) and not self.columns:
            raise ValueError("columns is empty: list at least one column, or use `all`")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Each compared column's (and the model scores') drift, then the gate's rule over them."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.drift_measure import measure
    from mlops_gate.gates.drift_samples import ColumnSample

    _check_rows(config, context)
    results: dict[str, ColumnDrift] = {}
    # One column at a time: the engine counts it where the data lives, nothing is kept.
    for name in _columns(config, context):
        reference, current = (
            ColumnSample(context, "reference", name),
            ColumnSample(context, "eval", name),
        )
        results[name] = measure(name, reference, current, config)
    if config.predictions:
        for name, (ref, cur) in _prediction_scores(context).items():
            if name in results:
                raise GateError(f"column '{name}' clashes with the name of the prediction scores")
            results[name] = measure(name, ref, cur, config)
    from mlops_gate.gates.drift_result import drift_result

    return drift_result(config, results)


def _check_rows(config: Config, context: GateContext) -> None:
    """Both sets have rows, and at least `min_rows` when the policy asks (else too few to decide)."""
    from mlops_gate.errors import GateError

    sets: tuple[DatasetName, ...] = ("reference", "eval")
    for which in sets:
        rows = context.row_count(which)
        if rows == 0:
            raise GateError(f"{context.dataset_path(which)} has no rows: nothing to compare")
        if config.min_rows is not None and rows < config.min_rows:
            raise GateError(
                f"{context.dataset_path(which)} has {rows} rows, fewer than min_rows "
                f"{config.min_rows}: too few to decide drift"
            )


def _columns(config: Config, context: GateContext) -> list[str]:
    """The compared columns; each must be in both sets, or the error lists what is missing where."""
    from mlops_gate.errors import GateError

    if config.columns != "all":
        names = list(dict.fromkeys(config.columns))
    else:
        names = context.features()
        data = context.policy.data
        if data.features is None:
            # features() reads the eval columns; a feature only the reference has is a difference.
            skip = {data.target, *data.ignore}
            names = list(
                dict.fromkeys([*names, *(c for c in context.columns("reference") if c not in skip)])
            )
    if not names:
        raise GateError("no columns to compare (every column is the target or ignored)")
    sets: tuple[DatasetName, ...] = ("reference", "eval")
    gaps = [
        f"missing from {context.dataset_path(which)}: {', '.join(missing)}"
        for which in sets
        if (missing := [n for n in names if n not in set(context.columns(which))])
    ]
    if gaps:
        raise GateError("reference and eval columns differ: " + "; ".join(gaps))
    return names


def _prediction_scores(context: GateContext) -> dict[str, tuple[Sample, Sample]]:
    """Scores per set: regression values, the positive-class probability, or one per class."""
    if (hook := context.engine_hook("drift.prediction_scores")) is not None:  # engine/data/hooks
        return cast("dict[str, tuple[Sample, Sample]]", hook(context))
    from mlops_gate.errors import GateError
    from mlops_gate.gates.drift_samples import ScoreSample

    ref, cur = context.predictions("model", "reference"), context.predictions("model", "eval")
    if context.task == "regression":
        if ref.values is None or cur.values is None:
            raise GateError("the model has no regression output to compare")
        pairs = {"prediction": (ref.values, cur.values)}
    elif len(classes := cur.classes or ()) == 2:
        pos = context.pos_label
        pairs = {"prediction": (ref.positive_scores(pos), cur.positive_scores(pos))}
    else:
        # Index each set by class name: the two sets' class orders are settled independently.
        pairs = {
            f"prediction[{label}]": (
                ref.require_proba()[:, ref.class_index(label)],
                cur.require_proba()[:, cur.class_index(label)],
            )
            for label in classes
        }
    return {
        name: (ScoreSample(_as_float(r)), ScoreSample(_as_float(c)))
        for name, (r, c) in pairs.items()
    }


def _as_float(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    import numpy as np

    return np.asarray(values, dtype=np.float64).reshape(-1)


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.drift"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
