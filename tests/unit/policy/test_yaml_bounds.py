"""Reading a hostile policy is bounded, and every problem is a `line:col` (issue 13, item 4).

Each case runs with libyaml's parser and with PyYAML's pure-Python one (the fallback where
PyYAML was built without libyaml): the bounds must not depend on which one is installed.
"""

from __future__ import annotations

import time

import pytest
import yaml

from mlops_gate.policy import yaml_source
from mlops_gate.policy.yaml_source import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_NODES,
    Mark,
    YamlSyntaxError,
    parse_yaml,
)

LOADERS = ["pure", *(["libyaml"] if yaml.__with_libyaml__ else [])]


@pytest.fixture(params=LOADERS, autouse=True)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pure":
        monkeypatch.setattr(yaml_source, "_LOADER", yaml_source._PureLoader)
    return str(request.param)


def _error(text: str) -> tuple[Mark, str]:
    started = time.perf_counter()
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(text)
    assert time.perf_counter() - started < 20  # was: past 60 s and 4 GB for the laughs
    return caught.value.mark, str(caught.value)


def _laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_an_error_at_the_alias() -> None:
    # a5 is the first level past the budget: 9**5 + earlier levels > MAX_NODES
    assert _error(_laughs()) == (
        Mark(6, 10),
        f"alias '*a4' expands the policy to more than {MAX_NODES} values",
    )


def test_merge_keys_cannot_expand_without_bound() -> None:
    nested = "{k: 1}"
    for level in range(40):  # each level merges the one before twice: 2**40 pairs
        nested = f"{{<<: [&m{level} {nested}, *m{level}]}}"
    _, message = _error(f"z: {nested}\n")
    assert message.endswith(f"expands the policy to more than {MAX_NODES} values")
    assert message.startswith("alias '*m")


def test_alias_count_is_capped_at_the_first_alias_too_many() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    column = 5 + 4 * MAX_ALIASES  # `b: [` then `*a, ` per alias
    assert _error(text) == (
        Mark(2, column),
        f"more than {MAX_ALIASES} aliases: a policy needs a few",
    )


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("a: &a [*a]\n", Mark(1, 8)),
        ("a: &a {b: *a}\n", Mark(1, 11)),
        ("a: &a {<<: *a}\n", Mark(1, 12)),
        ("a: &a [1, [2, {c: *a}]]\n", Mark(1, 19)),
    ],
)
def test_recursive_alias_is_an_error(text: str, mark: Mark) -> None:
    assert _error(text) == (mark, "recursive alias '*a': it refers to a node that contains it")


def test_nesting_is_bounded() -> None:
    mark, message = _error("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert mark.line == 1
    assert "nest" in message  # ours at MAX_DEPTH; libyaml may stop first at its own limit


def test_nesting_through_aliases_is_bounded() -> None:
    levels = ["l0: &l0 " + "[" * 50 + "]" * 50]
    for level in range(1, 5):
        levels.append(f"l{level}: &l{level} " + "[" * 40 + f"*l{level - 1}" + "]" * 40)
    mark, message = _error("\n".join(levels) + "\n")
    assert message == f"alias '*l1' expands the policy to more than {MAX_DEPTH} levels of nesting"
    assert mark == Mark(3, 49)


def test_too_many_values_without_aliases() -> None:
    mark, message = _error("l: [" + ",".join(["1"] * (MAX_NODES + 10)) + "]\n")
    assert message == f"more than {MAX_NODES} values"
    assert mark.line == 1


@pytest.mark.parametrize(
    ("text", "mark", "tag"),
    [
        ("gates: !!python/object:os.system {}\n", Mark(1, 8), "!!python/object:os.system"),
        (
            "gates: !!python/object/apply:os.system [ls]\n",
            Mark(1, 8),
            "!!python/object/apply:os.system",
        ),
        ("name: !!python/name:os.system ''\n", Mark(1, 7), "!!python/name:os.system"),
        ("name: !foo x\n", Mark(1, 7), "!foo"),
        ("name: !foo [x]\n", Mark(1, 7), "!foo"),
        ("ids: !!set {a, b}\n", Mark(1, 6), "!!set"),
        ("ids: !!omap [a: 1]\n", Mark(1, 6), "!!omap"),
        ("? !foo k\n: v\n", Mark(1, 3), "!foo"),
    ],
)
def test_unknown_tags_are_errors_at_their_position(text: str, mark: Mark, tag: str) -> None:
    assert _error(text) == (
        mark,
        f"unsupported YAML tag '{tag}': a policy holds only mappings, lists, strings, "
        "numbers, booleans and null",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("w: 2024-13-45\n", "not a valid !!timestamp value: month must be in 1..12"),
        ("n: " + "9" * 5000 + "\n", "not a valid !!int value: Exceeds the limit (4300 digits)"),
        ("b: !!binary 'not base64!'\n", "not a valid !!binary value: failed to "),
        ("n: !!int x\n", "not a valid !!int value: invalid literal"),
    ],
)
def test_values_their_tag_cannot_hold_are_errors(text: str, message: str) -> None:
    mark, found = _error(text)
    assert mark == Mark(1, 4)
    assert found.startswith(message)


def test_aliases_and_merges_still_work() -> None:
    text = (
        "base: &base {metric: f1, min: 0.9, id: x}\n"
        "gates:\n"
        "  - *base\n"
        "  - {<<: *base, min: 0.8, id: y}\n"
        "  - {<<: [{min: 0.7, id: z}, *base]}\n"
        "sep: =\n"
    )
    source = parse_yaml(text)
    assert source.data["gates"] == [
        {"metric": "f1", "min": 0.9, "id": "x"},
        {"metric": "f1", "min": 0.8, "id": "y"},  # keys written beside `<<` win
        {"metric": "f1", "min": 0.7, "id": "z"},  # the first mapping merged wins
    ]
    assert source.data["sep"] == "="
    assert source.mark_for(("gates", 0)) == Mark(3, 5)  # the alias where it is used
    assert source.mark_for(("gates", 1, "min")) == Mark(4, 22)
    assert source.mark_for(("gates", 1, "metric")) == Mark(1, 22)  # merged: at its anchor


def test_a_merge_of_a_scalar_is_an_error() -> None:
    assert _error("a: {<<: 1}\n") == (Mark(1, 9), "`<<` merges a mapping or a list of mappings")
