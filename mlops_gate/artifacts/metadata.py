"""What an artifact says about itself, in the ONNX `metadata_props` every runtime can read.

`features` and `classes` (JSON lists) are the keys `mlops_gate.loaders.models` and the serving app
read; `inputs` records each graph input's name, element type and shape (`null` for a dynamic
dimension); `mlops_gate.source` says what the artifact was exported from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

FEATURES = "features"
CLASSES = "classes"
INPUTS = "inputs"
SOURCE = "mlops_gate.source"
TOOL = "mlops_gate.version"


@dataclass(frozen=True)
class InputSpec:
    """One graph input: ONNX element type (`float`, `string`, ...) and shape (None = dynamic)."""

    name: str
    type: str
    shape: tuple[int | None, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "shape": list(self.shape)}


def input_specs(model: Any) -> list[InputSpec]:
    """The graph inputs that are not initializers (older exporters list weights as inputs too)."""
    import onnx

    weights = {init.name for init in model.graph.initializer}
    specs = []
    for value in model.graph.input:
        if value.name in weights:
            continue
        tensor = value.type.tensor_type
        dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim)
        elem = (
            onnx.TensorProto.DataType.Name(tensor.elem_type).lower()
            if tensor.elem_type
            else "unknown"
        )
        specs.append(InputSpec(name=value.name, type=elem, shape=dims))
    return specs


def read_metadata(model: Any) -> dict[str, str]:
    return {prop.key: prop.value for prop in model.metadata_props}


def write_metadata(
    model: Any,
    *,
    features: list[str] | None,
    classes: list[Any] | None,
    source: dict[str, Any] | None = None,
) -> None:
    """Set the mlops-gate keys in place, keeping every other key the exporter wrote."""
    from mlops_gate import __version__

    values: dict[str, str] = {
        INPUTS: json.dumps([spec.to_json() for spec in input_specs(model)]),
        TOOL: __version__,
    }
    if features is not None:
        values[FEATURES] = json.dumps(list(features))
    if classes is not None:
        values[CLASSES] = json.dumps([plain(c) for c in classes])
    if source is not None:
        values[SOURCE] = json.dumps(source, sort_keys=True)
    merged = {**read_metadata(model), **values}
    del model.metadata_props[:]
    for key in sorted(merged):
        prop = model.metadata_props.add()
        prop.key, prop.value = key, merged[key]


def copy_metadata(source: Any, target: Any) -> None:
    """Carry `source`'s metadata onto `target` (quantizers do not all keep it)."""
    merged = {**read_metadata(target), **read_metadata(source)}
    del target.metadata_props[:]
    for key in sorted(merged):
        prop = target.metadata_props.add()
        prop.key, prop.value = key, merged[key]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can hold (class labels come as numpy ints/strs)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
