"""Promoting a generation model against a real MLflow server (issue 18, item 6): a prompt template
into MLflow 3's prompt registry, an `outputs:`-only model as a registered model version; the
alias moves only on passing evidence that matches today's files; re-runs register nothing;
history and rollback work on a prompt's alias. The check step runs against the real local LLM
server of tests/integration/llm (a process on 127.0.0.1), or on pre-generated outputs."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import mlflow.genai
import pytest
import yaml
from mlflow import MlflowClient

from mlops_gate import api as commands
from mlops_gate.errors import InputError, PromotionRefused
from mlops_gate.fsutil import sha256_file
from tests.integration.llm.conftest import (  # noqa: F401 (fixtures)
    EXAMPLE,
    LocalLLM,
    key_file,
    local_llm,
    outputs_policy,
    write_jsonl,
)
from tests.integration.mlflow_server import MlflowServer
from tests.support import run_cli

pytestmark = pytest.mark.integration

ALIAS = "production"
PARAMS = {"temperature": 0, "max_tokens": 128}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def prompt_policy(folder: Path, name: str, url: str, rouge_min: float, file: str) -> Path:
    """The example's challenger prompt over the local model, gated on ROUGE-L and a length."""
    for part in ("eval", "prompts"):
        if not (folder / part).exists():
            shutil.copytree(EXAMPLE / part, folder / part)
    document = {
        "version": 1,
        "name": name,
        "model": {
            "task": "generation",
            "endpoint": url,
            "model": "support-lm",
            "prompt": "prompts/challenger.txt",
            "params": PARAMS,
        },
        "data": {"eval": "eval/eval.jsonl"},
        "gates": [
            {"type": "text", "metric": "rougeL", "min": rouge_min},
            {"type": "assertions", "checks": [{"max_chars": 400}]},
        ],
        "promote": {"alias": ALIAS},
    }
    path = folder / file
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def cli(folder: Path, *args: str) -> tuple[int, str]:
    done = run_cli(*args, cwd=folder)
    return done.returncode, done.stdout + done.stderr


def prompt_versions(client: MlflowClient, name: str) -> list[str]:
    if client.get_prompt(name) is None:
        return []
    return sorted(str(v.version) for v in client.search_prompt_versions(name))


def generation_record(evidence: Path) -> dict[str, Any]:
    results = json.loads(evidence.read_text())["results"]
    record: dict[str, Any] = results["gates"][0]["details"]["generation"]["model"]
    return record


@pytest.mark.slow
def test_prompt_promotion_history_and_rollback(
    registry_env: MlflowServer,
    local_llm: LocalLLM,  # noqa: F811 (the imported fixture)
    tmp_path: Path,
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    name = unique("support-prompt")
    passing = prompt_policy(tmp_path, name, local_llm.url, 0.3, "mlops-gate.yaml")
    failing = prompt_policy(tmp_path, name, local_llm.url, 0.99, "failing.yaml")  # same name
    template = tmp_path / "prompts" / "challenger.txt"
    evidence = tmp_path / ".mlops-gate" / "evidence.json"

    # Passing evidence: the template goes into the prompt registry and the alias moves to it.
    code, output = cli(tmp_path, "check", "mlops-gate.yaml")
    assert code == 0, output
    assert "did not record" not in output  # the check run is logged, JSONL eval set included
    code, output = cli(tmp_path, "promote", "mlops-gate.yaml")
    assert code == 0, output
    assert f"promoted: prompts:/{name}@{ALIAS} -> version 1 in" in output

    loaded = mlflow.genai.load_prompt(f"prompts:/{name}@{ALIAS}", cache_ttl_seconds=0)
    assert loaded.template == template.read_text(encoding="utf-8")
    tags = loaded.tags
    record = generation_record(evidence)
    assert tags["mlops_gate.verdict"] == "pass"
    assert tags["mlops_gate.evidence_sha256"] == sha256_file(evidence)
    assert tags["mlops_gate.model_sha256"] == sha256_file(template)
    assert tags["mlops_gate.eval_sha256"] == sha256_file(tmp_path / "eval" / "eval.jsonl")
    assert tags["mlops_gate.outputs_sha256"] == record["outputs_sha256"]
    assert tags["mlops_gate.llm.model"] == "support-lm"
    assert tags["mlops_gate.llm.endpoint"] == local_llm.url
    assert json.loads(tags["mlops_gate.llm.params"]) == PARAMS
    assert tags["mlops_gate.policy"] == name
    assert loaded.model_config == {"model_name": "support-lm", **PARAMS}
    run = client.get_run(tags["mlops_gate.run_id"])  # the evidence is kept beside the version
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["evidence"]

    # The same evidence again: the same version, found by its content hash; nothing new.
    again = commands.promote(passing, evidence, timeout=60)
    assert (again.action, again.version) == ("already promoted", "1")
    assert prompt_versions(client, name) == ["1"]

    # A new template whose check fails: promote exits 2 and the alias does not move.
    checked = template.read_text(encoding="utf-8") + "Answer in plain words.\n"
    template.write_text(checked, encoding="utf-8")
    assert commands.check(failing).verdict == "fail"
    code, output = cli(tmp_path, "promote", "failing.yaml")
    assert code == 2, output
    assert "evidence verdict is 'fail', not 'pass'" in output
    assert "Traceback" not in output
    assert str(client.get_prompt_version_by_alias(name, ALIAS).version) == "1"

    # The same template, passing; then edited after the check: refused, the alias stays.
    assert commands.check(passing).verdict == "pass"
    template.write_text(checked + "Ignore the documentation.\n", encoding="utf-8")
    with pytest.raises(PromotionRefused, match="differs from the one checked"):
        commands.promote(passing, evidence, timeout=60)
    assert str(client.get_prompt_version_by_alias(name, ALIAS).version) == "1"
    assert prompt_versions(client, name) == ["1"]

    # The checked bytes back: version 2; a rollback gives the alias back to version 1.
    template.write_text(checked, encoding="utf-8")
    second = commands.promote(passing, evidence, timeout=60)
    assert (second.version, second.previous) == ("2", "1")
    assert client.get_prompt_version(name, 2).template == checked
    back = commands.rollback(passing, timeout=60, reason="answers too short")
    assert (back.action, back.version, back.previous) == ("rolled back", "1", "2")
    assert str(client.get_prompt_version_by_alias(name, ALIAS).version) == "1"
    view = commands.history(passing, timeout=60)
    assert view.holder == "1"
    assert [(m.action, m.from_version, m.to_version, m.state) for m in view.moves] == [
        ("promote", None, "1", "done"),
        ("promote", "1", "2", "done"),
        ("rollback", "2", "1", "done"),
    ]
    lock = f"name = 'mlops-gate-lock.{name}.alias.{ALIAS}'"
    assert not client.search_registered_models(lock)  # the promotion lock was released


def test_outputs_only_model_is_a_model_version_holding_the_release(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    name = unique("support-outputs")
    rows = [
        {"id": i, "input": f"question {i}", "reference": f"answer number {i}"} for i in range(30)
    ]
    write_jsonl(tmp_path / "eval.jsonl", rows)
    write_jsonl(
        tmp_path / "outputs.jsonl", [{"id": r["id"], "output": r["reference"]} for r in rows]
    )
    policy = outputs_policy(
        tmp_path,
        [{"type": "text", "metric": "rougeL", "min": 0.9}],
        promote={"model_name": name, "alias": ALIAS},
    )
    report = commands.check(policy)
    assert report.verdict == "pass"
    evidence = tmp_path / ".mlops-gate" / "evidence.json"

    done = commands.promote(policy, evidence, timeout=60)
    again = commands.promote(policy, evidence, timeout=60)

    assert (done.action, done.version, again.action) == ("promoted", "1", "already promoted")
    version = client.get_model_version_by_alias(name, ALIAS)
    assert [str(v.version) for v in client.search_model_versions(f"name='{name}'")] == ["1"]
    assert version.tags["mlops_gate.llm.source"] == "outputs"
    assert version.tags["mlops_gate.model_sha256"] == sha256_file(tmp_path / "outputs.jsonl")
    assert version.tags["mlops_gate.evidence_sha256"] == sha256_file(evidence)
    folder = Path(
        mlflow.artifacts.download_artifacts(
            version.source, dst_path=str(tmp_path / "pulled"), tracking_uri=registry_env.uri
        )
    )
    assert sorted(p.name for p in folder.iterdir()) == ["generation.json", "outputs.jsonl"]
    assert sha256_file(folder / "outputs.jsonl") == sha256_file(tmp_path / "outputs.jsonl")
    release = json.loads((folder / "generation.json").read_text())
    assert release["key"] == version.tags["mlops_gate.release_sha256"]
    assert (release["source"], release["policy"]) == ("outputs", "outputs-policy")


def test_prompt_name_held_by_a_model_and_a_stage_are_refused(
    registry_env: MlflowServer,
    local_llm: LocalLLM,  # noqa: F811 (the imported fixture)
    tmp_path: Path,
) -> None:
    name = unique("taken")
    policy = prompt_policy(tmp_path, name, local_llm.url, 0.3, "mlops-gate.yaml")
    MlflowClient(registry_env.uri, registry_env.uri).create_registered_model(name)
    assert commands.check(policy).verdict == "pass"
    with pytest.raises(InputError, match=rf"^{name} in .* is a registered model, not a prompt"):
        commands.promote(policy, tmp_path / ".mlops-gate" / "evidence.json", timeout=60)

    document = yaml.safe_load(policy.read_text())
    document["promote"]["stage"] = "Production"
    policy.write_text(yaml.safe_dump(document))
    for call in (commands.promote, commands.rollback, commands.history):
        with pytest.raises(InputError, match=r"promote\.stage does not apply to a prompt"):
            call(policy, timeout=60)
