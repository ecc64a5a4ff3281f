"""Hostile policies a pull request could commit (issue 13 item 7); data_strategies.py has the
tables and model files.

Policies come two ways: a valid policy with a few values replaced by hostile ones (so that most
examples get past the parser and reach the gates), and YAML text with hostile fragments spliced
in (tags, anchors and aliases, merge keys, odd scalars, control characters, broken encodings).
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import strategies as st

FEATURES = ["f0", "f1", "f2", "f3"]
KNOWN_COLUMNS = [*FEATURES, "label", "group", "id"]
FUZZED_GATES = ("metric", "drift", "bias", "size", "expectations", "latency")
# Settings that only say how much work to do: a huge value is a slow policy, not a hostile one.
COSTLY = {"runs", "warmup", "batch_size", "threads", "n_resamples", "max_examples", "timeout_s"}
CHEAP_LATENCY = {"runs": 10, "warmup": 1}


def base_policy(*, slow_gates: bool = False) -> dict[str, Any]:
    """A valid, passing policy over the fuzz project's files (conftest.py); `slow_gates` adds the
    two gates that cost most per example (Great Expectations, latency timings)."""
    gates: list[dict[str, Any]] = [
        {"type": "metric", "metric": "accuracy", "min": 0.5},
        {"type": "drift", "max": 0.5},
        {"type": "bias", "sensitive": "group", "max": 0.5},
        {"type": "size", "max_mb": 1},
    ]
    if slow_gates:
        gates += [
            {"type": "latency", "max_ms": 1000, **CHEAP_LATENCY},
            {
                "type": "expectations",
                "expect": [{"expect_column_values_to_not_be_null": {"column": "f0"}}],
            },
        ]
    return {
        "version": 1,
        "name": "fuzz",
        "model": {"path": "model.onnx", "task": "classification"},
        "data": {
            "eval": "eval.parquet",
            "reference": "reference.parquet",
            "target": "label",
            "ignore": ["id", "group"],
        },
        "gates": gates,
    }


# -- values ---------------------------------------------------------------------------------------
hostile_text = st.one_of(
    st.text(max_size=30),  # any code point but surrogates: control characters, RTL marks, NUL
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\x1b[31mred\x1b[0m",
            "\u202egnp.exe",
            "::error::forged",
            "%0A::warning::x",
            "<script>alert(1)</script>",
            "@org/team",
            "[x](https://evil.example)",
            "../../../../etc/passwd",
            "/dev/zero",
            "${HOME}",
            "${NOT_SET_ANYWHERE}",
            "${",
            "$${X}",
            "models:/x@y",
            "nan",
            "é" * 300,
            "a" * 5000,
        ]
    ),
)
hostile_number = st.one_of(
    st.floats(),  # NaN, ±inf, subnormals, -0.0
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**400, 1e308, 5e-324, -0.0]),
)
hostile_scalar = st.one_of(st.none(), st.booleans(), hostile_number, hostile_text)
hostile_value = st.recursive(
    hostile_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)
    ),
    max_leaves=6,
)


def _field_names() -> list[str]:
    from mlops_gate.gates.registry import gate_types

    names = {name for module in gate_types().values() for name in module.Config.model_fields}
    return sorted(names - COSTLY)


# -- structured policies --------------------------------------------------------------------------
def _places(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in `document` (dict keys and list indexes)."""
    found = [path] if path else []
    if isinstance(document, dict):
        items: Any = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return found
    for key, value in items:
        if key not in COSTLY and key != "type":
            found += _places(value, (*path, key))
    return found


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document[key]
    document[path[-1]] = value


@st.composite
def hostile_gate(draw: st.DrawFn) -> dict[str, Any]:
    """A gate of a real type (or none) with real field names holding hostile values."""
    kind = draw(st.one_of(st.sampled_from(FUZZED_GATES), hostile_text))
    fields = draw(st.lists(st.sampled_from(_field_names()), max_size=4, unique=True))
    gate = {"type": kind, **{name: draw(hostile_value) for name in fields}}
    if kind == "latency":
        gate.update(CHEAP_LATENCY)
    return gate


@st.composite
def mutated_policy(draw: st.DrawFn) -> dict[str, Any]:
    """The base policy after 1-3 hostile edits: set a value, add a key, drop one, add a gate."""
    document = copy.deepcopy(base_policy())
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["set", "set", "add", "drop", "gate"]))
        places = _places(document)
        path = draw(st.sampled_from(places))
        if edit == "set":
            _set(document, path, draw(hostile_value))
        elif edit == "add":
            parent = _parent(document, path)
            if isinstance(parent, dict):
                parent[draw(st.one_of(st.sampled_from(_field_names()), hostile_text))] = draw(
                    hostile_value
                )
        elif edit == "drop":
            parent = _parent(document, path)
            if isinstance(parent, dict | list) and len(parent) > 0:
                del parent[path[-1]]
        elif isinstance(document.get("gates"), list):
            document["gates"].append(draw(hostile_gate()))
    return document


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def policy_yaml(document: Any) -> str:
    """YAML for any document, NaN, huge integers and control characters included."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=False, width=10_000)


# -- textual policies -----------------------------------------------------------------------------
FRAGMENTS = [
    '!!python/object/apply:os.system ["touch PWNED"]',
    "!!python/name:os.system",
    '!!python/object/new:subprocess.Popen [["touch", "PWNED"]]',
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!timestamp 2024-13-45",
    "!!float nan",
    "!!int 0x7fffffffffffffffffff",
    "!!str",
    "!custom {x: 1}",
    "!<tag:yaml.org,2002:python/tuple> [1, 2]",
    "&a [*a]",
    "*undefined",
    "&x {min: .nan}",
    "{<<: {max: .inf}, type: drift}",
    "{<<: [1, 2]}",
    ".nan",
    "-.inf",
    "1e99999",
    "-1e-99999",
    "0o777",
    "1_000",
    "1:20:30",
    "2001-12-14t21:59:43.10-05:00",
    "~",
    "? complex key\n  : value",
    "'unterminated",
    '"\\x00\\u202e"',
    "[" * 200 + "]" * 200,
    "{" * 60 + "}" * 60,
    "|\n  block\n\ttab",
    "- a\n- b",
    "${HOME}",
    "${NOT_SET_ANYWHERE}",
    "--- second document",
    "...",
]


@st.composite
def policy_text(draw: st.DrawFn) -> bytes:
    """A policy's bytes: the base policy's YAML with hostile fragments in place of values, or
    broken encodings, aliases and anchors around it."""
    lines = policy_yaml(base_policy()).splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        head = lines[index].split(":", 1)[0] if ":" in lines[index] else lines[index]
        fragment = draw(st.one_of(st.sampled_from(FRAGMENTS), hostile_text.map(repr), hostile_text))
        lines[index] = f"{head}: {fragment}"
    text = "\n".join(lines) + "\n"
    prefix = draw(st.sampled_from(["", "\ufeff", "%YAML 1.1\n---\n", "&root\n", "\t"]))
    data = (prefix + text).encode("utf-8")
    tail = draw(st.sampled_from([b"", b"\xff\xfe", b"\x00", b"\n---\nversion: 2\n", b"\r\n\r"]))
    return data + tail


def alias_bomb(levels: int, fanout: int) -> str:
    """A 'billion laughs' policy: `levels` anchors, each `fanout` aliases of the one before."""
    lines = ["version: 1", "name: bomb", "model: {path: model.onnx}", 'x0: &x0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*x{level - 1}"] * fanout)
        lines.append(f"x{level}: &x{level} [{refs}]")
    lines.append(f"gates: [{{type: size, max_mb: 1, id: *x{levels}}}]")
    return "\n".join(lines) + "\n"
