"""The policy's `deploy:` section (DESIGN.md "Policy file"), as pydantic models: the canary
(its steps, analysis, live drift and agreement checks) and the Kubernetes and GitHub targets.

The target names are listed here, not imported from `mlops_gate.deploy.targets`: a policy
validates without importing any target (a unit test keeps the two lists equal).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from mlops_gate.config import StrictModel


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
