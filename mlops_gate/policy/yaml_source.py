"""Read a YAML document keeping where every key and value stands, so errors can point at them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class YamlSource:
    data: Any
    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)

    def mark_for(self, path: Path_, *, key: bool = False) -> Mark:
        """The position of `path` (its key when `key`), else of its nearest ancestor."""
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        for end in range(len(path) - 1, -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return Mark(1, 1)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, mark: Mark) -> None:
        super().__init__(message)
        self.mark = mark


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def parse_yaml(text: str) -> YamlSource:
    """Parse one YAML document into plain data plus key/value positions; duplicate keys are errors."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        problem_mark = exc.problem_mark or exc.context_mark
        mark = Mark(problem_mark.line + 1, problem_mark.column + 1) if problem_mark else Mark(1, 1)
        raise YamlSyntaxError(f"invalid YAML: {exc.problem or exc.context}", mark) from None
    source = YamlSource(data=None)
    if root is None:
        return source
    constructor = yaml.SafeLoader("")
    source.data = _build(root, (), source, constructor)
    return source


def _build(node: yaml.Node, path: Path_, source: YamlSource, constructor: yaml.SafeLoader) -> Any:
    source.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)  # resolves `<<` merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise YamlSyntaxError("mapping keys must be plain scalars", _mark(key_node))
            if key in result:
                raise YamlSyntaxError(f"duplicate key '{key}'", _mark(key_node))
            child = (*path, str(key))
            source.keys[child] = _mark(key_node)
            result[str(key)] = _build(value_node, child, source, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), source, constructor) for i, item in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)
