"""Policy file, version 1 (DESIGN.md "Policy file"), as pydantic models.

Gate configs live in their own modules under `mlops_gate.gates`; `policy_model_for(configs)`
assembles the discriminated union of the gate types it is given (the gate registry gives every
registered one), so a third-party gate type added through the `mlops_gate.gates` entry point
validates and appears in `mlops-gate schema` like a built-in one.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from mlops_gate.config import GateConfig, StrictModel
from mlops_gate.policy.deploy import DeploySpec
from mlops_gate.policy.generation import (
    GenerationFields,
    derived_path,
    generation_problems,
    path_not_required,
)

Label = int | str | bool
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class ModelRef(StrictModel):
    """Where a model is and how to read its outputs."""

    path: str = Field(
        description="An .onnx file; .joblib/.pkl only with `trust: pickle`; or an MLflow URI."
    )
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
    label_output: str | None = Field(
        default=None, description="ONNX output holding predicted labels."
    )
    proba_output: str | None = Field(default=None, description="ONNX output holding probabilities.")


class ModelSpec(ModelRef, GenerationFields):
    """The model under test. With `task: generation` (docs/llm.md) it is a prompt sent to an
    endpoint, or a file of outputs, and `path` is derived: the prompt, else the outputs file."""

    model_config = ConfigDict(json_schema_extra=path_not_required)

    task: Literal["classification", "regression", "generation"] = "classification"
    pos_label: Label = Field(default=1, description="Positive class for binary metrics and bias.")

    @model_validator(mode="before")
    @classmethod
    def _generation_path(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("task") == "generation":
            return derived_path(data, "model")
        return data

    @model_validator(mode="after")
    def _generation_keys(self) -> ModelSpec:
        if self.task != "generation":
            if self.is_generation():
                raise ValueError("endpoint, model, prompt and outputs apply to task: generation")
            return self
        problems = generation_problems(self, inherited=False)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class BaselineSpec(ModelRef, GenerationFields):
    """The champion to compare against; a first run without one skips baseline comparisons.

    For a generation model: its `outputs`, or a `prompt` (the endpoint, model and params are the
    model's unless given here); `path` is derived as for the model."""

    model_config = ConfigDict(json_schema_extra=path_not_required)

    @model_validator(mode="before")
    @classmethod
    def _generation_path(cls, data: Any) -> Any:
        generated = ("prompt", "outputs", "endpoint")
        if (
            isinstance(data, dict)
            and data.get("path") is None
            and any(data.get(key) is not None for key in generated)
        ):
            return derived_path(data, "baseline")
        return data


# What only Spark can read (issue 15): a URL of a Spark filesystem, or a catalog table.
SPARK_ONLY_PREFIXES = (
    "table:",
    "s3a://",
    "s3://",
    "s3n://",
    "hdfs://",
    "gs://",
    "abfss://",
    "file:",
)
TABLE_PATTERN = r"^table:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$"


def is_spark_only(location: str) -> bool:
    """Whether a `data.eval`/`data.reference` value names data only the Spark engine can read."""
    return location.lower().startswith(SPARK_ONLY_PREFIXES)


class DataSpec(StrictModel):
    engine: Literal["pandas", "spark"] = Field(
        default="pandas",
        description="Where the data gates run: in-process (pandas) or on Spark (see `spark:`).",
    )
    eval: str | None = Field(
        default=None,
        description="Labelled evaluation set (.parquet, .csv); with engine spark also a directory, "
        "a URL Spark reads (s3a://, hdfs://, file:) or table:<catalog.schema.name>.",
    )
    reference: str | None = Field(
        default=None, description="Training/reference set, for drift (same forms as eval)."
    )
    target: str | None = Field(default=None, description="Label column (needed by model gates).")
    prediction: str | None = Field(
        default=None,
        description="A column already holding the model's scores (batch-scored tables).",
    )
    features: list[str] | None = Field(
        default=None,
        description="Model input columns, in order (default: all but target and ignore).",
    )
    ignore: list[str] = Field(
        default_factory=list, description="Columns that are neither features nor target."
    )

    @field_validator("eval", "reference")
    @classmethod
    def _spark_locations(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A table or a Spark URL needs `engine: spark`; a table name must be well formed."""
        if value is None or not is_spark_only(value):
            return value
        if info.data.get("engine") != "spark":
            raise ValueError(f"'{value}' is read by Spark only: set data.engine: spark")
        if value.lower().startswith("table:") and not re.match(TABLE_PATTERN, value):
            raise ValueError(f"'{value}' is not a table name: use table:<catalog.schema.name>")
        return value


DEFAULT_SPARK_TIMEOUT_S = 3600.0


class SparkSpec(StrictModel):
    """The Spark session of `data.engine: spark`. Without `master`, SPARK_REMOTE (Spark Connect)
    is used when set, else the embedded `local[*]`."""

    master: str | None = Field(
        default=None, description="Master URL: local[*], spark://host:7077, yarn, ..."
    )
    remote: str | None = Field(
        default=None, description="A Spark Connect URL (sc://host:15002); else SPARK_REMOTE."
    )
    app_name: str = Field(default="mlops-gate", description="The Spark application name.")
    conf: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Spark settings, e.g. spark.sql.shuffle.partitions."
    )
    timeout_s: float = Field(
        default=DEFAULT_SPARK_TIMEOUT_S,
        gt=0,
        le=86_400,
        description="Seconds the check's Spark work (the session's start and every job) may "
        "take in all; past it the running jobs are cancelled and their gates are errors (exit 2).",
    )

    @model_validator(mode="after")
    def _one_endpoint(self) -> SparkSpec:
        if self.master is not None and self.remote is not None:
            raise ValueError("set master or remote, not both")
        return self


class SourceSpec(StrictModel):
    """The model `build` exports to ONNX (issue 3); `model.path` is then the artifact that ships."""

    path: str = Field(
        description="A pickled sklearn/LightGBM/XGBoost model or torch module (.joblib/.pkl, needs "
        "`trust: pickle`), a TorchScript file (.pt), or an .onnx file (validated, passed through)."
    )
    trust: Literal["pickle"] | None = Field(
        default=None,
        description="Set to `pickle` to allow unpickling the source model (runs code).",
    )


class OnnxSpec(StrictModel):
    opset: int = Field(
        default=17, ge=7, le=25, description="Default-domain ONNX opset of the export."
    )
    torch_output: Literal["logits", "probabilities"] = Field(
        default="logits",
        description="What a torch classifier returns; export adds softmax (logits) and argmax.",
    )


class QuantizeSpec(StrictModel):
    method: Literal["dynamic", "static", "fp16"] = Field(
        default="dynamic",
        description="dynamic int8 weights, static int8 QDQ calibrated on reference rows, or fp16.",
    )
    weight_type: Literal["int8", "uint8"] = Field(
        default="int8", description="Quantized weight type."
    )
    calibration_rows: int = Field(
        default=256, ge=1, le=100_000, description="Reference rows used to calibrate `static`."
    )

    @property
    def variant(self) -> str:
        """The variant's name: the middle of its file name, `model.<variant>.onnx`."""
        if self.method == "fp16":
            return "fp16"
        return self.weight_type if self.method == "dynamic" else f"{self.weight_type}-static"


class ImageSpec(StrictModel):
    runtime: Literal["fastapi", "triton"] = "fastapi"
    name: str | None = Field(
        default=None, description="Image name to tag, e.g. ghcr.io/acme/fraud."
    )
    tag: str | None = Field(
        default=None, description="Image tag (default: the model sha256's first 12)."
    )
    device: Literal["cpu", "cuda"] = Field(
        default="cpu",
        description="cpu installs onnxruntime, cuda onnxruntime-gpu (Triton: KIND_GPU).",
    )
    base: str | None = Field(
        default=None,
        description="Base image (default python:3.11-slim; Triton: nvcr.io tritonserver).",
    )
    port: int = Field(default=8080, ge=1, le=65535, description="Port the server listens on.")
    max_batch_size: int = Field(default=64, ge=1, description="Triton dynamic batching limit.")
    instances: int = Field(default=1, ge=1, le=64, description="Triton model instances.")
    variant: str | None = Field(
        default=None, description="Which artifact the image serves (default: the float model)."
    )


class ArtifactsSpec(StrictModel):
    source: SourceSpec | None = Field(
        default=None, description="Model to export (default: model.path, when not already ONNX)."
    )
    onnx: OnnxSpec | None = None
    quantize: QuantizeSpec | list[QuantizeSpec] | None = Field(
        default=None, description="One quantized variant, or a list of them."
    )
    image: ImageSpec | None = None

    @model_validator(mode="after")
    def _unique_variants(self) -> ArtifactsSpec:
        names = [spec.variant for spec in self.quantize_variants()]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"quantize lists the variant {', '.join(duplicates)} twice")
        return self

    def quantize_variants(self) -> list[QuantizeSpec]:
        """`quantize` as a list, whichever form the policy used."""
        if self.quantize is None:
            return []
        return [self.quantize] if isinstance(self.quantize, QuantizeSpec) else list(self.quantize)


class PromoteSpec(StrictModel):
    """Where a passing model goes in the registry (docs/registry.md)."""

    registry: Literal["mlflow"] = "mlflow"
    model_name: str | None = Field(
        default=None,
        pattern=NAME_PATTERN,
        description="Registered model name (default: the policy name).",
    )
    alias: str | None = Field(
        default="champion",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Alias that marks the promoted version.",
    )
    stage: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Also move the version to this stage (deprecated since MLflow 2.9; supported).",
    )
    archive_existing_versions: bool = Field(
        default=True, description="With `stage`: archive the versions that held the stage before."
    )
    tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking/registry URI (default: $MLFLOW_TRACKING_URI, else a local "
        "sqlite file under .mlops-gate/). Use ${VAR} for credentials, never literals.",
    )

    @model_validator(mode="after")
    def _some_target(self) -> PromoteSpec:
        if self.alias is None and self.stage is None:
            raise ValueError(
                "set `alias` or `stage` (or both): promote needs somewhere to move the model"
            )
        return self


class Policy(StrictModel):
    """A policy file. `gates` is typed loosely here and narrowed by `policy_model()`."""

    version: Literal[1] = Field(description="Policy format version; only 1 exists.")
    name: str = Field(
        pattern=NAME_PATTERN, description="Identifies the policy (registry name, PR comment key)."
    )
    model: ModelSpec | None = Field(default=None, description="Optional for data-only policies.")
    baseline: BaselineSpec | None = None
    data: DataSpec = Field(default_factory=DataSpec)
    spark: SparkSpec | None = Field(
        default=None, description="The Spark session when data.engine is spark (optional)."
    )
    gates: list[GateConfig] = Field(min_length=1)
    artifacts: ArtifactsSpec | None = None
    promote: PromoteSpec | None = None
    deploy: DeploySpec | None = None

    @model_validator(mode="after")
    def _generation_baseline(self) -> Policy:
        """A generation model's baseline is generated too (its endpoint may be the model's)."""
        generation = self.model is not None and self.model.task == "generation"
        baseline = self.baseline
        if baseline is None or not (generation or baseline.is_generation()):
            return self
        if not generation:
            raise ValueError("baseline: prompt and outputs apply to a model with task: generation")
        if not baseline.is_generation():
            raise ValueError("baseline: a generation model's baseline is `outputs` or a `prompt`")
        inherited = self.model is not None and self.model.endpoint is not None
        problems = generation_problems(baseline, inherited=inherited)
        if problems:
            raise ValueError("baseline: " + "; ".join(problems))
        return self


@functools.cache
def policy_model_for(configs: tuple[type[GateConfig], ...]) -> type[Policy]:
    """The `Policy` model whose `gates` are the discriminated union of `configs` (by `type`).

    The gate registry (`mlops_gate.gates.registry.policy_model`) passes every registered type;
    this package never imports the gates, so the document's models sit below them.
    """
    gate_union: Any = Annotated[Union[configs], Field(discriminator="type")]  # noqa: UP007
    model: type[Policy] = create_model(
        "Policy",
        __base__=Policy,
        __doc__=Policy.__doc__,
        gates=(list[gate_union], Field(min_length=1, description="Quality gates; all must pass.")),
    )
    return model
