"""The local canary of an LLM app (issue 18, item 6): two real OpenAI-compatible servers
(examples/support-answers/local_llm.py), one LLM app process per side and the real router on
127.0.0.1, the policy's eval rows replayed as traffic.

- a candidate whose prompt words differ but whose answers do not: rougeL agreement 100%, it
  reaches 100% of the traffic;
- a candidate whose prompt hides the documentation: the judge gate of the policy prefers the
  stable answers, agreement falls below the limit, it rolls back to 0% (exit 1);
- a candidate whose endpoint is down: the deploy stops before any traffic (exit 2, one line);
- the release through the CLI: check, promote (MLflow's prompt registry, embedded), deploy.

Each checks that every request got an answer and that every process the canary started is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_gate import trust
from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.llm_canary import run_llm_canary
from mlops_gate.deploy.local.llm_plan import plan_llm_canary
from mlops_gate.deploy.local.outcome import CanaryEvent, CanaryOutcome
from mlops_gate.deploy.local.run import Settings
from mlops_gate.deploy.local.servers import free_port
from mlops_gate.gates.registry import load_policy
from tests.integration.llm.conftest import EXAMPLE, start_server, stop_server
from tests.support import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SETTINGS = Settings(
    threads=2, tick_s=0.2, step_timeout_s=30, drain_s=0.3, mirror_share=1.0, backend_timeout_s=10
)
STEPS = [50, 100]
SAME_ANSWERS = """You are Acme Cloud Drive's support assistant. Using the documentation below,
answer the customer's question in a friendly tone.

Documentation:
{context}

Question: {input}
"""
NO_DOCUMENTATION = """You are the support assistant of Acme Cloud Drive. Answer in a friendly tone.

Documentation:
Our team will get back to you.

Question: {input}
"""


@dataclass(frozen=True)
class Servers:
    stable: str
    canary: str


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Two local LLM servers: the production app's endpoint (also the judge's) and the
    candidate's."""
    stable, stable_url = start_server(tmp_path_factory.mktemp("stable-llm"))
    try:
        canary, canary_url = start_server(tmp_path_factory.mktemp("canary-llm"))
        try:
            yield Servers(stable_url, canary_url)
        finally:
            stop_server(canary)
    finally:
        stop_server(stable)


def calls(url: str) -> int:
    with urllib.request.urlopen(f"{url}/stats", timeout=5) as response:
        return int(json.load(response)["requests"])


def project(
    folder: Path,
    servers: Servers,
    prompt: str,
    analysis: dict[str, Any],
    extra: dict[str, Any] | None = None,
    **model: Any,
) -> Any:
    """A generation policy: the candidate `prompt` on the canary server against the example's
    champion prompt on the stable server, with a judge gate on the stable server (`extra`:
    more top-level keys)."""
    shutil.copytree(EXAMPLE / "eval", folder / "eval")
    shutil.copytree(EXAMPLE / "rubrics", folder / "rubrics")
    (folder / "prompts").mkdir()
    shutil.copy(EXAMPLE / "prompts" / "champion.txt", folder / "prompts" / "champion.txt")
    (folder / "prompts" / "candidate.txt").write_text(prompt, encoding="utf-8")
    document = {
        "version": 1,
        "name": "support-canary",
        "model": {
            "task": "generation",
            "endpoint": servers.canary,
            "model": "support-lm",
            "prompt": "prompts/candidate.txt",
            "params": {"temperature": 0},
            **model,
        },
        "baseline": {
            "prompt": "prompts/champion.txt",
            "endpoint": servers.stable,
            "model": "support-lm",
        },
        "data": {"eval": "eval/eval.jsonl"},
        "gates": [
            {"type": "text", "metric": "rougeL", "min": 0.1},
            {
                "type": "judge",
                "id": "helpful",
                "judge": {"endpoint": servers.stable, "model": "support-lm-judge"},
                "rubric": "rubrics/helpful.md",
                "min_win_rate": 0.4,
                "allow_uncalibrated": True,
            },
        ],
        "deploy": {
            "canary": {
                "steps": STEPS,
                "step_duration": 0.3,
                "min_requests": 20,
                "analysis": {"max_error_rate": 0.05, "max_p95_ms": 5000, **analysis},
            }
        },
        **(extra or {}),
    }
    path = folder / "mlops-gate.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_policy(path)


def run(loaded: Any, state_dir: Path, events: list[CanaryEvent]) -> CanaryOutcome:
    spec = loaded.policy.deploy.canary
    before = children()
    try:
        return run_llm_canary(
            plan_llm_canary(loaded, spec),
            state_dir=state_dir,
            on_event=events.append,
            settings=SETTINGS,
        )
    finally:
        assert children() <= before  # every process the canary started is stopped
        started = [e for e in events if e.kind == "started"]
        if started:
            assert set(started[0].pids) == {"stable", "canary", "router"}


def children() -> set[int]:
    """This process's living children (Linux), the test servers included."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that just ended
            found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def assert_no_request_lost(outcome: CanaryOutcome) -> None:
    counts = outcome.requests
    assert counts.sent > 0
    assert (counts.sent, counts.failed, counts.lost) == (counts.answered, 0, 0)
    assert outcome.router["requests"] == counts.sent == outcome.router["answered"]


def test_agreeing_candidate_reaches_100_percent(servers: Servers, tmp_path: Path) -> None:
    analysis = {"min_agreement": 0.95, "agreement": {"metric": "rougeL"}}
    loaded = project(tmp_path, servers, SAME_ANSWERS, analysis)
    served = calls(servers.stable), calls(servers.canary)
    events: list[CanaryEvent] = []
    outcome = run(loaded, tmp_path / "canary", events)

    assert outcome.status == "promoted", outcome.message
    assert (outcome.exit_code, outcome.final_weight) == (0, 100)
    assert [(s.weight, s.verdict) for s in outcome.steps] == [(w, "pass") for w in STEPS]
    for step in outcome.steps:
        assert step.analysis is not None
        criteria = {c.name: c for c in step.analysis.criteria}
        assert {name: c.verdict for name, c in criteria.items()} == dict.fromkeys(
            ["requests", "error_rate", "p95_ms", "agreement"], "pass"
        )
        agreement = criteria["agreement"]
        assert agreement.value == 1.0  # the same answers, word for word
        assert agreement.details["by"] == "rougeL"
        assert agreement.details["pairs"] >= 20
        assert "agreement by rougeL 100.00%" in agreement.message
    assert_no_request_lost(outcome)
    assert outcome.stable_serving is True
    # Both endpoints answered live requests: the apps call them, nothing is cached.
    assert calls(servers.stable) - served[0] >= outcome.router["by_stable"]
    assert calls(servers.canary) - served[1] >= outcome.router["by_canary"] > 0
    written = state.read_status(tmp_path / "canary")
    assert (written["status"], written["weight"]) == ("promoted", 100)
    json.dumps(outcome.to_dict(), allow_nan=False)


def test_diverging_candidate_is_rolled_back_by_the_judge(servers: Servers, tmp_path: Path) -> None:
    analysis = {"min_agreement": 0.8, "agreement": {"judge": "helpful"}}
    loaded = project(tmp_path, servers, NO_DOCUMENTATION, analysis)
    judged = calls(servers.stable)
    events: list[CanaryEvent] = []
    outcome = run(loaded, tmp_path / "canary", events)

    assert outcome.status == "rolled_back", outcome.message
    assert (outcome.exit_code, outcome.final_weight) == (1, 0)
    failed = outcome.steps[-1]
    assert (failed.index, failed.verdict) == (0, "fail")
    assert failed.analysis is not None
    (agreement,) = failed.analysis.failed
    assert agreement.name == "agreement"
    assert agreement.value is not None
    assert agreement.value < 0.8
    assert agreement.details["by"] == "judge helpful"
    assert agreement.details["lowest"][0]["score"] == 0.0
    assert "rolled back to 0%" in outcome.message
    assert [e.kind for e in events if e.kind != "tick"][-2:] == ["rollback", "finished"]
    # Two judge calls per pair (positions swapped), on top of the stable app's own calls.
    assert calls(servers.stable) - judged >= outcome.router["by_stable"] + 2 * 20
    assert_no_request_lost(outcome)
    assert state.read_status(tmp_path / "canary")["status"] == "rolled_back"


def test_candidate_endpoint_down_stops_before_any_traffic(servers: Servers, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"
    analysis = {"min_agreement": 0.9, "agreement": {"metric": "rougeL"}}
    loaded = project(tmp_path, servers, SAME_ANSWERS, analysis, endpoint=down, max_retries=0)
    events: list[CanaryEvent] = []
    outcome = run(loaded, tmp_path / "canary", events)

    # An ending like any other (the caller gives the promoted alias back), not an exception.
    assert (outcome.status, outcome.exit_code, outcome.final_weight) == ("error", 2, 0)
    message = outcome.message
    assert "\n" not in message
    assert message.startswith(
        f"the canary did not start: the canary endpoint {down} (model support-lm) does not answer: "
    )
    assert "Connection refused" in message
    assert outcome.requests.sent == 0
    assert [e.kind for e in events] == ["finished"]  # no traffic was ever sent
    assert state.read_status(tmp_path / "canary")["status"] == "error"


def test_a_promoted_prompt_is_deployed_through_the_cli(
    servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check, promote (the prompt registry) and deploy, as a user runs them: the canary of the
    promoted prompt moves `production` on the prompt, and --status tells the same story."""
    monkeypatch.setenv(trust.KEY_ENV, str(tmp_path / "cache.key"))  # outside the project
    analysis = {"min_agreement": 0.95, "agreement": {"metric": "rougeL"}}
    promote = {"promote": {"model_name": "support-canary", "alias": "champion"}}
    project(tmp_path, servers, SAME_ANSWERS, analysis, promote)
    for command in ("check", "promote"):
        done = run_cli(command, "mlops-gate.yaml", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr

    deployed = run_cli("deploy", "mlops-gate.yaml", cwd=tmp_path)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "against the baseline app support-lm at" in deployed.stderr
    lines = deployed.stdout.splitlines()
    assert lines[0] == "canary promoted: the canary held every step (50%, 100%)"
    assert "prompts:/support-canary@production -> version 1" in deployed.stdout
    status = run_cli("deploy", "mlops-gate.yaml", "--status", cwd=tmp_path)
    assert status.stdout.startswith("local canary: promoted; step 2/2 at 100%")
