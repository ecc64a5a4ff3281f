"""The hidden parts of the sticky PR comment: its marker and a snapshot of the results it shows.

The marker (`<!-- mlops-gate:<policy> -->`) is how the next run finds the comment to edit; the
snapshot (compressed JSON in a second HTML comment) is what the next run diffs against to say
what changed since the previous push. Both are invisible on GitHub. A snapshot is read back from a
comment body, so it is parsed as untrusted input: bounded, type-checked, dropped whole if malformed.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from mlops_gate.report import CheckReport
from mlops_gate.results import Verdict

SNAPSHOT_VERSION = 1
MAX_GATES = 500
_MAX_ENCODED = 200_000
_DATA = re.compile(r"<!-- mlops-gate-data:([A-Za-z0-9+/=]{1,200000}) -->")


def marker(policy_name: str) -> str:
    """The first line of the comment for `policy_name`; percent-encoded so no name can close it."""
    return f"<!-- mlops-gate:{quote(policy_name, safe='')} -->"


def has_marker(body: str, policy_name: str) -> bool:
    """True when `body` is the sticky comment of `policy_name` (the marker opens the body)."""
    return body.lstrip().startswith(marker(policy_name))


@dataclass(frozen=True)
class GateSnapshot:
    verdict: Verdict
    value: float | None


@dataclass(frozen=True)
class Snapshot:
    """What a previous comment showed: commit, overall verdict, each gate's verdict and value."""

    sha: str | None
    verdict: str
    gates: dict[str, GateSnapshot] = field(default_factory=dict)

    @classmethod
    def of(cls, report: CheckReport, sha: str | None) -> Snapshot:
        gates = {g.id: GateSnapshot(g.verdict, _finite(g.value)) for g in report.gates[:MAX_GATES]}
        return cls(sha=sha, verdict=report.verdict, gates=gates)


def encode(snapshot: Snapshot) -> str:
    """The hidden data block: base64 of compressed JSON (base64 cannot contain `-->`)."""
    data = {
        "v": SNAPSHOT_VERSION,
        "sha": snapshot.sha,
        "verdict": snapshot.verdict,
        "gates": [[gate_id, g.verdict.value, g.value] for gate_id, g in snapshot.gates.items()],
    }
    packed = zlib.compress(
        json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8"), 9
    )
    return f"<!-- mlops-gate-data:{base64.b64encode(packed).decode('ascii')} -->"


def decode(body: str) -> Snapshot | None:
    """The snapshot in a comment body, or None when there is none or it is not one we wrote."""
    match = _DATA.search(body)
    if match is None:
        return None
    try:
        packed = base64.b64decode(match.group(1), validate=True)
        decompressor = zlib.decompressobj()
        text = decompressor.decompress(packed, _MAX_ENCODED * 4)  # bounded: no zip bomb
        data = json.loads(text.decode("utf-8"))
        return _snapshot(data)
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError, TypeError, RecursionError):
        return None


def _snapshot(data: Any) -> Snapshot | None:
    if not isinstance(data, dict) or data.get("v") != SNAPSHOT_VERSION:
        return None
    sha, verdict, rows = data.get("sha"), data.get("verdict"), data.get("gates")
    if (
        not (sha is None or isinstance(sha, str))
        or not isinstance(verdict, str)
        or not isinstance(rows, list)
    ):
        return None
    gates: dict[str, GateSnapshot] = {}
    for row in rows[:MAX_GATES]:
        gate_id, gate_verdict, value = row  # a malformed row raises: the whole snapshot is dropped
        if not isinstance(gate_id, str) or (
            value is not None and not isinstance(value, int | float)
        ):
            return None
        gates[gate_id] = GateSnapshot(Verdict(gate_verdict), _finite(value))
    return Snapshot(sha=sha, verdict=verdict, gates=gates)


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)
