"""The latency gate's calls: one inference on inputs prepared once, and how it runs.

Split from gates/latency.py so that the gate module holds the policy model and the verdict.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

from mlops_gate.gates.latency_timing import Call

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.latency import Config
    from mlops_gate.loaders.models import LoadedModel

SKLEARN_PROVIDER = "python:sklearn"


class Prepared(NamedTuple):
    """One model, ready to time: the call, its provider and ONNX Runtime's thread settings."""

    call: Call
    provider: str
    ort: dict[str, Any] | None  # None for a pickled sklearn model


def prepare(
    model: LoadedModel, batch: pd.DataFrame, features: list[str], config: Config
) -> Prepared:
    """A no-argument call running one inference on prepared inputs, and how it runs."""
    from mlops_gate.errors import InputError
    from mlops_gate.loaders.models import OnnxModel, SklearnModel

    if isinstance(model, OnnxModel):
        feeds = model.feeds(batch, features)  # converted once: the gate times inference, not pandas
        provider = str(model.session.get_providers()[0])
        ort = ort_settings(model.session)
        if config.device == "cuda":
            return Prepared(bound_call(model.session, feeds), provider, ort)
        names = [output.name for output in model.session.get_outputs()]  # not rebuilt per call
        return Prepared(functools.partial(model.session.run, names, feeds), provider, ort)
    assert isinstance(model, SklearnModel)  # _checked let nothing else through
    missing = [c for c in features if c not in batch.columns]
    if missing:
        raise InputError(f"{model.path}: feature columns missing from the data: {missing}")
    estimator = model.estimator
    classifier = model.task == "classification" and hasattr(estimator, "predict_proba")
    method = estimator.predict_proba if classifier else estimator.predict
    return Prepared(functools.partial(method, batch[features]), SKLEARN_PROVIDER, None)


def ort_settings(session: Any) -> dict[str, Any]:
    """The session's thread settings as ONNX Runtime reports them (0: ORT's own default)."""
    options = session.get_session_options()
    mode = str(options.execution_mode).rsplit(".", 1)[-1].removeprefix("ORT_").lower()
    return {
        "intra_op_threads": int(options.intra_op_num_threads),
        "inter_op_threads": int(options.inter_op_num_threads),
        "execution_mode": mode,
    }


def bound_call(session: Any, feeds: dict[str, Any]) -> Call:
    """`run_with_iobinding` with inputs copied to the GPU once and tensor outputs left there."""
    from mlops_gate.loaders.onnx_runtime import onnxruntime

    ort = onnxruntime()
    session.disable_fallback()  # a failing CUDA run must raise, never rerun on the CPU unnoticed
    binding = session.io_binding()
    for name, array in feeds.items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, "cuda", 0))
    for output in session.get_outputs():
        # Maps and sequences (e.g. ZipMap) cannot live on the GPU; ORT fills them on the host.
        binding.bind_output(output.name, "cuda" if output.type.startswith("tensor(") else "cpu")
    return functools.partial(session.run_with_iobinding, binding)
