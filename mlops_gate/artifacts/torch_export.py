"""PyTorch modules to ONNX with `torch.onnx.export` (torch is optional: imported only here).

A tabular module takes one `[batch, features]` float tensor. Classifiers are wrapped so the ONNX
graph has the outputs every other artifact has — `label` (int64) and `probabilities` — whether
the module returns logits (softmax added; one column means a sigmoid binary logit) or
probabilities. The batch axis is dynamic. We use the TorchScript exporter (`dynamo=False`): it
honours `opset_version` below 18 and needs no onnxscript; torch ≥ 2.9 calls it deprecated.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from mlops_gate.errors import DependencyError, InputError

TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".pts", ".torchscript")


def import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise DependencyError(
            "exporting a PyTorch model needs torch: pip install 'mlops-gate[torch]'"
        ) from None
    return torch


def load_torch_module(path: Path, trust: str | None) -> Any:
    """A TorchScript archive (no unpickling), else a pickled module when `trust: pickle`."""
    torch = import_torch()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript: deprecated in 2.9+
            return torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # not a TorchScript archive: torch raises RuntimeError / ValueError
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    if trust != "pickle":
        raise InputError(
            f"{path}: not a TorchScript archive ({reason}); save it with torch.jit.script/trace, "
            "or set `trust: pickle` to unpickle a full module (unpickling runs code)"
        )
    try:
        module = torch.load(str(path), map_location="cpu", weights_only=False)
    except Exception as exc:  # unpickling raises whatever the pickle's code raises
        raise InputError(
            f"{path}: cannot load the torch model ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(module, torch.nn.Module):
        raise InputError(f"{path}: holds a {type(module).__name__}, not a torch.nn.Module")
    return module


def export_torch(
    module: Any,
    n_features: int,
    opset: int,
    *,
    task: str = "classification",
    output: str = "logits",
    classes: list[Any] | None = None,
) -> tuple[Any, list[Any] | None]:
    """`(onnx.ModelProto, classes)` for `module`; one that fails to trace raises `InputError`."""
    import onnx

    torch = import_torch()
    module.eval()
    sample = torch.zeros(2, n_features)  # two rows, so tracing cannot bake in a batch of one
    width = _output_width(module, sample)
    if task == "classification":
        classes = classes if classes is not None else list(range(max(width, 2)))
        wrapped, names = (
            _classifier(torch, module, output, classes, width),
            ["label", "probabilities"],
        )
    else:
        wrapped, names, classes = module, ["variable"], None
    buffer = io.BytesIO()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer warnings
            torch.onnx.export(
                wrapped,
                (sample,),
                buffer,
                input_names=["X"],
                output_names=names,
                dynamic_axes={name: {0: "batch"} for name in ["X", *names]},
                opset_version=opset,
                dynamo=False,
            )
    except Exception as exc:  # tracing/scripting errors come in many types
        raise InputError(
            f"torch module {type(module).__name__} failed to export to ONNX: {_line(exc)}"
        ) from None
    return onnx.load_from_string(buffer.getvalue()), classes


def _output_width(module: Any, sample: Any) -> int:
    torch = import_torch()
    try:
        with torch.no_grad():
            out = module(sample)
    except Exception as exc:  # a shape mismatch means the feature count is wrong
        raise InputError(
            f"torch module {type(module).__name__} failed on a [2, {sample.shape[1]}] input: "
            f"{_line(exc)}"
        ) from None
    if not isinstance(out, torch.Tensor) or out.dim() not in (1, 2):
        raise InputError(f"torch module {type(module).__name__} must return one 1-D or 2-D tensor")
    return 1 if out.dim() == 1 else int(out.shape[1])


def _classifier(torch: Any, module: Any, output: str, classes: list[Any], width: int) -> Any:
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        raise InputError("a torch classifier's classes must be integers (set model.classes)")
    if len(classes) != max(width, 2):
        raise InputError(
            f"model.classes has {len(classes)} labels but the module gives {width} scores"
        )

    class Classifier(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.inner = module
            self.register_buffer("labels", torch.tensor(classes, dtype=torch.int64))

        def forward(self, x: Any) -> tuple[Any, Any]:
            scores = self.inner(x).reshape(x.shape[0], -1)
            if scores.shape[1] == 1:  # one column: the positive class's logit or probability
                positive = torch.sigmoid(scores) if output == "logits" else scores
                proba = torch.cat([1 - positive, positive], dim=1)
            else:
                proba = torch.softmax(scores, dim=1) if output == "logits" else scores
            return self.labels[torch.argmax(proba, dim=1)], proba

    return Classifier()


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
