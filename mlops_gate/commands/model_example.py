"""The eval rows and predictions a registered version's signature is inferred from (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.signature import ModelExample


def model_example(loaded: LoadedPolicy, model_file: Path) -> ModelExample | None:
    """The first rows of `data.eval` in the columns `model_file` takes (the context's
    `model_features`: its own `features`, its ONNX metadata, else the policy's) and its
    predictions on them; None for a policy without eval data or a generation model."""
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.variants import with_model
    from mlops_gate.registry.signature import EXAMPLE_ROWS, ModelExample

    policy = loaded.policy
    if policy.data.eval is None or policy.model is None:
        return None
    if policy.model.task not in ("classification", "regression"):
        return None
    context = EvaluationContext(with_model(loaded, model_file.resolve()))
    features = context.model_features("model")
    rows = context.head("eval", EXAMPLE_ROWS)[features].reset_index(drop=True)
    said = context.model("model").predict(rows, features)
    if said.values is not None:
        return ModelExample(rows, said.values)
    outputs = {"label": said.labels, "probabilities": said.proba}
    return ModelExample(rows, {name: v for name, v in outputs.items() if v is not None})
