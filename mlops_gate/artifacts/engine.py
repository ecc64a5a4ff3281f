"""Container engines: find one that works here, build and tag the context, push.

Tried in order: docker with buildx (and a reachable daemon), podman, buildah. buildah needs no
daemon; on CI runners without user namespaces it works with `--storage-driver vfs` and
`--isolation chroot` (measured on Debian, issue 3), which is what we pass. `MLOPS_GATE_ENGINE`
(`docker`, `podman`, `buildah` or `none`) overrides the detection.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import MlopsGateError

PROBE_TIMEOUT_S = 15
BUILDAH = ("buildah", "--storage-driver", "vfs")


@dataclass(frozen=True)
class Engine:
    name: str

    def build_command(self, context: Path, tag: str, push: bool) -> list[str]:
        if self.name == "docker":
            return [
                "docker",
                "buildx",
                "build",
                "--tag",
                tag,
                "--push" if push else "--load",
                str(context),
            ]
        if self.name == "podman":
            return ["podman", "build", "--tag", tag, str(context)]
        return [*BUILDAH, "build", "--isolation", "chroot", "--tag", tag, str(context)]

    def push_command(self, tag: str) -> list[str] | None:
        """A separate push step (docker buildx pushes while building)."""
        if self.name == "docker":
            return None
        return ["podman", "push", tag] if self.name == "podman" else [*BUILDAH, "push", tag]

    def inspect_labels_command(self, tag: str) -> list[str]:
        """buildah: the whole inspect JSON (1.28, Debian 12's, has no `json` template function)."""
        if self.name == "buildah":
            return [*BUILDAH, "inspect", "--type", "image", tag]
        return [self.name, "image", "inspect", "--format", "{{json .Config.Labels}}", tag]


def image_labels(engine: Engine, tag: str, timeout: float = DEFAULT_TIMEOUT_S) -> dict[str, str]:
    """The labels of the built image `tag`, read back from the engine."""
    import json

    done = subprocess.run(
        engine.inspect_labels_command(tag),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["(no output)"]
        raise MlopsGateError(f"{engine.name} inspect {tag} failed: {lines[-1]}")
    document = json.loads(done.stdout)
    if engine.name == "buildah":
        document = (document.get("OCIv1") or {}).get("config", {}).get("Labels")
    return {str(k): str(v) for k, v in (document or {}).items()}


def detect() -> Engine | None:
    """The first engine that answers, or None (the context is then the artifact)."""
    forced = os.environ.get("MLOPS_GATE_ENGINE", "").strip().lower()
    if forced == "none":
        return None
    probes = {
        "docker": [["docker", "buildx", "version"], ["docker", "info", "--format", "{{.ID}}"]],
        "podman": [["podman", "info", "--format", "{{.Host.Arch}}"]],
        "buildah": [[*BUILDAH, "version"]],
    }
    for name, commands in probes.items():
        if forced and name != forced:
            continue
        if shutil.which(name) and all(_succeeds(cmd) for cmd in commands):
            return Engine(name)
    return None


def build_image(
    engine: Engine, context: Path, tag: str, *, push: bool, timeout: float = 1800
) -> None:
    """Build (and push) the image; a failure raises with the engine's last error line."""
    _run(engine.build_command(context, tag, push), timeout)
    push_step = engine.push_command(tag) if push else None
    if push_step:
        _run(push_step, timeout)


def _run(command: list[str], timeout: float) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MlopsGateError(f"{' '.join(command[:3])}: timed out after {timeout:.0f} s") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["(no output)"]
        raise MlopsGateError(
            f"{' '.join(command[:3])} failed (exit {done.returncode}): {lines[-1]}"
        )


def _succeeds(command: list[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=PROBE_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
