"""One source model in, one checked ONNX model out, whatever the source's framework.

| source | how |
|---|---|
| `.onnx` | `onnx.checker`, external data kept inside its folder, passed through |
| `.joblib` / `.pkl` (`trust: pickle`) | sklearn estimator/pipeline → skl2onnx; torch module |
| LightGBM / XGBoost in such a pickle (alone or last in a pipeline) | onnxmltools, via skl2onnx |
| `models:/...`, `runs:/...` (MLflow onnx, sklearn, pytorch flavours) | downloaded, then as above |
| `.pt` / `.pth` / `.pt2` (TorchScript, pickled module, `torch.export`; `trust: pickle`) | `torch.onnx.export` |

Formats that can run code are refused without `trust: pickle` before a byte is read
(`loaders/code_formats.py`). Every result gets its duplicate opset imports merged (see `opset.py`),
the `features`, `classes`, `inputs` and source metadata written (see `metadata.py`), and a graph
name derived from its source, so one source gives the same bytes on every build (issue 14).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.artifacts import metadata
from mlops_gate.artifacts.opset import normalise_opset_imports
from mlops_gate.errors import InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.loaders.code_formats import PICKLE_SUFFIXES, refuse_untrusted, unpickle_failure
from mlops_gate.loaders.files import check_readable
from mlops_gate.loaders.locate import is_registry_uri

if TYPE_CHECKING:
    import pandas as pd


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
    """Read the source model at `path` and export it; formats that can run code are refused
    without `trust: pickle` before a byte is read.

    `origin` (a registry URI's `uri`, `flavour`, `version`, `run_id`) joins the source metadata.
    """
    if is_registry_uri(str(path)):
        raise InputError(
            f"{path}: a registry URI: download it first (`registry_source.fetch`, as build does)"
        )
    suffix = path.suffix.lower()
    refuse_untrusted(path, trust, " on artifacts.source")
    check_readable(path, "source model")
    source = {"path": str(path), "sha256": sha256_file(path), **(origin or {})}
    if suffix == ".onnx":
        return _finish(_passthrough(path, request), source)
    from mlops_gate.artifacts import registry_source
    from mlops_gate.artifacts.torch_export import TORCH_SUFFIXES, load_torch_module

    if suffix in TORCH_SUFFIXES:
        return _finish(export_object(load_torch_module(path, trust), request), source)
    if suffix in PICKLE_SUFFIXES:
        return _finish(export_object(_unpickle(path), request), source)
    if suffix == ".skops":
        return _finish(export_object(registry_source.load_skops(path, trust), request), source)
    raise InputError(
        f"{path}: unsupported source model format '{suffix}' (use .onnx, .skops, or with "
        "trust: pickle a .joblib/.pkl sklearn or torch model, .pt TorchScript or .pt2 torch.export)"
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
    from mlops_gate.artifacts.onnx_file import load_checked
    from mlops_gate.loaders.models import metadata_list

    started = time.perf_counter()
    model = load_checked(path)
    meta = metadata.read_metadata(model)
    features = metadata_list(path, meta, metadata.FEATURES, str) or request.features
    found = metadata_list(path, meta, metadata.CLASSES)
    classes = found if found is not None else request.classes
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
    if exported.kind != "onnx":  # a passed-through file keeps the name it has
        model.graph.name = _graph_name(model, source.get("sha256"))
    metadata.write_metadata(
        model, features=exported.features, classes=exported.classes, source=_reproducible(info)
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


def _graph_name(model: Any, source_sha256: str | None) -> str:
    """A name fixed by the source: skl2onnx and onnxmltools name each graph with a fresh uuid4,
    so three builds of one joblib had three sha256 values (issue 14, item 2)."""
    if source_sha256 is None:  # an in-memory export: its content, without the random name
        model.graph.name = ""
        source_sha256 = hashlib.sha256(model.SerializeToString(deterministic=True)).hexdigest()
    return f"mlops_gate_{source_sha256[:16]}"


def _reproducible(info: dict[str, Any]) -> dict[str, Any]:
    """The source as the artifact records it: the file's name, not the folder it was built in
    (build.json keeps the full path), so another checkout builds the same bytes."""
    if "path" not in info:
        return info
    return {**info, "path": Path(str(info["path"])).name}


def finish_object(exported: Exported) -> Exported:
    """`_finish` for an in-memory export (no source file): what tests and the Python API use."""
    return _finish(exported, {})


def _unpickle(path: Path) -> Any:
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # unpickling raises anything the pickle's code raises
        raise unpickle_failure(path, exc) from None


def _is_torch_module(obj: Any) -> bool:
    return any(cls.__module__.startswith("torch.nn") for cls in type(obj).__mro__)
