"""`equivalence` gate: the ONNX artifact against the model it was exported from, on the eval set.

Outputs are compared with numpy `allclose` semantics: an output `a` of the artifact is close to
the source's `b` when |a - b| ≤ `atol` + `rtol`·|b| (`b`, the source's output, is the reference;
`metrics/closeness.py`). `rtol` (default 1e-5) absorbs float32 rounding, which grows with the
output (issue 16: an XGBRegressor export on targets 25 to 346 is off by 3.8e-4 absolute, 1.1e-6
relative); `atol` covers outputs near 0 (default 1e-3 for class probabilities, 1e-4 for
regression values: the earlier `max_proba_diff`/`max_abs_diff` defaults, which remain as
deprecated spellings of `atol`).

Classification: the share of rows whose labels agree (`min_agreement`) and every class
probability within tolerance. A row where the source's two best classes have the same
probability (within `tie_tolerance`, e.g. a random forest's exact 0.5 votes) has no single right
label: ONNX and scikit-learn may break the tie differently (0.11% of rows for a 100-tree forest
measured here, issue 3), so such rows are counted and reported as ties and their label
differences do not count as disagreements. Regression: every prediction within tolerance; the
result's value is the |Δ| of the row that uses most of its tolerance, its threshold that row's
tolerance. A NaN/inf output on either side fails.

Limits are inclusive (an agreement equal to `min_agreement`, a gap equal to its tolerance,
passes), compared with a tolerance of a few ulps (`gates/base.py`).

`model.path` is the artifact; the source comes from the gate's own `source:` (a pickled sklearn
model with `trust: pickle`, or another ONNX file, e.g. the float model when gating a variant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.config import StrictModel
from mlops_gate.errors import GateError
from mlops_gate.gates.base import GateConfig, is_above, is_below

if TYPE_CHECKING:
    import numpy as np

    from mlops_gate.gates.context import GateContext
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.metrics.closeness import Closeness
    from mlops_gate.results import GateResult

SHOWN_ROWS = 10
# Defaults measured on the tool's own exports (tests/integration/gates/test_equivalence_exports.py):
# the largest relative gap seen is ~1e-6 (float32 trees), the largest absolute probability gap ~1e-6.
DEFAULT_RTOL = 1e-5
DEFAULT_ATOL_PROBA = 1e-3
DEFAULT_ATOL_REGRESSION = 1e-4


class SourceRef(StrictModel):
    path: str = Field(description="The source model: .joblib/.pkl (with `trust: pickle`) or .onnx.")
    trust: Literal["pickle"] | None = Field(
        default=None, description="Allow unpickling the source."
    )
    features: list[str] | None = Field(
        default=None,
        description="The source's input columns when they differ from the artifact's "
        "(default: its `features` ONNX metadata, else data.features).",
    )


class Config(GateConfig):
    """The artifact must predict what its source predicts."""

    type: Literal["equivalence"]
    source: SourceRef
    min_agreement: float = Field(
        default=0.999, ge=0, le=1, description="Least share of equal labels."
    )
    rtol: float = Field(
        default=DEFAULT_RTOL,
        ge=0,
        le=1,
        description="Relative tolerance: |artifact - source| ≤ atol + rtol·|source| (numpy "
        "allclose semantics, the source's output as reference).",
    )
    atol: float | None = Field(
        default=None,
        ge=0,
        description="Absolute tolerance (default 1e-3 for class probabilities, 1e-4 for "
        "regression values).",
    )
    max_proba_diff: float | None = Field(
        default=None, ge=0, description="Deprecated spelling of `atol` for classification."
    )
    max_abs_diff: float | None = Field(
        default=None, ge=0, description="Deprecated spelling of `atol` for regression."
    )
    tie_tolerance: float = Field(
        default=1e-6,
        ge=0,
        le=0.01,
        description="Top-two probability gap under which a row is a tie.",
    )

    requires = frozenset({"model", "eval"})

    def input_paths(self) -> dict[str, str]:
        return {"source.path": self.source.path}

    @model_validator(mode="after")
    def _one_atol(self) -> Config:
        if self.atol is not None and (self.max_proba_diff, self.max_abs_diff) != (None, None):
            raise ValueError(
                "set atol or its deprecated spelling (max_proba_diff, max_abs_diff), not both"
            )
        return self

    def tolerances(self, task: str) -> tuple[float, float]:
        """(rtol, atol) for comparing this task's outputs: probabilities or regression values."""
        old = self.max_abs_diff if task == "regression" else self.max_proba_diff
        return tolerances(task, self.rtol, self.atol if self.atol is not None else old)


def tolerances(
    task: str, rtol: float = DEFAULT_RTOL, atol: float | None = None
) -> tuple[float, float]:
    """(rtol, atol) with the task's default atol where none is set (also for checks/ without
    an equivalence gate in the policy)."""
    default = DEFAULT_ATOL_REGRESSION if task == "regression" else DEFAULT_ATOL_PROBA
    return rtol, default if atol is None else atol


@dataclass(frozen=True)
class Agreement:
    rows: int
    disagreements: list[int]
    ties: int
    tie_disagreements: int
    nan_rows: int
    max_proba_diff: float | None
    worst_row: int | None

    @property
    def share(self) -> float:
        return 1.0 - len(self.disagreements) / self.rows


def evaluate(config: Config, context: GateContext) -> GateResult:
    from mlops_gate.loaders.code_formats import refuse_untrusted
    from mlops_gate.loaders.models import load_model
    from mlops_gate.policy.model import ModelRef

    artifact = context.predictions("model", "eval")
    path = context.resolve(config.source.path)
    refuse_untrusted(path, config.source.trust)  # a .pt source is refused as such, unopened
    if path.suffix.lower() not in (".onnx", ".joblib", ".pkl", ".pickle"):
        raise GateError(
            f"{path}: equivalence sources are .onnx or pickled sklearn models (.joblib/.pkl)"
        )
    source_model = load_model(
        path, ModelRef(path=str(path), trust=config.source.trust), context.task
    )
    features = config.source.features or getattr(source_model, "meta_features", None)
    source = source_model.predict(context.dataset("eval"), features or context.features())
    found = source.labels if source.labels is not None else source.values
    if found is None or len(found) == 0:
        raise GateError("the eval set is empty: nothing to compare")
    if context.task == "regression":
        return _regression(config, source, artifact)
    return _classification(config, source, artifact)


def compare(source: Predictions, artifact: Predictions, tie_tolerance: float) -> Agreement:
    """Label agreement and probability gaps, with ties handled as the module docstring says."""
    import numpy as np

    labels_src, labels_art = _same_kind(source.require_labels(), artifact.require_labels())
    rows = len(labels_src)
    if len(labels_art) != rows:
        raise GateError(f"the artifact returned {len(labels_art)} labels for {rows} rows")
    differ = labels_src != labels_art
    ties = np.zeros(rows, dtype=bool)
    nan_rows = np.zeros(rows, dtype=bool)
    gap, worst = None, None
    if source.proba is not None and artifact.proba is not None:
        proba_src, proba_art = source.proba, _aligned(artifact, source)
        top2 = np.sort(proba_src, axis=1)[:, -2:] if proba_src.shape[1] > 1 else None
        if top2 is not None:
            ties = (top2[:, 1] - top2[:, 0]) <= tie_tolerance
        nan_rows = ~np.isfinite(proba_art).all(axis=1)
        with np.errstate(invalid="ignore"):  # NaN rows are counted apart, not as a gap
            diffs = np.where(nan_rows[:, None], 0.0, np.abs(proba_art - proba_src)).max(axis=1)
        worst = int(np.argmax(diffs)) if rows else None
        gap = float(diffs.max()) if rows else 0.0
    counted = (differ & ~ties) | nan_rows
    return Agreement(
        rows=rows,
        disagreements=np.flatnonzero(counted).tolist(),
        ties=int(ties.sum()),
        tie_disagreements=int((differ & ties & ~nan_rows).sum()),
        nan_rows=int(nan_rows.sum()),
        max_proba_diff=gap,
        worst_row=worst,
    )


def _classification(config: Config, source: Predictions, artifact: Predictions) -> GateResult:
    from mlops_gate.results import GateResult, Verdict

    found = compare(source, artifact, config.tie_tolerance)
    rtol, atol = config.tolerances("classification")
    close = None
    if source.proba is not None and artifact.proba is not None:
        close = _closeness(_aligned(artifact, source), source.proba, rtol, atol)
    too_few = is_below(found.share, config.min_agreement)
    too_far = close is not None and is_above(close.max_used, 1.0)
    verdict = Verdict.FAIL if too_few or too_far or found.nan_rows else Verdict.PASS
    gap = "n/a" if found.max_proba_diff is None else f"{found.max_proba_diff:.3g}"
    message = (
        f"labels agree on {found.share:.4%} of {found.rows} rows (min {config.min_agreement:.4%}); "
        f"max |Δp| {gap} ({_tolerance_text(rtol, atol, close)}); {found.ties} ties, "
        f"{found.tie_disagreements} broken differently (not counted)"
        + (f"; {found.nan_rows} rows with NaN/inf probabilities" if found.nan_rows else "")
    )
    details = {
        "rows": found.rows,
        "agreement": found.share,
        "disagreements": len(found.disagreements),
        "disagreement_rows": found.disagreements[:SHOWN_ROWS],
        "ties": found.ties,
        "tie_disagreements": found.tie_disagreements,
        "nan_rows": found.nan_rows,
        "max_proba_diff": found.max_proba_diff,
        "max_proba_diff_limit": atol,
        "worst_row": found.worst_row,
        "source": config.source.path,
        **_tolerance_details(rtol, atol, close),
    }
    return GateResult(
        id="",
        type="equivalence",
        verdict=verdict,
        value=found.share,
        threshold=config.min_agreement,
        message=message,
        details=details,
    )


def _regression(config: Config, source: Predictions, artifact: Predictions) -> GateResult:
    from mlops_gate.results import GateResult, Verdict

    if source.values is None or artifact.values is None:
        raise GateError("regression equivalence needs predicted values from both models")
    rtol, atol = config.tolerances("regression")
    close = _closeness(artifact.values, source.values, rtol, atol)
    bad = int(close.nonfinite.sum())
    verdict = Verdict.FAIL if is_above(close.max_used, 1.0) or bad else Verdict.PASS
    message = (
        f"max |Δ| {close.max_abs_diff:.3g} over {close.rows} rows, max relative "
        f"{close.max_rel_diff:.3g} ({_tolerance_text(rtol, atol, close)})"
    )
    if bad:
        message += f"; {bad} rows with NaN/inf predictions"
    details: dict[str, Any] = {"rows": close.rows, "max_abs_diff": close.max_abs_diff}
    details["nan_rows"] = bad
    details |= {"max_rel_diff": close.max_rel_diff, "worst_row": close.worst_row}
    return GateResult(
        id="",
        type="equivalence",
        verdict=verdict,
        value=close.worst_abs_diff,  # the row nearest its tolerance, and that tolerance
        threshold=close.worst_allowed,
        message=message,
        details=details | _tolerance_details(rtol, atol, close),
    )


def _closeness(actual: Any, desired: Any, rtol: float, atol: float) -> Closeness:
    from mlops_gate.metrics.closeness import closeness
    from mlops_gate.metrics.errors import MetricUndefined

    try:
        return closeness(actual, desired, rtol, atol)
    except MetricUndefined as exc:
        raise GateError(f"cannot compare the outputs: {exc}") from None


def _tolerance_text(rtol: float, atol: float, close: Closeness | None) -> str:
    used = "" if close is None else f": {close.max_used:.3g} of it used"
    return f"tolerance atol {atol:g} + rtol {rtol:g}·|source|{used}"


def _tolerance_details(rtol: float, atol: float, close: Closeness | None) -> dict[str, Any]:
    """The tolerance and how much of it the outputs use (> 1: outside it)."""
    import numpy as np

    from mlops_gate.gates.base import tolerance

    found: dict[str, Any] = {"rtol": rtol, "atol": atol}
    if close is not None:
        outside = close.used > 1.0 + tolerance(1.0)
        found |= {"tolerance_used": close.max_used, "rows_outside": int(np.sum(outside))}
    return found


def _aligned(artifact: Predictions, source: Predictions) -> np.ndarray:
    """The artifact's probability columns in the source's class order."""
    proba = artifact.require_proba()
    if artifact.classes is None or source.classes is None:
        return proba
    index = {str(c): i for i, c in enumerate(artifact.classes)}
    missing = [c for c in source.classes if str(c) not in index]
    if missing or len(artifact.classes) != len(source.classes):
        raise GateError(
            f"class lists differ: source {list(source.classes)} "
            f"vs artifact {list(artifact.classes)}"
        )
    return proba[:, [index[str(c)] for c in source.classes]]


def _same_kind(first: Any, second: Any) -> tuple[Any, Any]:
    """Labels as comparable arrays (an ONNX int64 label against a pandas object label, say)."""
    import numpy as np

    a, b = np.asarray(first).reshape(-1), np.asarray(second).reshape(-1)
    if a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {"i", "u"}:
        return a, b
    return a.astype(str), b.astype(str)
