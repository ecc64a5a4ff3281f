"""The support-answers example through the real CLI against the real local model server: the
challenger passes, the no-context prompt fails, a re-run makes no call, and the evidence binds
the prompt, params, model, endpoint, eval file and outputs; the token is never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.llm.conftest import LocalLLM, copy_example
from tests.support import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SECRET = "sk-live-do-not-print-4f9a1c"


def _check(folder: Path, llm: LocalLLM, policy: str, *extra: str) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    env = {"LLM_BASE_URL": llm.url, "JUDGE_URL": llm.url, "SUPPORT_TOKEN": SECRET}
    done = run_cli(
        "check",
        policy,
        "--json",
        "results.json",
        "--markdown",
        "report.md",
        *extra,
        cwd=folder,
        env=env,
    )
    output = done.stdout + done.stderr
    assert SECRET not in output
    results = (
        json.loads((folder / "results.json").read_text())
        if (folder / "results.json").is_file()
        else {}
    )
    return done.returncode, output, results


@pytest.fixture
def example(tmp_path: Path) -> Path:
    folder = copy_example(tmp_path)
    for name in ("mlops-gate.yaml", "mlops-gate.failing.yaml"):  # exercise the token path too
        path = folder / name
        text = path.read_text().replace(
            "  model: support-lm\n", "  model: support-lm\n  api_key_env: SUPPORT_TOKEN\n"
        )
        path.write_text(text)
    return folder


def test_challenger_passes_and_a_rerun_costs_nothing(example: Path, local_llm: LocalLLM) -> None:
    before = local_llm.calls()
    code, output, results = _check(example, local_llm, "mlops-gate.yaml")
    assert code == 0, output
    first_calls = local_llm.calls() - before
    assert first_calls > 80  # 2 x 40 outputs, the judge's calibration, scores and pairs
    assert {g["id"]: g["verdict"] for g in results["gates"]} == {
        "text:rougeL": "pass",
        "text:bleu": "pass",
        "text:f1": "pass",
        "assertions": "pass",
        "judge": "pass",
        "latency:endpoint:p95": "pass",
    }
    code, output, _ = _check(example, local_llm, "mlops-gate.yaml", "--no-cache")
    assert code == 0, output
    assert (
        local_llm.calls() - before == first_calls
    )  # every call answered from .mlops-gate/cache/llm
    for secret_holder in ("results.json", "report.md", ".mlops-gate/evidence.json"):
        assert SECRET not in (example / secret_holder).read_text()
    assert not any(SECRET in p.read_text() for p in (example / ".mlops-gate").rglob("*.json*"))


def test_evidence_binds_prompt_params_model_endpoint_eval_and_outputs(
    example: Path, local_llm: LocalLLM
) -> None:
    code, output, _ = _check(example, local_llm, "mlops-gate.yaml")
    assert code == 0, output
    evidence = json.loads((example / ".mlops-gate" / "evidence.json").read_text())
    inputs = evidence["inputs"]
    assert inputs["model"]["path"].endswith("prompts/challenger.txt")
    assert inputs["baseline"]["path"].endswith("prompts/champion.txt")
    assert {"data.eval", "gates[4].rubric", "gates[4].calibration"} <= set(inputs)
    provenance = evidence["results"]["gates"][0]["details"]["generation"]
    model = provenance["model"]
    assert (model["model"], model["endpoint"], model["params"]) == (
        "support-lm",
        local_llm.url,
        {"temperature": 0, "max_tokens": 256},
    )
    assert model["prompt"]["sha256"] == inputs["model"]["sha256"]
    assert model["eval"]["sha256"] == inputs["data.eval"]["sha256"]
    written = example / model["written_to"]
    import hashlib

    assert hashlib.sha256(written.read_bytes()).hexdigest() == model["outputs_sha256"]
    assert provenance["baseline"]["prompt"]["sha256"] == inputs["baseline"]["sha256"]


def test_dropping_the_documentation_fails(example: Path, local_llm: LocalLLM) -> None:
    code, output, results = _check(example, local_llm, "mlops-gate.failing.yaml")
    assert code == 1, output
    verdicts = {g["id"]: g["verdict"] for g in results["gates"]}
    assert verdicts["text:rougeL"] == verdicts["judge"] == "fail"
    assert "lowest-scoring rows" in (example / "report.md").read_text()


def test_an_endpoint_that_is_down_is_exit_2_with_one_line(example: Path) -> None:
    env = {
        "LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "JUDGE_URL": "http://127.0.0.1:9/v1",
        "SUPPORT_TOKEN": SECRET,
    }
    policy = example / "mlops-gate.yaml"
    policy.write_text(policy.read_text().replace("\n  price:", "\n  max_retries: 1\n  price:"))
    done = run_cli("check", "mlops-gate.yaml", cwd=example, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "outputs are missing" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert not list((example / ".mlops-gate" / "cache" / "llm").glob("*.json"))
