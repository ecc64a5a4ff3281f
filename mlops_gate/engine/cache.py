"""Gate results reused while nothing they were computed from has changed (issue #8, item 3).

The key of a result is the sha256 of: the gate's configuration, the sha256 of every file it reads
(`engine/inputs.py`: model, baseline, data sets, its own suite or source file, ONNX external
data), the tool version, and for timings the
machine and the ONNX Runtime build. A changed input re-evaluates exactly the gates that read it.
Results that could not decide (`error`) are never stored: the cause may be passing (a device, a
registry). Registry URIs are not cached (their bytes are only known after a download).

The cache lies in the work tree, where a pull request can commit an entry under the very key
it can compute (issue 13): an entry is believed only with this machine's MAC (`trust.py`), and
only when the input digests it records are today's. Any other entry is deleted and recomputed,
never trusted; without a usable key nothing is read or stored.
"""

from __future__ import annotations

import contextlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate import __version__, paths, trust
from mlops_gate.engine.inputs import PolicyInput, policy_inputs
from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text, sha256_bytes, sha256_file_memo
from mlops_gate.results import GateResult, Verdict

if TYPE_CHECKING:
    from mlops_gate.gates.base import GateConfig
    from mlops_gate.policy.loader import LoadedPolicy

DEFAULT_DIR = paths.GATE_CACHE
CACHE_SCHEMA = 2  # 2: the entry is sealed (trust.py) and records its input digests
PURPOSE = "gate-result"


class GateCache:
    """Stored gate results under `root`; `root=None` turns caching off (`--no-cache`), as does a
    machine without a usable key (`trust.machine_key`)."""

    def __init__(self, loaded: LoadedPolicy, root: Path | None = DEFAULT_DIR) -> None:
        self.loaded = loaded
        self._secret = trust.machine_key() if root is not None else None
        self.root = root if self._secret is not None else None
        self._inputs: list[PolicyInput] | None = None
        self._digests: dict[str, dict[str, str]] = {}  # key -> today's input digests

    def key(self, index: int) -> str | None:
        """The cache key of the policy's gate `index`, or None when its result must not be reused."""
        gate = self.loaded.policy.gates[index]
        if self.root is None or not gate.cacheable:
            return None
        inputs = self._input_digests(index, gate)
        if inputs is None:
            return None
        payload = {
            "schema": CACHE_SCHEMA,
            "tool": __version__,
            "gate": gate.model_dump(mode="json"),
            "inputs": inputs,
            "machine": _machine() if gate.machine_dependent else None,
        }
        key = sha256_bytes(json.dumps(payload, sort_keys=True, default=str).encode("utf-8"))
        self._digests[key] = inputs
        return key

    def load(self, key: str) -> GateResult | None:
        """The stored result, or None: absent, or not believed (then it is deleted)."""
        assert self.root is not None
        path = self.root / f"{key}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            text = ""
        result = self._believed(key, text)
        if result is None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        return result

    def _believed(self, key: str, text: str) -> GateResult | None:
        """The entry's result when this machine sealed it for `key` from today's input digests."""
        from mlops_gate.report_load import gate_from_json

        assert self._secret is not None
        try:
            entry = trust.unseal(self._secret, PURPOSE, json.loads(text))
            if entry is None or entry.get("schema") != CACHE_SCHEMA or entry.get("key") != key:
                return None
            if entry.get("inputs") != self._digests.get(key):
                return None
            return gate_from_json(entry["result"], "cache")
        except (ValueError, KeyError, TypeError, AttributeError, InputError):
            return None

    def store(self, key: str, result: GateResult) -> None:
        if self.root is None or self._secret is None or key not in self._digests:
            return
        if result.verdict is Verdict.ERROR or result.internal_error:
            return
        entry = {
            "schema": CACHE_SCHEMA,
            "key": key,
            "inputs": self._digests[key],
            "result": result.to_json(),
        }
        with contextlib.suppress(OSError, ValueError, TypeError):  # not written only costs time
            sealed = trust.seal(self._secret, PURPOSE, entry)
            atomic_write_text(self.root / f"{key}.json", json.dumps(sealed, allow_nan=False) + "\n")

    def _input_digests(self, index: int, gate: GateConfig) -> dict[str, str] | None:
        """The sha256 of every file the gate reads (engine/inputs.py), with the settings that say
        how they are read; None when one is a registry model (its bytes are known only after a
        download)."""
        from mlops_gate.engine.inputs import inputs_of_gate

        policy = self.loaded.policy
        if self._inputs is None:
            self._inputs = policy_inputs(self.loaded)
        wanted = inputs_of_gate(self._inputs, index, gate, policy.baseline is not None)
        # How the files are read matters as much as their bytes (features, target, pos_label, ...).
        settings = {
            part: section.model_dump(mode="json") if section is not None else None
            for part, section in (
                ("data", policy.data),
                ("model", policy.model),
                ("baseline", policy.baseline),
            )
        }
        digests: dict[str, str] = {"settings": json.dumps(settings, sort_keys=True)}
        for item in wanted:
            if item.path is None:
                return None
            digests[item.name] = _digest(item.path)
        return digests


def _digest(path: Path) -> str:
    try:
        return sha256_file_memo(path)
    except OSError:
        return "unreadable"  # the gate reports it; its error result is not stored


def _machine() -> dict[str, Any]:
    try:
        runtime = metadata.version("onnxruntime")
    except metadata.PackageNotFoundError:
        try:
            runtime = "gpu-" + metadata.version("onnxruntime-gpu")
        except metadata.PackageNotFoundError:
            runtime = None
    return {
        "node": platform.node(),
        "cpu": platform.processor() or platform.machine(),
        "ort": runtime,
    }
