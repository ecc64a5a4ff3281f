"""PyTorch modules to ONNX with `torch.onnx.export` (torch is optional: imported only here).

A tabular module takes one `[batch, features]` float tensor. A classifier's graph gets the
outputs every other artifact has — `label` (int64) and `probabilities` — whether the module
returns logits (softmax added; one column means a sigmoid binary logit) or probabilities. The
batch axis is dynamic. We use the TorchScript exporter (`dynamo=False`): it honours
`opset_version` below 18 and needs no onnxscript; torch ≥ 2.9 calls it deprecated.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from mlops_gate.errors import DependencyError, InputError
from mlops_gate.loaders.code_formats import TORCH_SUFFIXES as TORCH_SUFFIXES
from mlops_gate.loaders.code_formats import refuse_untrusted, unpickle_failure


def import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise DependencyError(
            "exporting a PyTorch model needs torch: pip install 'mlops-gate[torch]'"
        ) from None
    return torch


def load_torch_module(path: Path, trust: str | None) -> Any:
    """The torch module in `path`: a `.pt2` program, a TorchScript archive, else a pickled module.

    Every one of these loaders can run code (`loaders/code_formats.py`), so all need
    `trust: pickle`; the refusal comes before torch is imported or the file opened.
    """
    refuse_untrusted(path, trust, " on artifacts.source")
    torch = import_torch()
    if path.suffix.lower() == ".pt2":
        return _load_pt2(torch, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript: deprecated in 2.9+
            return torch.jit.load(str(path), map_location="cpu")
    except Exception:  # not a TorchScript archive: torch raises RuntimeError / ValueError
        pass
    try:
        module = torch.load(str(path), map_location="cpu", weights_only=False)
    except Exception as exc:  # unpickling raises whatever the pickle's code raises
        raise unpickle_failure(path, exc, "torch model") from None
    if not isinstance(module, torch.nn.Module):
        raise InputError(f"{path}: holds a {type(module).__name__}, not a torch.nn.Module")
    return module


def _load_pt2(torch: Any, path: Path) -> Any:
    """The module of a `torch.export` program (MLflow 3's `pt2` pytorch format)."""
    try:
        module = torch.export.load(str(path)).module()
    except Exception as exc:  # torch raises RuntimeError / ValueError for a bad archive
        raise InputError(f"{path}: cannot load the pt2 program ({_line(exc)})") from None
    # torch shadows train()/eval() on the unlifted module with methods that raise; the program is
    # already captured (MLflow exports it in eval mode), so the flags are all they would set.
    for name in ("train", "eval"):
        vars(module).pop(name, None)
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
    """`(onnx.ModelProto, classes)` for `module`; one that fails to trace raises `InputError`.

    The module is exported alone and a classifier's head is added in ONNX (`classifier_head`):
    an eager wrapper around a TorchScript module cannot be traced ("not part of the active
    trace"), so scripted and traced classifiers failed to build (issue 14, item 3).
    """
    import onnx

    from mlops_gate.artifacts.classifier_head import add_classifier_head, check_classes

    torch = import_torch()
    module.eval()
    sample = torch.zeros(2, n_features)  # two rows, so tracing cannot bake in a batch of one
    width = _output_width(module, sample)
    if task != "classification":
        return onnx.load_from_string(_export_bytes(torch, module, sample, opset, "variable")), None
    labels = classes if classes is not None else list(range(max(width, 2)))
    check_classes(labels, width)
    model = onnx.load_from_string(_export_bytes(torch, module, sample, opset, "scores"))
    add_classifier_head(model, "scores", width, output, labels)
    return model, labels


def _export_bytes(torch: Any, module: Any, sample: Any, opset: int, output: str) -> bytes:
    buffer = io.BytesIO()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer warnings
            torch.onnx.export(
                module,
                (sample,),
                buffer,
                input_names=["X"],
                output_names=[output],
                dynamic_axes={"X": {0: "batch"}, output: {0: "batch"}},
                opset_version=opset,
                dynamo=False,
            )
    except Exception as exc:  # tracing/scripting errors come in many types
        raise InputError(
            f"torch module {type(module).__name__} failed to export to ONNX: {_line(exc)}"
        ) from None
    return buffer.getvalue()


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


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
