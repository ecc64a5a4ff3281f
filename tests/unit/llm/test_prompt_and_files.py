"""Prompt templates (no str.format), and reading eval rows, outputs and labels: each problem one
line naming the file and row."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlops_gate.errors import InputError
from mlops_gate.gates.generation import EvalRow
from mlops_gate.llm.files import eval_rows, output_texts
from mlops_gate.llm.prompt import check_template, render
from mlops_gate.loaders.text_files import read_jsonl, read_text

ROW = EvalRow(id="q1", input="How?", reference="secret answer", context="Docs.")


def test_render_fills_placeholders_and_keeps_literal_braces() -> None:
    template = "{{json}} [{id}] {context}\nQ: {input}"
    check_template(template, Path("p.txt"))
    assert render(template, ROW) == "{json} [q1] Docs.\nQ: How?"
    assert render("{input}|{context}", EvalRow("q2", "x")) == "x|"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{input.__class__}", "unknown placeholder {input.__class__}"),
        (
            "{reference} {input}",
            "unknown placeholder {reference}",
        ),  # the model never sees the answer
        ("{input:>10}", "unknown placeholder {input:>10}"),
        ("Answer: {context}", "never uses {input}"),
    ],
)
def test_bad_templates_are_refused(template: str, message: str) -> None:
    with pytest.raises(InputError, match=r"p\.txt: ") as caught:
        check_template(template, Path("p.txt"))
    assert message in str(caught.value)


def _jsonl(path: Path, *lines: object) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


def test_eval_rows(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "e.jsonl",
        {"id": 1, "input": "a", "context": ["p1", "p2"]},
        "",
        {"id": "b", "input": "c", "reference": "r"},
    )
    assert eval_rows(path) == (EvalRow("1", "a", None, "p1\n\np2"), EvalRow("b", "c", "r", None))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"id": "a"}], "row 1 (id 'a') has no `input`"),
        ([{"input": "x"}], "row 1 has no `id`"),
        ([{"id": True, "input": "x"}], "row 1 has no `id`"),
        ([{"id": "a", "input": 3}], "has a non-text `input`"),
        ([{"id": "a", "input": "x"}, {"id": "a", "input": "y"}], "ids appear more than once: 'a'"),
        (["[1, 2]"], ":1: expected a JSON object, got list"),
        (['{"id": '], ":1: not JSON"),
        ([], "the eval set has no rows"),
    ],
)
def test_bad_eval_rows(tmp_path: Path, lines: list[object], message: str) -> None:
    path = _jsonl(tmp_path / "e.jsonl", *lines)
    with pytest.raises(InputError) as caught:
        eval_rows(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_outputs(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "o.jsonl", {"id": "a", "output": "x"}, {"id": 2, "output": ""})
    assert output_texts(path) == {"a": "x", "2": ""}
    _jsonl(path, {"id": "a", "output": "x"}, {"id": "a", "output": "y"})
    with pytest.raises(InputError, match="id 'a' appears twice"):
        output_texts(path)


def test_only_regular_bounded_utf8_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_jsonl(fifo, "eval")
    (tmp_path / "big.md").write_bytes(b"x" * 2048)
    with pytest.raises(InputError, match="over 1 KiB"):
        read_text(tmp_path / "big.md", "rubric", limit=1024)
    (tmp_path / "latin.md").write_bytes(b"caf\xe9")
    with pytest.raises(InputError, match="not UTF-8"):
        read_text(tmp_path / "latin.md", "rubric")
