"""Quantized variants of the float artifact: dynamic int8, static int8 (QDQ) and fp16.

Each variant is a separate artifact the gates evaluate side by side with the float one: quantizing
an MLP here shrank it 155 KB → 44 KB but made batch-1 latency slightly *slower* (issue 3), so no
variant is assumed better. Only standard ops (MatMul, Gemm, Conv, ...) are quantized; the
`ai.onnx.ml` ops of linear and tree models stay float, so their variants barely change.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.artifacts import metadata
from mlops_gate.artifacts.onnx_file import save
from mlops_gate.artifacts.opset import drop_noop_input_casts, normalise_opset_imports
from mlops_gate.errors import GateError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.policy.model import QuantizeSpec

VARIANT_KEY = "mlops_gate.variant"
CALIBRATION_BATCH = 32


@dataclass(frozen=True)
class Variant:
    name: str
    method: str
    path: Path
    seconds: float


def quantize(
    float_path: Path,
    spec: QuantizeSpec,
    out_path: Path,
    *,
    calibration: pd.DataFrame | None = None,
    features: list[str] | None = None,
) -> Variant:
    """Write the `spec` variant of the (opset-normalised) model at `float_path` to `out_path`."""
    started = time.perf_counter()
    try:
        with _quiet_quantizer():
            if spec.method == "dynamic":
                _dynamic(float_path, out_path, spec.weight_type)
            elif spec.method == "static":
                if calibration is None or features is None:
                    raise InputError(
                        "static quantization needs data.reference rows to calibrate on"
                    )
                rows = calibration.head(spec.calibration_rows)
                _static(float_path, out_path, spec.weight_type, rows, features)
            else:
                _fp16(float_path, out_path)
    except (InputError, GateError):
        raise
    except Exception as exc:  # ORT's quantizer raises plain Exception/ValueError/RuntimeError
        raise InputError(
            f"{spec.variant} quantization of {float_path.name} failed: {_line(exc)}"
        ) from None
    _carry_metadata(float_path, out_path, spec.variant)
    _check_loads(out_path, spec.variant)
    return Variant(spec.variant, spec.method, out_path, time.perf_counter() - started)


def _quant_type(weight_type: str) -> Any:
    from onnxruntime.quantization import QuantType

    return QuantType.QInt8 if weight_type == "int8" else QuantType.QUInt8


def _dynamic(source: Path, target: Path, weight_type: str) -> None:
    from onnxruntime.quantization import quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=_quant_type(weight_type))


def _static(
    source: Path, target: Path, weight_type: str, rows: pd.DataFrame, features: list[str]
) -> None:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    if rows.empty:
        raise InputError(
            "static quantization needs reference rows to calibrate on; the set is empty"
        )
    reader = _calibration_reader(source, rows, features)
    # U8 activations with S8 weights is ORT's recommended CPU pairing for QDQ models.
    quantize_static(
        str(source),
        str(target),
        reader,
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=_quant_type(weight_type),
    )


def _calibration_reader(source: Path, rows: pd.DataFrame, features: list[str]) -> Any:
    """A `CalibrationDataReader` feeding `rows` in batches, laid out as the model's inputs want."""
    from onnxruntime.quantization import CalibrationDataReader

    from mlops_gate.loaders.models import OnnxModel
    from mlops_gate.policy.model import ModelRef

    model = OnnxModel(source, ModelRef(path=str(source)), "classification")
    batches = [
        model.feeds(rows.iloc[start : start + CALIBRATION_BATCH], features)
        for start in range(0, len(rows), CALIBRATION_BATCH)
    ]

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._batches = iter(batches)

        def get_next(self) -> dict[str, Any] | None:
            return next(self._batches, None)

    return Reader()


def _fp16(source: Path, target: Path) -> None:
    import onnx
    from onnxconverter_common import float16  # type: ignore[import-untyped]

    model = onnx.load(str(source))
    drop_noop_input_casts(model)
    float_outputs = {
        o.name for o in model.graph.output if o.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    }
    with warnings.catch_warnings():
        # "will be truncated to 1e-07": weights below fp16's range are clipped by design; the
        # variant's own gates measure what that costs.
        warnings.simplefilter("ignore", UserWarning)
        converted = float16.convert_float_to_float16(model, keep_io_types=True)
    _restore_float_outputs(converted, float_outputs)
    save(converted, target)


def _restore_float_outputs(model: Any, names: set[str]) -> None:
    """Cast outputs the converter turned into float16 back to float (callers expect float32)."""
    import onnx

    for output in model.graph.output:
        if (
            output.name not in names
            or output.type.tensor_type.elem_type != onnx.TensorProto.FLOAT16
        ):
            continue
        half = f"{output.name}__fp16"
        for node in model.graph.node:
            node.output[:] = [half if name == output.name else name for name in node.output]
            node.input[:] = [half if name == output.name else name for name in node.input]
        model.graph.node.append(
            onnx.helper.make_node("Cast", [half], [output.name], to=onnx.TensorProto.FLOAT)
        )
        output.type.tensor_type.elem_type = onnx.TensorProto.FLOAT


def _carry_metadata(float_path: Path, variant_path: Path, name: str) -> None:
    import onnx

    source = onnx.load(str(float_path), load_external_data=False)
    variant = onnx.load(str(variant_path))
    normalise_opset_imports(variant)
    metadata.copy_metadata(source, variant)
    prop = variant.metadata_props.add()
    prop.key, prop.value = VARIANT_KEY, name
    save(variant, variant_path)


def _check_loads(path: Path, name: str) -> None:
    """A variant ONNX Runtime cannot load fails the build here, not later in every gate."""
    from mlops_gate.loaders.onnx_runtime import open_session

    try:
        open_session(path)
    except InputError as exc:
        raise InputError(
            f"the {name} variant does not load in ONNX Runtime ({str(exc).split(': ', 1)[-1]}); "
            "drop it from artifacts.quantize (fp16 suits neural networks, not ai.onnx.ml pipelines)"
        ) from None


@contextlib.contextmanager
def _quiet_quantizer() -> Iterator[None]:
    # ORT's quantizer logs "Please consider to run pre-processing" with `logging.warning`, which
    # also calls `basicConfig()` on a root logger without handlers: a stderr handler that would
    # then print every library's INFO records for the rest of the process (GX's, in `run`). A
    # NullHandler on the root for the duration makes that call a no-op.
    previous = logging.root.manager.disable
    guard = logging.NullHandler()
    logging.root.addHandler(guard)
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)
        logging.root.removeHandler(guard)


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
