"""The arrows between the parts run one way (issue 12, item 4; docs/architecture.md).

import-linter checks the `layers` contract in pyproject.toml; this test reads the same list (one
owner) and checks it again over every import statement in the package — those inside functions
too, which is how integrations are imported lazily — and that no two parts import each other.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

from tests.support import REPO

PACKAGE = REPO / "mlops_gate"


def _part(module: str) -> str:
    """`mlops_gate.engine.context` → `engine`; the package itself is `mlops_gate`."""
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else bits[0]


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every mlops_gate module `path` imports, at any depth of the file (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mlops_gate":
                found.update(f"mlops_gate.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return {name for name in found if name.startswith("mlops_gate.")}


def part_graph() -> dict[str, dict[str, list[str]]]:
    """part → imported part → the files that import it."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(_module_name(path))
        for target in sorted({_part(name) for name in _imports(path)} - {source}):
            graph[source][target].append(str(path.relative_to(REPO)))
    return graph


def layers() -> list[list[str]]:
    """The parts of each layer of the pyproject contract, top first."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [
        [_part(name.strip()) for name in layer.replace(":", "|").split("|")]
        for layer in contract["layers"]
    ]


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components of more than one part (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_parts_import_each_other_lazy_imports_included() -> None:
    graph = part_graph()
    assert _cycles(graph) == [], {
        f"{a} -> {b}": graph[a][b]
        for cycle in _cycles(graph)
        for a in cycle
        for b in cycle
        if b in graph[a]
    }


def test_every_import_points_down_the_layers_lazy_imports_included() -> None:
    level = {part: depth for depth, layer in enumerate(layers()) for part in layer}
    upward = {
        f"{source} -> {target}": files
        for source, targets in part_graph().items()
        for target, files in targets.items()
        if source in level and target in level and level[target] < level[source]
    }
    assert upward == {}


def test_every_part_of_the_package_is_placed_in_a_layer() -> None:
    placed = {part for layer in layers() for part in layer}
    parts = {_part(_module_name(path)) for path in PACKAGE.rglob("*.py")}
    # The package's face (__version__) and the serving app (shipped into the image, imports
    # nothing of the package) stand apart.
    assert parts - placed == {"mlops_gate", "serving"}


def test_the_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text(
        "def later():\n    from mlops_gate.registry import uris\n    import mlops_gate.engine\n",
        encoding="utf-8",
    )
    assert _imports(source) == {"mlops_gate.registry", "mlops_gate.engine"}


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}
    assert _cycles(graph) == [["a", "b", "c"]]
