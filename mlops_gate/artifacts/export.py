"""One source model in, one checked ONNX model out, whatever the source's framework.

| source | how |
|---|---|
| `.onnx` | `onnx.checker`, external data kept inside its folder, passed through |
| `.joblib` / `.pkl` (`trust: pickle`) | sklearn estimator/pipeline → skl2onnx; torch module |
| LightGBM / XGBoost in such a pickle (alone or last in a pipeline) | onnxmltools, via skl2onnx |
| `models:/...`, `runs:/...` (MLflow onnx, sklearn, pytorch flavours) | downloaded, then as above |
| `.pt` / `.pth` (TorchScript; pickled module with `trust: pickle`) | `torch.onnx.export` |

Every result gets its duplicate opset imports merged (see `opset.py`) and the `features`,
`classes`, `inputs` and source metadata written (see `metadata.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.artifacts import metadata
from mlops_gate.artifacts.opset import normalise_opset_imports
from mlops_gate.errors import InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.loaders.files import check_readable
from mlops_gate.loaders.locate import is_registry_uri

if TYPE_CHECKING:
    import pandas as pd

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


@dataclass(frozen=True)
class ExportRequest:
    """What the export needs besides the source: the data contract and the policy's choices."""

    frame: pd.DataFrame
    features: list[str]
    opset: int = 17
    task: str = "classification"
    torch_output: str = "logits"
    classes: list[Any] | None = None


@dataclass(frozen=True)
class Exported:
    model: Any  # onnx.ModelProto
    kind: str
    features: list[str]
    classes: list[Any] | None
    seconds: float
    source: dict[str, Any] = field(default_factory=dict)


def export_file(
    path: Path, trust: str | None, request: ExportRequest, origin: dict[str, Any] | None = None
) -> Exported:
    """Read the source model at `path` and export it; pickles are refused before a byte is read.

    `origin` (a registry URI's `uri`, `flavour`, `version`, `run_id`) joins the source metadata.
    """
    if is_registry_uri(str(path)):
        raise InputError(
            f"{path}: a registry URI: download it first (`registry_source.fetch`, as build does)"
        )
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES and trust != "pickle":
        raise InputError(
            f"{path}: refusing to unpickle an untrusted model (unpickling runs arbitrary code); "
            "set `trust: pickle` on artifacts.source if you trust its origin"
        )
    check_readable(path, "source model")
    source = {"path": str(path), "sha256": sha256_file(path), **(origin or {})}
    if suffix == ".onnx":
        return _finish(_passthrough(path, request), source)
    from mlops_gate.artifacts import registry_source
    from mlops_gate.artifacts.torch_export import TORCHSCRIPT_SUFFIXES, load_torch_module

    if suffix in TORCHSCRIPT_SUFFIXES:
        return _finish(export_object(load_torch_module(path, trust), request), source)
    if suffix in PICKLE_SUFFIXES:
        return _finish(export_object(_unpickle(path), request), source)
    if suffix == ".skops":
        return _finish(export_object(registry_source.load_skops(path, trust), request), source)
    if suffix == ".pt2":
        return _finish(export_object(registry_source.load_pt2(path), request), source)
    raise InputError(
        f"{path}: unsupported source model format '{suffix}' (use .onnx, .pt TorchScript, "
        ".pt2 torch.export, .skops, or a .joblib/.pkl sklearn or torch model with trust: pickle)"
    )


def export_object(obj: Any, request: ExportRequest) -> Exported:
    """Export an in-memory model: a fitted sklearn estimator/pipeline or a torch module."""
    started = time.perf_counter()
    module = type(obj).__module__.split(".")[0]
    if module == "torch" or _is_torch_module(obj):
        from mlops_gate.artifacts.torch_export import export_torch

        model, classes = export_torch(
            obj,
            len(request.features),
            request.opset,
            task=request.task,
            output=request.torch_output,
            classes=request.classes,
        )
        kind = "torch"
    elif module == "sklearn" or (hasattr(obj, "fit") and hasattr(obj, "get_params")):
        from mlops_gate.artifacts.boosting_export import boosting_steps
        from mlops_gate.artifacts.sklearn_export import classes_of, export_sklearn

        model = export_sklearn(obj, request.frame, request.features, request.opset)
        boosters = boosting_steps(obj)
        kind = type(boosters[-1]).__module__.split(".")[0] if boosters else "sklearn"
        classes = classes_of(obj)
    else:
        raise InputError(
            f"cannot export a {type(obj).__module__}.{type(obj).__name__} to ONNX: "
            "supported sources are scikit-learn estimators/pipelines (LightGBM and XGBoost "
            "included), torch modules and .onnx files"
        )
    seconds = time.perf_counter() - started
    return Exported(
        model=model, kind=kind, features=list(request.features), classes=classes, seconds=seconds
    )


def _passthrough(path: Path, request: ExportRequest) -> Exported:
    import json

    from mlops_gate.artifacts.onnx_file import load_checked

    started = time.perf_counter()
    model = load_checked(path)
    meta = metadata.read_metadata(model)
    features = (
        json.loads(meta[metadata.FEATURES]) if metadata.FEATURES in meta else request.features
    )
    classes = json.loads(meta[metadata.CLASSES]) if metadata.CLASSES in meta else request.classes
    seconds = time.perf_counter() - started
    return Exported(
        model=model, kind="onnx", features=list(features), classes=classes, seconds=seconds
    )


def _finish(exported: Exported, source: dict[str, Any]) -> Exported:
    """Normalise opsets, write the metadata and re-check the result with `onnx.checker`."""
    import onnx

    model = exported.model
    normalise_opset_imports(model)
    info = {"kind": exported.kind, **source}
    metadata.write_metadata(
        model, features=exported.features, classes=exported.classes, source=info
    )
    if model.ByteSize() < 2**31 - 2**24:  # larger models were checked from their file
        try:
            onnx.checker.check_model(model)
        except Exception as exc:  # onnx.checker.ValidationError
            raise InputError(
                f"the exported {exported.kind} model fails onnx.checker: {exc}"
            ) from None
    return Exported(
        model, exported.kind, exported.features, exported.classes, exported.seconds, info
    )


def finish_object(exported: Exported) -> Exported:
    """`_finish` for an in-memory export (no source file): what tests and the Python API use."""
    return _finish(exported, {})


def _unpickle(path: Path) -> Any:
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # unpickling raises anything the pickle's code raises
        raise InputError(
            f"{path}: cannot load the pickled model ({type(exc).__name__}: {exc})"
        ) from None


def _is_torch_module(obj: Any) -> bool:
    return any(cls.__module__.startswith("torch.nn") for cls in type(obj).__mro__)
