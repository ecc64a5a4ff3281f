"""Read a YAML document keeping where every key and value stands, so errors can point at them.

A policy comes from a pull request, so reading it is bounded (issue 13, item 4): `MAX_ALIASES`
aliases, `MAX_NODES` values built (aliases and `<<` merges expanded), `MAX_DEPTH` levels; a
recursive alias, a tag other than YAML's plain ones (`!!python/object`, `!foo`) and a value its
tag cannot hold (`2024-13-45`) are errors at their `line:col`. PyYAML composes the nodes, keeping
each alias as written (`_Alias`); they are built here, so every expansion is counted and located.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

Path_ = tuple[str | int, ...]

MAX_ALIASES = 100  # a policy reuses a block a few times; billion laughs needs dozens of aliases
MAX_NODES = 100_000  # values built in all; a large policy has a few hundred
MAX_DEPTH = 100  # nesting levels, aliases expanded; Python's recursion limit is far beyond

_YAML = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE, _VALUE = (f"{_YAML}{name}" for name in ("map", "seq", "merge", "value"))
_SCALARS = frozenset(
    f"{_YAML}{name}" for name in ("null", "bool", "int", "float", "str", "timestamp", "binary")
)


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


def _at(mark: Any) -> Mark:
    """A PyYAML mark (0-based; `None` when it has none) as ours."""
    return Mark(mark.line + 1, mark.column + 1) if mark is not None else Mark(1, 1)


def _mark(node: yaml.Node) -> Mark:
    return _at(node.start_mark)


class _Alias(yaml.Node):
    """`*name` where it is written, around the node it refers to (which the composer shares)."""

    id = "alias"

    def __init__(self, target: yaml.Node, name: str, mark: Any) -> None:
        super().__init__(target.tag, target, mark, mark)
        self.name = name


class _Bounded(Composer):
    """PyYAML's composer, counting nodes and aliases, refusing recursive aliases, bounding depth."""

    nodes = aliases = depth = 0

    if TYPE_CHECKING:  # given by the parser the loader is made with

        def check_event(self, *choices: Any) -> bool: ...
        def peek_event(self) -> Any: ...

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if self.check_event(yaml.AliasEvent):
            return self._alias(event, parent, index)
        self.nodes += 1
        self.depth += 1
        try:
            if self.nodes > MAX_NODES:
                raise YamlSyntaxError(f"more than {MAX_NODES} values", _at(event.start_mark))
            if self.depth > MAX_DEPTH:
                raise YamlSyntaxError(
                    f"nested more than {MAX_DEPTH} levels deep", _at(event.start_mark)
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _alias(self, event: Any, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise YamlSyntaxError(
                f"more than {MAX_ALIASES} aliases: a policy needs a few", _at(event.start_mark)
            )
        target = super().compose_node(parent, index)  # raises on an undefined alias
        assert target is not None
        name = str(event.anchor)
        if isinstance(target, yaml.CollectionNode) and target.end_mark is None:
            raise YamlSyntaxError(
                f"recursive alias '*{name}': it refers to a node that contains it",
                _at(event.start_mark),
            )
        return _Alias(target, name, event.start_mark)


class _PureLoader(_Bounded, yaml.SafeLoader):
    pass


_LOADER: Any = _PureLoader  # or, with libyaml, its parser: ~6x faster on hostile sizes
if yaml.__with_libyaml__:

    class _FastLoader(_Bounded, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

    _LOADER = _FastLoader


def parse_yaml(text: str) -> YamlSource:
    """Parse one YAML document into plain data plus key/value positions; duplicate keys are errors."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = _at(exc.problem_mark or exc.context_mark)
        raise YamlSyntaxError(f"invalid YAML: {exc.problem or exc.context}", mark) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, C0 controls)
        raise YamlSyntaxError(
            f"invalid YAML: character U+{_code(exc.character):04X} is not allowed in a YAML file",
            _position(text, exc.position),
        ) from None
    source = YamlSource(data=None)
    if root is not None:
        source.data = _Builder(source).build(root, (), None, 0)
    return source


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character[:1] or "\0")


def _position(text: str, offset: int) -> Mark:
    """The 1-based line and column of character `offset` of `text`."""
    before = text[:offset]
    return Mark(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


class _Builder:
    """Plain data from composed nodes, recording positions and counting what it builds."""

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.constructor = yaml.SafeLoader("")
        self.built = 0

    def build(self, node: yaml.Node, path: Path_, alias: _Alias | None, depth: int) -> Any:
        """`node` as data; `alias` is the outermost alias being expanded, if any."""
        if isinstance(node, _Alias):  # `*name` here; positions under it are its anchor's
            data = self.build(node.value, path, alias or node, depth)
            self.source.values[path] = _mark(node)
            return data
        self.source.values[path] = _mark(node)
        self._count(node, alias, depth)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return self._mapping(node, path, alias, depth)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [
                self.build(item, (*path, i), alias, depth + 1) for i, item in enumerate(node.value)
            ]
        return self._scalar(node)

    def _count(self, node: yaml.Node, alias: _Alias | None, depth: int) -> None:
        self.built += 1
        where = _mark(alias) if alias is not None else _mark(node)
        through = f"alias '*{alias.name}' expands the policy to " if alias is not None else ""
        if self.built > MAX_NODES:
            raise YamlSyntaxError(f"{through}more than {MAX_NODES} values", where)
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(f"{through}more than {MAX_DEPTH} levels of nesting", where)

    def _mapping(
        self, node: yaml.MappingNode, path: Path_, alias: _Alias | None, depth: int
    ) -> dict[str, Any]:
        """Keys as written override those merged in by `<<` (YAML's merge key)."""
        own = [(k, v) for k, v in node.value if k.tag != _MERGE]
        merges = [v for k, v in node.value if k.tag == _MERGE]
        merged = self._merged(merges, path, alias, depth) if merges else {}
        result: dict[str, Any] = {}
        for key_node, value_node in own:
            key = self._key(key_node)
            if key in result:
                raise YamlSyntaxError(f"duplicate key '{key}'", _mark(key_node))
            child = (*path, key)
            self.source.keys[child] = _mark(key_node)
            result[key] = self.build(value_node, child, alias, depth + 1)
        return {**{k: v for k, v in merged.items() if k not in result}, **result}

    def _merged(
        self, values: list[yaml.Node], path: Path_, alias: _Alias | None, depth: int
    ) -> dict[str, Any]:
        """What `<<: *a` or `<<: [*a, *b]` brings in; the first mapping listed wins a key."""
        mappings: list[yaml.Node] = []
        for value in values:
            target = value.value if isinstance(value, _Alias) else value
            items = target.value if isinstance(target, yaml.SequenceNode) else [value]
            mappings.extend(items)
        merged: dict[str, Any] = {}
        mark = self.source.values[path]
        for mapping in reversed(mappings):
            target = mapping.value if isinstance(mapping, _Alias) else mapping
            if not isinstance(target, yaml.MappingNode):
                raise YamlSyntaxError("`<<` merges a mapping or a list of mappings", _mark(mapping))
            merged.update(self.build(mapping, path, alias, depth))
        self.source.values[path] = mark
        return merged

    def _key(self, node: yaml.Node) -> str:
        target = node.value if isinstance(node, _Alias) else node
        if not isinstance(target, yaml.ScalarNode):
            raise YamlSyntaxError("mapping keys must be plain scalars", _mark(node))
        key = self._scalar(target)
        if not isinstance(key, str | int | float | bool):
            raise YamlSyntaxError("mapping keys must be plain scalars", _mark(node))
        return str(key)

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _VALUE:  # a plain `=`: YAML 1.1's "default value" key, here a string
            return str(node.value)
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALARS:
            raise YamlSyntaxError(
                f"unsupported YAML tag '{_shown(node.tag)}': a policy holds only mappings, "
                "lists, strings, numbers, booleans and null",
                _mark(node),
            )
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else None
            reason = problem or str(exc).strip().partition("\n")[0]
            message = f"not a valid {_shown(node.tag)} value: {reason}"
            raise YamlSyntaxError(message, _mark(node)) from None


def _shown(tag: str) -> str:
    return f"!!{tag[len(_YAML) :]}" if tag.startswith(_YAML) else tag
