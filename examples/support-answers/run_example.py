"""`make example-llm`: the local test model, the passing policy (twice), the failing one.

Starts local_llm.py on a free port of 127.0.0.1 (always stopped at the end), then, in OUT (default
out/support-answers, which holds its own .mlops-gate/):
  1. `mlops-gate check mlops-gate.yaml` with an empty call cache: must exit 0;
  2. the same with --no-cache (no gate results reused): every call answered from the call cache;
  3. `mlops-gate check mlops-gate.failing.yaml`: must exit 1.
Prints what each run cost: calls the server answered, tokens, the price table's cost, seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 20


def start_server(out: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = out / "local_llm.port"
    port_file.unlink(missing_ok=True)
    command = [sys.executable, str(HERE / "local_llm.py"), "--port", "0"]
    command += ["--port-file", str(port_file), "--memory", str(HERE / "eval" / "eval.jsonl")]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (port_file.is_file() and port_file.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("error: the local test model did not start")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port_file.read_text()}/v1"


def served(url: str) -> int:
    with urllib.request.urlopen(f"{url}/stats", timeout=5) as response:
        return int(json.load(response)["requests"])


def check(
    policy: str, out: Path, url: str, name: str, *extra: str
) -> tuple[int, dict[str, object]]:
    env = {**os.environ, "LLM_BASE_URL": url, "JUDGE_URL": url}
    results = out / name / "results.json"
    command = [sys.executable, "-m", "mlops_gate", "check", str(HERE / policy)]
    command += ["--json", str(results), "--markdown", str(out / name / "report.md")]
    command += ["--evidence", str(out / name / "evidence.json"), *extra]
    before, started = served(url), time.monotonic()
    code = subprocess.run(command, cwd=out, env=env, check=False, timeout=600).returncode
    seconds, calls = time.monotonic() - started, served(url) - before
    gates = json.loads(results.read_text())["gates"]
    usage = gates[0]["details"].get("generation", {})
    judge = next(
        (g["details"].get("judge", {}).get("usage", {}) for g in gates if g["type"] == "judge"), {}
    )
    print(f"--- {name}: exit {code}, {calls} calls to the model server, {seconds:.1f} s")
    for role, spent in (
        ("model", usage.get("model", {})),
        ("baseline", usage.get("baseline", {})),
        ("judge", judge),
    ):
        print(
            f"    {role}: calls {json.dumps(spent.get('calls'))}, tokens {json.dumps(spent.get('tokens'))}, "
            f"cost {json.dumps(spent.get('cost'))}"
        )
    print()
    return code, usage


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/support-answers").resolve()
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / ".mlops-gate" / "cache", ignore_errors=True)  # the first run is uncached
    process, url = start_server(out)
    try:
        expected = [
            ("uncached", "mlops-gate.yaml", 0, ()),
            ("cached", "mlops-gate.yaml", 0, ("--no-cache",)),
            ("failing", "mlops-gate.failing.yaml", 1, ()),
        ]
        wrong = []
        for name, policy, want, extra in expected:
            code, _ = check(policy, out, url, name, *extra)
            if code != want:
                wrong.append(f"{name}: expected exit {want}, got {code}")
    finally:
        process.terminate()
        process.wait(timeout=10)
    for line in wrong:
        print(f"error: {line}", file=sys.stderr)
    print(f"reports: {out}/<uncached|cached|failing>/report.md")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
