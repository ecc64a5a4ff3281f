"""The model server that goes into the serving image: FastAPI + ONNX Runtime + Prometheus.

Self-contained on purpose: `mlops-gate build` copies this file into the image context as
`server.py`, and the image installs only fastapi, uvicorn, numpy, onnxruntime and
prometheus_client, never mlops-gate itself. So it imports nothing from `mlops_gate`.

    MODEL_PATH=model.onnx uvicorn --factory server:from_env --host 0.0.0.0 --port 8080

Endpoints: `POST /predict` `{"rows": [{"feature": value, ...}, ...]}` → labels and probabilities
(or `predictions` for a regressor), 422 on any bad row; `GET /health` (liveness: 503 only when the
model failed to load), `GET /ready` (503 until the model is loaded and warmed up), `GET /metrics`;
`GET /live-window` (only with LIVE_WINDOW_ROWS > 0): the last rows answered and their outputs,
which the kubernetes canary's live check replays against stable (docs/deploy.md).
Every metric carries the model version; latency buckets come from LATENCY_BUCKETS (the canary
manifests put the p95 limit on an edge), classifier scores and regressor outputs are histograms.
Inputs and outputs are laid out as `mlops_gate.loaders.models` documents: one 2-D tensor in
`features` order, or one `[rows, 1]` input per feature named after it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field

Number = Annotated[float, Field(allow_inf_nan=False)]
Cell = bool | Number | str
DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
    "tensor(string)": np.object_,
}
LABEL_NAMES, PROBA_NAMES = (
    ("label", "output_label", "labels"),
    ("probabilities", "output_probability"),
)
ROUTES = ("/predict", "/health", "/ready", "/metrics", "/live-window")
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
SCORE_BUCKETS = tuple(i / 20 for i in range(1, 21))  # probabilities, 0.05 wide


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Cell]] = Field(
        min_length=1, description="One object per row: feature → value."
    )


class ServedModel:
    """An ONNX Runtime session plus what its metadata says about inputs, outputs and classes."""

    def __init__(self, path: Path, device: str = "cpu", features: list[str] | None = None) -> None:
        import onnxruntime as ort

        providers = ["CPUExecutionProvider"]
        if device == "cuda":
            if hasattr(
                ort, "preload_dlls"
            ):  # the CUDA/cuDNN libraries of onnxruntime-gpu[cuda,cudnn]
                ort.preload_dlls()
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(path), providers=providers)
        if device == "cuda" and "CUDAExecutionProvider" not in self.session.get_providers():
            raise RuntimeError("CUDAExecutionProvider not available (CUDA libraries missing)")
        meta = self.session.get_modelmeta().custom_metadata_map
        self.inputs = self.session.get_inputs()
        names = [i.name for i in self.inputs]
        # The `features` metadata `build` writes; else the caller's (MODEL_FEATURES); else the inputs.
        self.features: list[str] = (
            json.loads(meta["features"]) if "features" in meta else features or names
        )
        self.classes: list[Any] | None = json.loads(meta["classes"]) if "classes" in meta else None
        self.matrix = len(self.inputs) == 1 and names[0] not in self.features
        outputs = self.session.get_outputs()
        # A label output makes it a classifier; otherwise the first output holds regression values.
        self.label = _pick(
            outputs, LABEL_NAMES, lambda o: o.type in ("tensor(int64)", "tensor(string)")
        )
        self.proba = _pick(outputs, PROBA_NAMES, _is_proba) if self.label else None
        self.values = None if self.label else outputs[0].name

    def column_types(self) -> dict[str, Any]:
        if self.matrix:
            return dict.fromkeys(self.features, DTYPES.get(self.inputs[0].type, np.float32))
        return {i.name: DTYPES.get(i.type, np.float32) for i in self.inputs}

    def feeds(self, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
        """Tensors for validated rows (see `validate_rows`)."""
        types = self.column_types()
        if self.matrix:
            values = [[row[f] for f in self.features] for row in rows]
            return {self.inputs[0].name: np.asarray(values, dtype=types[self.features[0]])}
        return {
            name: np.asarray([[row[name]] for row in rows], dtype=dtype)
            for name, dtype in types.items()
        }

    def predict(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        names = [o.name for o in self.session.get_outputs()]
        outputs = dict(zip(names, self.session.run(None, self.feeds(rows)), strict=True))
        if self.values is not None:
            return {
                "predictions": _finite(
                    np.asarray(outputs[self.values], dtype=float).reshape(len(rows), -1)[:, 0]
                )
            }
        labels = np.asarray(outputs[self.label]).reshape(-1).tolist() if self.label else None
        proba = _finite(np.asarray(outputs[self.proba], dtype=float)) if self.proba else None
        return {"labels": labels, "probabilities": proba, "classes": self.classes}

    def warm_up(self) -> None:
        sample = {
            name: ("" if dtype is np.object_ else 0) for name, dtype in self.column_types().items()
        }
        self.predict([sample])


def validate_rows(
    model: ServedModel, rows: list[dict[str, Cell]], max_rows: int, *, ignore_extra: bool = False
) -> None:
    """422 with the row and column of the first problems: missing, unknown or mistyped values.

    `ignore_extra` accepts columns the model does not read (a client sending a full feature record
    to a model that uses a subset, as a canary router does for two models)."""
    if len(rows) > max_rows:
        _invalid(["body", "rows"], f"at most {max_rows} rows per request, got {len(rows)}")
    types = model.column_types()
    problems: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        for column in sorted(set(types) - set(row)):
            problems.append(_problem(index, column, "missing feature"))
        for column in [] if ignore_extra else sorted(set(row) - set(types)):
            problems.append(
                _problem(index, column, "unknown feature (expected: " + ", ".join(types) + ")")
            )
        for column, dtype in types.items():
            if column not in row or dtype is np.object_:
                continue
            value = row[column]
            if isinstance(value, str):
                problems.append(
                    _problem(index, column, f"expected a number, got the string {value[:40]!r}")
                )
            elif dtype in (np.int64, np.int32) and not float(value).is_integer():
                problems.append(_problem(index, column, f"expected an integer, got {value}"))
        if len(problems) >= 10:
            break
    if problems:
        raise HTTPException(status_code=422, detail=problems[:10])
    for row in rows:  # string inputs accept numbers too: "3" and 3 are the same category
        for column, dtype in types.items():
            if dtype is np.object_ and not isinstance(row[column], str):
                row[column] = str(row[column])


def create_app(
    model_path: Path,
    *,
    version: str | None = None,
    device: str = "cpu",
    max_rows: int = 10_000,
    features: list[str] | None = None,
    ignore_extra: bool = False,
    latency_buckets: Sequence[float] = LATENCY_BUCKETS,
    prediction_buckets: Sequence[float] | None = None,
    live_window_rows: int = 0,
) -> FastAPI:
    """The app; the model loads in a background thread so `/health` answers while it does."""
    version = version or _sha256(model_path)[:12]
    state: dict[str, Any] = {"model": None, "error": None}
    metrics = ServerMetrics(version, latency_buckets, prediction_buckets)
    window = LiveWindow(live_window_rows)
    outcomes = metrics.outcomes

    def load() -> None:
        try:
            model = ServedModel(model_path, device, features)
            model.warm_up()
            state["model"] = model
        except Exception as exc:  # any load failure is reported by /health and /ready
            state["error"] = f"{type(exc).__name__}: {exc}"

    app = FastAPI(title="mlops-gate model server", version=version)
    threading.Thread(target=load, name="model-loader", daemon=True).start()

    @app.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        endpoint = (
            request.url.path if request.url.path in ROUTES else "other"
        )  # bounded label values
        metrics.latency.labels(endpoint, version).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        outcomes.labels(version, "invalid").inc()
        return JSONResponse(status_code=422, content={"detail": _jsonable(exc.errors())})

    @app.get("/health")
    def health() -> JSONResponse:
        failed = state["error"] is not None
        return JSONResponse(
            status_code=503 if failed else 200,
            content={"status": "failed" if failed else "ok", "error": state["error"]},
        )

    @app.get("/ready")
    def ready() -> JSONResponse:
        status = "ready" if state["model"] else ("failed" if state["error"] else "loading")
        return JSONResponse(
            status_code=200 if status == "ready" else 503,
            content={"status": status, "model_version": version, "error": state["error"]},
        )

    @app.get("/metrics")
    def exported() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/live-window")
    def live_window() -> JSONResponse:
        if window.size == 0:
            return JSONResponse(status_code=404, content={"detail": "LIVE_WINDOW_ROWS is 0"})
        return JSONResponse(content={"model_version": version, **window.snapshot()})

    @app.post("/predict")
    def predict(body: PredictRequest) -> dict[str, Any]:
        model: ServedModel | None = state["model"]
        if model is None:
            raise HTTPException(status_code=503, detail="model not loaded yet")
        try:
            validate_rows(model, body.rows, max_rows, ignore_extra=ignore_extra)
        except HTTPException:
            outcomes.labels(version, "invalid").inc()
            raise
        try:
            result = model.predict(body.rows)
        except (
            Exception
        ) as exc:  # ORT errors and non-finite outputs: the model, not the client, failed
            outcomes.labels(version, "error").inc()
            raise HTTPException(status_code=500, detail=f"inference failed: {exc}") from None
        metrics.answered(len(body.rows), result)
        window.add(body.rows, result)
        return {"model_version": version, **result}

    return app


def from_env() -> FastAPI:
    """The app as MODEL_PATH, MODEL_VERSION, MODEL_DEVICE, MAX_ROWS, MODEL_FEATURES (a JSON list,
    for a model without `features` metadata), EXTRA_FEATURES (`forbid`, the default: 422 on a
    column the model does not read; `ignore`), LATENCY_BUCKETS and PREDICTION_BUCKETS (comma-
    separated upper bounds: seconds; regressor outputs) and LIVE_WINDOW_ROWS say (uvicorn
    --factory)."""
    env = os.environ
    path = Path(env.get("MODEL_PATH", Path(__file__).with_name("model.onnx")))
    features = env.get("MODEL_FEATURES")
    return create_app(
        path,
        version=env.get("MODEL_VERSION") or None,
        device=env.get("MODEL_DEVICE", "cpu"),
        max_rows=int(env.get("MAX_ROWS", "10000")),
        features=json.loads(features) if features else None,
        ignore_extra=env.get("EXTRA_FEATURES", "forbid") == "ignore",
        latency_buckets=_buckets(env.get("LATENCY_BUCKETS")) or LATENCY_BUCKETS,
        prediction_buckets=_buckets(env.get("PREDICTION_BUCKETS")),
        live_window_rows=int(env.get("LIVE_WINDOW_ROWS", "0")),
    )


class ServerMetrics:
    """The Prometheus metrics, each labelled with the model version, so one query can tell the
    canary from stable whatever scrapes them."""

    def __init__(
        self, version: str, latency: Sequence[float], predictions: Sequence[float] | None
    ) -> None:
        self.version, self.registry = version, CollectorRegistry()
        self.latency = Histogram(
            "mlops_gate_request_duration_seconds",
            "Request latency by endpoint and model version.",
            ["endpoint", "version"],
            registry=self.registry,
            buckets=tuple(latency),
        )
        self.outcomes = Counter(
            "mlops_gate_predictions",
            "Predict requests by model version and status (ok, invalid, error).",
            ["model_version", "status"],
            registry=self.registry,
        )
        self.rows = Counter(
            "mlops_gate_predicted_rows",
            "Rows answered, by model version.",
            ["model_version"],
            registry=self.registry,
        )
        self.scores = Histogram(
            "mlops_gate_prediction_score",
            "Classifier probabilities by class and model version.",
            ["version", "class"],
            registry=self.registry,
            buckets=SCORE_BUCKETS,
        )
        self.values = Histogram(
            "mlops_gate_prediction_value",
            "Regressor outputs by model version.",
            ["version"],
            registry=self.registry,
            buckets=tuple(predictions or Histogram.DEFAULT_BUCKETS),
        )

    def answered(self, rows: int, result: dict[str, Any]) -> None:
        self.outcomes.labels(self.version, "ok").inc()
        self.rows.labels(self.version).inc(rows)
        for value in result.get("predictions") or ():
            self.values.labels(self.version).observe(value)
        for scores in result.get("probabilities") or ():
            classes = result.get("classes") or range(len(scores))
            for name, score in zip(classes, scores, strict=False):
                self.scores.labels(self.version, str(name)).observe(score)


class LiveWindow:
    """The last `size` rows answered and the model's output for each (0: kept off)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._rows: deque[tuple[dict[str, Any], Any]] = deque(maxlen=max(size, 1))
        self._kind = "labels"
        self._lock = threading.Lock()

    def add(self, rows: list[dict[str, Any]], result: dict[str, Any]) -> None:
        if self.size == 0:
            return
        kind = "predictions" if "predictions" in result else "labels"
        outputs = result.get(kind) or [None] * len(rows)
        with self._lock:
            self._kind = kind
            self._rows.extend(zip(rows, outputs, strict=True))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            pairs = list(self._rows)
        return {"kind": self._kind, "rows": [r for r, _ in pairs], "outputs": [o for _, o in pairs]}


def _buckets(text: str | None) -> tuple[float, ...] | None:
    return tuple(sorted(float(edge) for edge in text.split(","))) if text else None


def _pick(outputs: list[Any], names: tuple[str, ...], fits: Callable[[Any], bool]) -> str | None:
    for output in outputs:
        if output.name.lower() in names:
            return str(output.name)
    for output in outputs:
        if fits(output):
            return str(output.name)
    return None


def _is_proba(output: Any) -> bool:
    return output.type in ("tensor(float)", "tensor(double)") and len(output.shape) == 2


def _finite(values: np.ndarray) -> list[Any]:
    if not np.isfinite(values).all():
        raise ValueError("the model returned NaN or infinite outputs")
    result: list[Any] = values.tolist()
    return result


def _problem(row: int, column: str, message: str) -> dict[str, Any]:
    return {"loc": ["body", "rows", row, column], "msg": message, "type": "value_error"}


def _invalid(loc: list[Any], message: str) -> None:
    raise HTTPException(
        status_code=422, detail=[{"loc": loc, "msg": message, "type": "value_error"}]
    )


def _jsonable(errors: Any) -> list[dict[str, Any]]:
    # pydantic's `input` and `ctx` may hold NaN or exception objects, which JSON cannot carry.
    return [
        {
            "loc": list(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
