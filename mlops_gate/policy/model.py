"""Policy file, version 1 (DESIGN.md "Policy file"), as pydantic models.

Gate configs live in their own modules under `mlops_gate.gates`; `policy_model()` assembles the
discriminated union of every registered gate type at run time, so a third-party gate type added
through the `mlops_gate.gates` entry point validates and appears in `mlops-gate schema` like a
built-in one.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model, model_validator

from mlops_gate.gates.base import GateConfig
from mlops_gate.policy.strict import StrictModel

Label = int | str | bool
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class ModelRef(StrictModel):
    """Where a model is and how to read its outputs."""

    path: str = Field(description="An .onnx file; .joblib/.pkl only with `trust: pickle`; or an MLflow URI.")
    trust: Literal["pickle"] | None = Field(
        default=None,
        description="Set to `pickle` to allow loading pickled (joblib/pkl) models: unpickling runs code.",
    )
    classes: list[Label] | None = Field(
        default=None,
        description="Class labels in the order of the probability columns (default: from the model "
        "metadata, else the sorted labels seen in the data).",
    )
    features: list[str] | None = Field(
        default=None,
        description="This model's input columns, in order, when they differ from data.features "
        "(default: the `features` ONNX metadata, else data.features).",
    )
    label_output: str | None = Field(default=None, description="ONNX output holding predicted labels.")
    proba_output: str | None = Field(default=None, description="ONNX output holding probabilities.")


class ModelSpec(ModelRef):
    task: Literal["classification", "regression"] = "classification"
    pos_label: Label = Field(default=1, description="Positive class for binary metrics and bias.")


class BaselineSpec(ModelRef):
    """The champion to compare against; a first run without one skips baseline comparisons."""


class DataSpec(StrictModel):
    eval: str | None = Field(default=None, description="Labelled evaluation set (.parquet, .csv).")
    reference: str | None = Field(default=None, description="Training/reference set, for drift.")
    target: str | None = Field(default=None, description="Label column (needed by model gates).")
    features: list[str] | None = Field(
        default=None, description="Model input columns, in order (default: all but target and ignore)."
    )
    ignore: list[str] = Field(default_factory=list, description="Columns that are neither features nor target.")


class OnnxSpec(StrictModel):
    opset: int = Field(default=17, ge=7, le=25)


class QuantizeSpec(StrictModel):
    method: Literal["dynamic", "static", "fp16"] = "dynamic"
    weight_type: Literal["int8", "uint8"] = "int8"


class ImageSpec(StrictModel):
    runtime: Literal["fastapi", "triton"] = "fastapi"
    name: str | None = None


class ArtifactsSpec(StrictModel):
    onnx: OnnxSpec | None = None
    quantize: QuantizeSpec | None = None
    image: ImageSpec | None = None


class PromoteSpec(StrictModel):
    """Where a passing model goes in the registry (docs/registry.md)."""

    registry: Literal["mlflow"] = "mlflow"
    model_name: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="Registered model name (default: the policy name)."
    )
    alias: str | None = Field(
        default="champion", pattern=r"^[A-Za-z0-9_-]+$", description="Alias that marks the promoted version."
    )
    stage: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Also move the version to this stage (deprecated in MLflow >= 2.9, still supported).",
    )
    archive_existing_versions: bool = Field(
        default=True, description="With `stage`: archive the versions that held the stage before."
    )
    tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking/registry URI (default: $MLFLOW_TRACKING_URI, else a local sqlite "
        "file under .mlops-gate/). Use ${VAR} for credentials, never literals.",
    )

    @model_validator(mode="after")
    def _some_target(self) -> PromoteSpec:
        if self.alias is None and self.stage is None:
            raise ValueError("set `alias` or `stage` (or both): promote needs somewhere to move the model")
        return self


class AnalysisSpec(StrictModel):
    max_error_rate: float | None = Field(default=None, ge=0, le=1)
    max_p95_ms: float | None = Field(default=None, gt=0)


class CanarySpec(StrictModel):
    target: Literal["local", "kubernetes", "github"] = "local"
    steps: list[Annotated[int, Field(gt=0, le=100)]] = Field(default_factory=lambda: [10, 50, 100])
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)


class DeploySpec(StrictModel):
    canary: CanarySpec | None = None


class Policy(StrictModel):
    """A policy file. `gates` is typed loosely here and narrowed by `policy_model()`."""

    version: Literal[1] = Field(description="Policy format version; only 1 exists.")
    name: str = Field(pattern=NAME_PATTERN, description="Identifies the policy (registry name, PR comment key).")
    model: ModelSpec | None = Field(default=None, description="Optional for data-only policies.")
    baseline: BaselineSpec | None = None
    data: DataSpec = Field(default_factory=DataSpec)
    gates: list[GateConfig] = Field(min_length=1)
    artifacts: ArtifactsSpec | None = None
    promote: PromoteSpec | None = None
    deploy: DeploySpec | None = None


@functools.cache
def policy_model() -> type[Policy]:
    """The `Policy` model with `gates` as the discriminated union of every registered gate type."""
    from mlops_gate.gates.registry import gate_types

    configs = tuple(module.Config for module in gate_types().values())
    gate_union: Any = Annotated[Union[configs], Field(discriminator="type")]  # noqa: UP007
    model: type[Policy] = create_model(
        "Policy",
        __base__=Policy,
        __doc__=Policy.__doc__,
        gates=(list[gate_union], Field(min_length=1, description="Quality gates; all must pass.")),
    )
    return model
