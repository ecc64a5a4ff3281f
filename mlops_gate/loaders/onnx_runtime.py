"""Importing ONNX Runtime and opening sessions, with the packaging pitfalls turned into clear errors."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from mlops_gate.errors import DependencyError, GateError, InputError

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"


@cache
def onnxruntime() -> Any:
    """The `onnxruntime` module, or a `DependencyError` saying how to install exactly one build."""
    installed = [dist for dist in ("onnxruntime", "onnxruntime-gpu") if _installed(dist)]
    if len(installed) == 2:
        raise DependencyError(
            "both onnxruntime and onnxruntime-gpu are installed and overwrite each other's files: "
            "pip uninstall -y onnxruntime onnxruntime-gpu, then pip install 'mlops-gate[cpu]' or 'mlops-gate[gpu]'"
        )
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise DependencyError(
            f"ONNX Runtime is not installed ({exc}): pip install 'mlops-gate[cpu]' "
            "(or 'mlops-gate[gpu]' on a CUDA machine)"
        ) from None
    ort.set_default_logger_severity(3)
    return ort


def _installed(dist: str) -> bool:
    try:
        metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def open_session(path: Path, *, device: str = "cpu", threads: int | None = None) -> Any:
    """An `InferenceSession` on `device`; CUDA is never silently replaced by the CPU."""
    ort = onnxruntime()
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    providers: list[str | tuple[str, dict[str, Any]]] = (
        [CPU] if device == "cpu" else [(CUDA, {}), CPU]
    )
    if device == "cuda" and CUDA not in ort.get_available_providers():
        raise GateError(
            f"CUDAExecutionProvider not available: this onnxruntime build offers "
            f"{', '.join(ort.get_available_providers())} (install 'mlops-gate[gpu]' on a machine with CUDA)"
        )
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:  # ORT raises its own exception types (Fail, InvalidProtobuf, ...)
        raise InputError(f"{path}: not a loadable ONNX model ({_first_line(exc)})") from None
    if device == "cuda" and CUDA not in session.get_providers():
        # ORT falls back to the CPU when the CUDA libraries fail to load; that would time the wrong thing.
        raise GateError(
            "CUDAExecutionProvider not available: ONNX Runtime fell back to "
            f"{', '.join(session.get_providers())} (CUDA/cuDNN libraries missing or incompatible)"
        )
    if device == "cuda":
        session.disable_fallback()  # a failed CUDA call must fail, not quietly re-run on the CPU
    return session


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
