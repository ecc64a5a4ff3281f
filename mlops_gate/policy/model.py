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


class LiveDriftSpec(StrictModel):
    """PSI of the inputs the canary received against `data.reference` (the drift gate's definition)."""

    max: float = Field(gt=0, description="Fail the step above this PSI on any column.")
    bins: int = Field(default=10, ge=2, le=1000, description="Quantile bins of the reference.")
    columns: list[str] | Literal["all"] = Field(
        default="all", description="Columns to compare (default: every model feature)."
    )
    min_rows: int = Field(
        default=200, ge=10, description="Fewer live rows than this: the PSI is not judged yet."
    )


class AgreementTolerance(StrictModel):
    """When a regressor's two outputs agree: numpy.isclose(canary, stable, rtol=rel, atol=abs),
    that is |canary - stable| <= abs + rel * |stable|."""

    rel: float = Field(default=1e-3, ge=0, description="Relative tolerance, of the stable output.")
    abs: float = Field(default=1e-6, ge=0, description="Absolute tolerance, in output units.")


AgreementMetric = Literal["bleu", "chrf", "rouge1", "rouge2", "rougeL", "exact_match", "f1"]


class AgreementSpec(StrictModel):
    """generation: how the canary's answer and stable's to the same request are compared.

    `metric`: a text gate metric, the canary's answer scored against stable's as the reference
    (per pair, 0-1); `judge`: the id of a `judge` gate of this policy, asked pairwise, positions
    swapped, whether the canary's answer is at least as good as stable's (1 or 0 per pair)."""

    metric: AgreementMetric | None = Field(
        default=None,
        description="A text metric (higher is better), scored as the text gate scores it with "
        "stable's answer as the reference; agreement is its mean over the pairs, on 0-1.",
    )
    judge: str | None = Field(
        default=None,
        description="The id of a `judge` gate of this policy (its endpoint and rubric): agreement "
        "is the share of pairs where the judge does not prefer stable's answer in both orders.",
    )

    @model_validator(mode="after")
    def _one_way(self) -> AgreementSpec:
        if (self.metric is None) == (self.judge is None):
            raise ValueError("set `metric` (a text metric) or `judge` (a judge gate's id), one")
        return self

    @property
    def by(self) -> str:
        """How agreement is measured, in words: the metric, or `judge <id>`."""
        return self.metric if self.metric is not None else f"judge {self.judge}"


class AnalysisSpec(StrictModel):
    """What a canary step must hold to advance; the same definitions as the offline gates."""

    max_error_rate: float | None = Field(
        default=None, ge=0, le=1, description="Share of the canary's requests answered 5xx/failed."
    )
    max_p95_ms: float | None = Field(
        default=None, gt=0, description="p95 of the canary's request latency, in ms."
    )
    max_p95_ratio: float | None = Field(
        default=None,
        gt=0,
        description="p95 of the canary over p95 of the stable model in the same step.",
    )
    min_agreement: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Share of mirrored requests where canary and stable agree: the same label "
        "(classification), predictions within `agreement_tolerance` (regression); generation: "
        "the mean agreement of the answer pairs, by `agreement`.",
    )
    agreement: AgreementSpec | None = Field(
        default=None,
        description="generation (local target): compare the two answers by a text metric "
        "(`{metric: rougeL}`) or by a judge gate (`{judge: judge}`).",
    )
    agreement_tolerance: AgreementTolerance | None = Field(
        default=None,
        description="Regression only: when two predictions agree (default rel 1e-3, abs 1e-6, "
        "fit for the same model rebuilt; a retrained model needs its own).",
    )
    drift: LiveDriftSpec | None = Field(
        default=None, description="PSI of live inputs vs data.reference."
    )
    interval: float = Field(
        default=60,
        ge=5,
        le=3600,
        description="kubernetes (argo): seconds between two measurements of the background "
        "analysis (at most step_duration, so that every step is measured).",
    )
    count: int | None = Field(
        default=None,
        ge=1,
        description="kubernetes (argo): measurements per metric (default: until the rollout ends).",
    )
    failure_limit: int = Field(
        default=0,
        ge=0,
        description="kubernetes (argo, flagger): failed measurements a metric may have before "
        "the canary is rolled back (0: the first failure rolls back, as the local target does).",
    )
    inconclusive_limit: int = Field(
        default=2,
        ge=0,
        description="kubernetes (argo): measurements without enough data a metric may have "
        "before the rollout pauses for a person.",
    )

    def tolerance(self) -> AgreementTolerance:
        """`agreement_tolerance`, else its defaults."""
        return self.agreement_tolerance or AgreementTolerance()


class KubernetesSpec(StrictModel):
    """How the `kubernetes` target renders and applies the canary (docs/deploy.md)."""

    provider: Literal["argo", "flagger", "istio"] = Field(
        default="argo",
        description="argo: an Argo Rollouts `Rollout` with traffic routing and background "
        "analysis; flagger: a Flagger `Canary` with `MetricTemplate`s; istio: a Deployment per "
        "version and a `VirtualService` whose weights mlops-gate moves.",
    )
    traffic_routing: Literal["istio", "smi", "nginx"] = Field(
        default="istio",
        description="argo and flagger: who splits the traffic by weight (an Istio "
        "VirtualService, an SMI TrafficSplit, or NGINX ingress canary annotations).",
    )
    namespace: str = Field(default="default", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    app: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        description="Name of the app's objects (default: the policy name, lower-cased).",
    )
    image: str | None = Field(
        default=None,
        description="Canary image (default: artifacts.image name:tag from build.json).",
    )
    stable_image: str | None = Field(
        default=None, description="Stable image for istio (default: read from the cluster)."
    )
    replicas: int = Field(default=2, ge=1, le=1000)
    port: int = Field(default=8080, ge=1, le=65535)
    context: str | None = Field(
        default=None, description="kubeconfig context (default: the current one)."
    )
    prometheus: str = Field(
        default="http://prometheus.monitoring.svc:9090",
        description="Prometheus address the analysis queries.",
    )
    monitor: Literal["podmonitor", "servicemonitor", "annotations"] = Field(
        default="podmonitor",
        description="How Prometheus finds the pods: a Prometheus Operator PodMonitor or "
        "ServiceMonitor, or the `prometheus.io/*` pod annotations.",
    )
    monitor_labels: dict[str, str] = Field(
        default_factory=dict,
        description="Labels of the PodMonitor/ServiceMonitor, so your Prometheus selects it "
        "(e.g. `{release: kube-prometheus-stack}`).",
    )
    ingress_host: str | None = Field(
        default=None, description="nginx: the host of the stable Ingress (default: any host)."
    )
    ingress_class: str = Field(default="nginx", description="nginx: the Ingress class.")
    check_image: str | None = Field(
        default=None,
        description="argo: an image with mlops-gate installed; a Job of it judges "
        "`min_agreement` and `drift` on the canary's live traffic at every step.",
    )
    live_window_rows: int = Field(
        default=2000,
        ge=100,
        le=100_000,
        description="argo, with the live check: the last requests each canary pod keeps for it.",
    )


class GitHubDeploySpec(StrictModel):
    environment: str = Field(default="canary", description="GitHub environment of the Deployment.")
    repository: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="owner/name (default: $GITHUB_REPOSITORY).",
    )
    ref: str | None = Field(default=None, description="Git ref to deploy (default: $GITHUB_SHA).")


class CanarySpec(StrictModel):
    target: Literal["local", "kubernetes", "github"] = Field(
        default="local",
        description="local: real model servers and a weighted router on 127.0.0.1 (the embedded "
        "default); kubernetes: Argo Rollouts, Flagger or Istio; github: a GitHub Deployment for "
        "your CD.",
    )
    mode: Literal["canary", "shadow"] = Field(
        default="canary",
        description="shadow: the canary gets copies of the traffic and never answers a client.",
    )
    steps: list[Annotated[int, Field(gt=0, le=100)]] = Field(
        default_factory=lambda: [10, 50, 100],
        min_length=1,
        description="Traffic weights of the canary, in percent, increasing; the last is usually 100.",
    )
    step_duration: float = Field(
        default=5.0, gt=0, le=86_400, description="Seconds each step lasts at least."
    )
    min_requests: int = Field(
        default=100,
        ge=1,
        description="Requests the canary must have served before a step is judged.",
    )
    requests: str | None = Field(
        default=None,
        description="local: a JSON-lines file of request rows to replay (default: data.eval; "
        "generation: rows shaped as the eval set's, `id`, `input`, `context`).",
    )
    stable: str | None = Field(
        default=None,
        description="The model serving today (default: baseline.path, else the registry version "
        "holding `alias`).",
    )
    alias: str = Field(
        default="production",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Registry alias moved to the canary's version when it reaches 100%.",
    )
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)
    kubernetes: KubernetesSpec = Field(default_factory=KubernetesSpec)
    github: GitHubDeploySpec = Field(default_factory=GitHubDeploySpec)

    @model_validator(mode="after")
    def _increasing(self) -> CanarySpec:
        if any(b <= a for a, b in zip(self.steps, self.steps[1:], strict=False)):
            raise ValueError(f"steps must increase, got {self.steps}")
        return self

    def policy_problems(self, task: str | None) -> list[tuple[tuple[str, ...], str]]:
        """Settings that cannot apply, given the model's `task`: `(key path under deploy.canary,
        message)` pairs; the loader reports them at their `file:line:col`."""
        analysis, kube = self.analysis, self.kubernetes
        problems: list[tuple[tuple[str, ...], str]] = []
        if analysis.agreement_tolerance is not None:
            where = ("analysis", "agreement_tolerance")
            if task == "classification":
                why = "applies to regression only: classifiers agree when the labels are equal"
                problems.append((where, why))
            elif task == "generation":
                why = "applies to regression only: generated answers agree by `agreement`"
                problems.append((where, why))
            elif analysis.min_agreement is None:
                problems.append((where, "has no effect without analysis.min_agreement"))
        problems += self._generation_problems(task)
        if self.target != "kubernetes":
            return problems
        if self.mode == "shadow" and kube.provider != "istio":
            problems.append((("mode",), "shadow needs kubernetes.provider: istio (a mirror route)"))
        if kube.provider == "flagger" and kube.monitor == "servicemonitor":
            why = "flagger creates the Services itself: use podmonitor or annotations"
            problems.append((("kubernetes", "monitor"), why))
        judged_live = analysis.min_agreement is not None or analysis.drift is not None
        if kube.provider == "argo" and judged_live and kube.check_image is None:
            why = (
                "set an image with mlops-gate installed: its Job judges min_agreement and drift "
                "on the canary's live traffic"
            )
            problems.append((("kubernetes", "check_image"), why))
        return problems

    def _generation_problems(self, task: str | None) -> list[tuple[tuple[str, ...], str]]:
        """The canary of an LLM app (docs/deploy.md, "Canary of an LLM app")."""
        analysis = self.analysis
        if task != "generation":
            if analysis.agreement is not None:
                return [(("analysis", "agreement"), "applies to model.task: generation")]
            return []
        problems: list[tuple[tuple[str, ...], str]] = []
        if self.target == "kubernetes":
            why = "a generation policy's canary runs on target local (two endpoints, one router)"
            problems.append((("target",), why))
        if self.stable is not None:
            why = "a generation canary's stable side is the policy's `baseline` (prompt, endpoint)"
            problems.append((("stable",), why))
        if analysis.drift is not None:
            problems.append((("analysis", "drift"), "PSI applies to tabular inputs, not text"))
        if analysis.min_agreement is not None and analysis.agreement is None:
            why = "generated answers agree by a text metric or a judge: set `{metric: rougeL}`"
            problems.append((("analysis", "agreement"), f"{why} or `{{judge: <gate id>}}`"))
        if analysis.agreement is not None and analysis.min_agreement is None:
            why = "has no effect without analysis.min_agreement"
            problems.append((("analysis", "agreement"), why))
        return problems


class DeploySpec(StrictModel):
    canary: CanarySpec | None = None


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
