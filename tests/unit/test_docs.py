"""The docs cannot go stale: the policy reference is regenerated and compared, shipped policies
validate, and relative links in the Markdown files point at files that exist."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from mlops_gate.gates.registry import load_policy
from tests.support import REPO

GENERATOR = REPO / "scripts" / "gen_policy_docs.py"
MARKDOWN = sorted(
    [
        REPO / "README.md",
        REPO / "CHANGELOG.md",
        *REPO.glob("docs/*.md"),
        *REPO.glob("examples/*/README.md"),
        *REPO.glob("policies/*.md"),
    ]
)
POLICIES = sorted([*REPO.glob("examples/*/mlops-gate*.yaml"), *REPO.glob("policies/*.yaml")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_policy_docs", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_policy_reference_is_current() -> None:
    committed = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), "docs/policy.md is out of date: run `make docs`"


def test_policy_reference_is_deterministic() -> None:
    outputs = {
        subprocess.run(
            [sys.executable, str(GENERATOR), "--stdout"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_policy_reference_documents_every_gate_field() -> None:
    from mlops_gate.gates.registry import BUILTIN_GATES, gate_types

    text = _generator().render()
    for name in BUILTIN_GATES:
        assert f"### `type: {name}`" in text
        for field in gate_types()[name].Config.model_fields:
            assert f"| `{field}` |" in text, f"{name}.{field} missing from docs/policy.md"


@pytest.mark.parametrize("policy", POLICIES, ids=[str(p.relative_to(REPO)) for p in POLICIES])
def test_shipped_policies_are_valid(policy: Path) -> None:
    load_policy(policy)


def test_drifted_example_differs_from_the_main_policy_only_in_its_data() -> None:
    folder = REPO / "examples" / "credit-risk"
    main = load_policy(folder / "mlops-gate.yaml").policy.model_dump()
    drifted = load_policy(folder / "mlops-gate.drifted.yaml").policy.model_dump()
    assert drifted["data"].pop("eval") == "data/eval_drifted.parquet"
    assert main["data"].pop("eval") == "data/eval.parquet"
    assert drifted.pop("name") == f"{main.pop('name')}-drifted"
    assert drifted == main


@pytest.mark.parametrize("page", MARKDOWN, ids=[str(p.relative_to(REPO)) for p in MARKDOWN])
def test_relative_links_resolve(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans: a regex like `[a-z]([-a-z]*)` is no link
    targets = [t.split("#")[0] for t in LINK.findall(text) if not re.match(r"[a-z]+:|#", t)]
    missing = [t for t in targets if t and not (page.parent / t).exists()]
    assert not missing, f"{page.relative_to(REPO)} links to missing files: {missing}"
