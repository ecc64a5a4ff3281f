"""A registered version's signature and input example (issue 17, item 4).

MLflow shows a version's signature (its input columns and types, its outputs) in the UI, and
`mlflow models serve` and `pyfunc` check requests against it; the input example is what the UI
offers to try. Both come from the policy's eval data: the first `EXAMPLE_ROWS` rows of the
columns the model takes (`commands/model_example.py` reads them and runs the model on them), so
the signature holds for the data the gates judged. The outputs are the model's predictions in
mlops-gate's shape: `label` and `probabilities` (classification) or the values (regression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.models import ModelSignature

EXAMPLE_ROWS = 5


@dataclass(frozen=True)
class ModelExample:
    """Rows of the eval data in the model's columns, and what the model said about them."""

    inputs: pd.DataFrame
    outputs: Any
    """`{"label": ..., "probabilities": ...}` of numpy arrays, or one array (regression)."""

    def signature(self) -> ModelSignature:
        from mlflow.models import infer_signature

        return infer_signature(self.inputs, self.outputs)
