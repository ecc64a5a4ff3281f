"""Promote's evidence gate: pass, and every hash matches today's files (issue #4, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_gate.errors import InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.registry.errors import PromotionRefused
from mlops_gate.results import Verdict
from tests.unit.registry.support import Project, make_project, write_evidence_for
from tests.unit.registry.support import verify_for as verify_evidence


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("evidence"), "evidence-policy")


def test_matching_passing_evidence_is_accepted(project: Project, tmp_path: Path) -> None:
    evidence = write_evidence_for(project, baseline_version="4", path=tmp_path / "e.json")

    verified = verify_evidence(evidence, project.policy, project.model)

    assert verified.sha256 == sha256_file(evidence)
    assert verified.model_sha256 == sha256_file(project.model)
    assert (verified.baseline_uri, verified.baseline_version) == (project.baseline_uri, "4")
    assert (verified.policy_name, verified.gate_count) == ("evidence-policy", 1)


@pytest.mark.parametrize("verdict", [Verdict.FAIL, Verdict.ERROR])
def test_evidence_that_did_not_pass_is_refused(
    project: Project, tmp_path: Path, verdict: Verdict
) -> None:
    evidence = write_evidence_for(project, verdict=verdict, path=tmp_path / "e.json")
    expected = "fail" if verdict is Verdict.FAIL else "error"
    with pytest.raises(
        PromotionRefused, match=rf"evidence verdict is '{expected}', not 'pass': nothing to promote"
    ):
        verify_evidence(evidence, project.policy, project.model)


def test_another_model_file_is_refused(project: Project, tmp_path: Path) -> None:
    evidence = write_evidence_for(project, path=tmp_path / "e.json")
    other = tmp_path / "other.onnx"
    other.write_bytes(project.model.read_bytes() + b"\0")
    with pytest.raises(
        PromotionRefused, match=r"other.onnx: model differs from the one checked .*re-run check$"
    ):
        verify_evidence(evidence, project.policy, other)


def test_edited_policy_and_data_are_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", "edited")
    evidence = write_evidence_for(project, path=tmp_path / "e.json")
    original = project.eval_data.read_bytes()
    project.eval_data.write_bytes(original + b"x")
    with pytest.raises(PromotionRefused, match=r"eval.parquet: data.eval changed since the check"):
        verify_evidence(evidence, project.policy, project.model)
    project.eval_data.unlink()
    with pytest.raises(PromotionRefused, match=r"eval.parquet: data.eval is gone since the check"):
        verify_evidence(evidence, project.policy, project.model)
    project.eval_data.write_bytes(original)
    project.policy.write_text(project.policy.read_text() + "\n")
    with pytest.raises(PromotionRefused, match=r"mlops-gate.yaml: policy changed since the check"):
        verify_evidence(evidence, project.policy, project.model)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "evidence file not found (run `mlops-gate check` first)"),
        ("{not json", "not an evidence file"),
        (json.dumps({"evidence_schema": 99}), "not an evidence file of schema 1"),
        (json.dumps({"evidence_schema": 1, "results": {}}), "lacks `results` or `inputs`"),
    ],
)
def test_unusable_evidence_files(
    project: Project, tmp_path: Path, content: str | None, message: str
) -> None:
    evidence = tmp_path / "evidence.json"
    if content is not None:
        evidence.write_text(content)
    with pytest.raises(InputError, match=re_escape(message)):
        verify_evidence(evidence, project.policy, project.model)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)
