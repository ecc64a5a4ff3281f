"""Clean-ups an exported ONNX graph needs before the quantizers accept it.

skl2onnx 1.20 writes the default-domain `opset_import` twice for some models (LogisticRegression,
RandomForest). ONNX Runtime runs such a model, but `quantize_dynamic` then fails with "Failed to
find proper ai.onnx domain" (measured here, issue 3), so every artifact is normalised on export.
"""

from __future__ import annotations

from typing import Any

# "ai.onnx" is the spelled-out name of the default domain; ONNX treats both as the same domain.
_DEFAULT_ALIASES = ("", "ai.onnx")


def normalise_opset_imports(model: Any) -> int:
    """Merge duplicate `opset_import` entries in place (highest version wins); returns the count."""
    versions: dict[str, int] = {}
    order: list[str] = []
    for entry in model.opset_import:
        domain = "" if entry.domain in _DEFAULT_ALIASES else entry.domain
        if domain not in versions:
            order.append(domain)
        versions[domain] = max(versions.get(domain, 0), int(entry.version))
    removed = len(model.opset_import) - len(order)
    if removed:
        del model.opset_import[:]
        for domain in order:
            entry = model.opset_import.add()
            entry.domain = domain
            entry.version = versions[domain]
    return removed


def default_opset(model: Any) -> int | None:
    """The default-domain opset version of `model`, or None when it imports none."""
    for entry in model.opset_import:
        if entry.domain in _DEFAULT_ALIASES:
            return int(entry.version)
    return None


def drop_noop_input_casts(model: Any) -> int:
    """Remove `Cast` nodes that cast a graph input to the type it already has; returns the count.

    skl2onnx starts MLP graphs with such a cast; onnxconverter-common's fp16 conversion then wires
    the float32 input straight into a float16 MatMul and the model no longer loads (measured here).
    """
    input_types = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    graph_outputs = {o.name for o in model.graph.output}
    renamed: dict[str, str] = {}
    kept = []
    for node in model.graph.node:
        target = [a.i for a in node.attribute if a.name == "to"]
        source = node.input[0] if node.input else ""
        if (
            node.op_type == "Cast"
            and source in input_types
            and target == [input_types[source]]
            and node.output[0] not in graph_outputs
        ):
            renamed[node.output[0]] = source
            continue
        kept.append(node)
    if not renamed:
        return 0
    for node in kept:
        for index, name in enumerate(node.input):
            if name in renamed:
                node.input[index] = renamed[name]
    del model.graph.node[:]
    model.graph.node.extend(kept)
    return len(renamed)
