"""`equivalence` gate: the ONNX artifact against the model it was exported from, on the eval set.

Classification: the share of rows whose labels agree (`min_agreement`) and the largest absolute
difference of any class probability (`max_proba_diff`). A row where the source's two best classes
have the same probability (within `tie_tolerance`, e.g. a random forest's exact 0.5 votes) has no
single right label: ONNX and scikit-learn may break the tie differently (0.11% of rows for a
100-tree forest measured here, issue 3), so such rows are counted and reported as ties and their
label differences do not count as disagreements. Regression: the largest absolute prediction
difference (`max_abs_diff`).

Limits are inclusive (an agreement equal to `min_agreement`, a gap equal to its max, passes),
compared with a tolerance of a few ulps (`gates/base.py`).

`model.path` is the artifact; the source comes from the gate's own `source:` (a pickled sklearn
model with `trust: pickle`, or another ONNX file, e.g. the float model when gating a variant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from mlops_gate.config import StrictModel
from mlops_gate.errors import GateError
from mlops_gate.gates.base import GateConfig, is_above, is_below

if TYPE_CHECKING:
    import numpy as np

    from mlops_gate.gates.context import GateContext
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.results import GateResult

SHOWN_ROWS = 10


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
    max_proba_diff: float = Field(
        default=1e-3, ge=0, description="Largest absolute probability gap."
    )
    max_abs_diff: float = Field(
        default=1e-4, ge=0, description="Regression: largest prediction gap."
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
    too_few = is_below(found.share, config.min_agreement)
    too_far = found.max_proba_diff is not None and is_above(
        found.max_proba_diff, config.max_proba_diff
    )
    verdict = Verdict.FAIL if too_few or too_far or found.nan_rows else Verdict.PASS
    gap = "n/a" if found.max_proba_diff is None else f"{found.max_proba_diff:.3g}"
    message = (
        f"labels agree on {found.share:.4%} of {found.rows} rows (min {config.min_agreement:.4%}); "
        f"max |Δp| {gap} (max {config.max_proba_diff:g}); {found.ties} ties, "
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
        "max_proba_diff_limit": config.max_proba_diff,
        "worst_row": found.worst_row,
        "source": config.source.path,
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
    import numpy as np

    from mlops_gate.results import GateResult, Verdict

    if source.values is None or artifact.values is None:
        raise GateError("regression equivalence needs predicted values from both models")
    finite = np.isfinite(artifact.values)
    gap = float(np.abs(artifact.values[finite] - source.values[finite]).max(initial=0.0))
    bad = int((~finite).sum())
    verdict = Verdict.FAIL if is_above(gap, config.max_abs_diff) or bad else Verdict.PASS
    message = f"max |Δ| {gap:.3g} over {len(finite)} rows (max {config.max_abs_diff:g})"
    if bad:
        message += f"; {bad} non-finite predictions"
    return GateResult(
        id="",
        type="equivalence",
        verdict=verdict,
        value=gap,
        threshold=config.max_abs_diff,
        message=message,
        details={"rows": len(finite), "max_abs_diff": gap, "nan_rows": bad},
    )


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
