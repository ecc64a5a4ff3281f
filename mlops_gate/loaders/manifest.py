"""`build.json`, the build manifest: its one reader and writer.

`build` writes it beside the artifacts; `check --artifacts` gates what it lists, `run` asks it
whether a build is up to date, and the image build reads its tag. A manifest in the work tree
can be edited by a pull request, so every artifact read through it is checked against the
sha256 it records before anything is gated.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text, read_regular, sha256_file, sha256_file_memo

MANIFEST = "build.json"
FLOAT_FILE = "model.onnx"


@dataclass(frozen=True)
class Artifact:
    """One entry of the manifest's `artifacts`, with its file's absolute path."""

    variant: str
    method: str
    path: Path
    sha256: str


def manifest_path(folder: Path) -> Path:
    return folder / MANIFEST


def write_manifest(folder: Path, document: dict[str, Any]) -> Path:
    path = manifest_path(folder)
    atomic_write_text(path, json.dumps(document, indent=2, allow_nan=False) + "\n")
    return path


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest document; a missing or broken one is a one-line `InputError`."""
    path = manifest_path(folder)
    if not os.path.lexists(path):
        raise InputError(f"{path}: not found (run `mlops-gate build --out {folder}`)")
    try:
        document = json.loads(read_regular(path, "build manifest").decode("utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not a build manifest ({type(exc).__name__}: {exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("artifacts"), list):
        raise InputError(f"{path}: not a build manifest (no `artifacts` list)")
    return document


def read_artifacts(folder: Path) -> list[Artifact]:
    """The artifacts the manifest lists, the float model first, each file checked by sha256."""
    path = manifest_path(folder)
    try:
        artifacts = [
            Artifact(
                variant=str(e["variant"]),
                method=str(e.get("method", e["variant"])),
                path=(folder / str(e["file"])).resolve(),
                sha256=str(e["sha256"]),
            )
            for e in read_manifest(folder)["artifacts"]
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a build manifest ({type(exc).__name__}: {exc})") from None
    if not artifacts or artifacts[0].variant != "float":
        raise InputError(f"{path}: the first artifact must be the float model")
    for artifact in artifacts:
        if not artifact.path.is_file():
            raise InputError(f"{artifact.path}: listed in {path} but missing")
        if sha256_file_memo(artifact.path) != artifact.sha256:
            raise InputError(
                f"{artifact.path}: its sha256 is not the one {path} records "
                "(changed since the build: run build again)"
            )
    return artifacts


def intact(folder: Path, document: dict[str, Any]) -> bool:
    """Every artifact the manifest lists is there with the bytes it records (re-hashed)."""
    try:
        return all(
            (folder / item["file"]).is_file()
            and sha256_file(folder / item["file"]) == item["sha256"]
            for item in document["artifacts"]
        )
    except (KeyError, TypeError, OSError):
        return False
