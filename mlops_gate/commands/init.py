"""`mlops-gate init`: a commented starter policy (and the sample GitHub workflow)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text

DEFAULT_POLICY = Path("mlops-gate.yaml")
WORKFLOW_PATH = Path(".github/workflows/model-gate.yml")
_POLICY_LINE = re.compile(r"^( +policy: )mlops-gate\.yaml$", re.MULTILINE)


def init(path: Path, *, force: bool = False, github: bool = False) -> list[Path]:
    """Write the starter policy at `path` and, with `github`, the sample workflow (at
    `WORKFLOW_PATH`, relative to the working directory: the repository root); return the paths
    written, the policy first. Nothing is written when a file exists, unless `force`.
    """
    files = {path: _template("mlops-gate.yaml")}
    if github:
        files[WORKFLOW_PATH] = _workflow_for(path)
    existing = [target for target in files if target.exists()]
    if existing and not force:
        raise InputError(
            "\n".join(f"{target}: already exists (use --force to overwrite)" for target in existing)
        )
    for target, text in files.items():
        atomic_write_text(target, text)
    return list(files)


def _template(name: str) -> str:
    from importlib import resources

    return resources.files("mlops_gate").joinpath(f"templates/{name}").read_text("utf-8")


def _workflow_for(policy: Path) -> str:
    """The sample workflow, its `policy:` naming `policy` (relative to the working directory)."""
    text = _template("model-gate.yml")
    relative = Path(os.path.relpath(policy.absolute(), Path.cwd()))
    if relative.parts[0] == "..":
        raise InputError(
            f"{policy}: outside the working directory, so the workflow cannot name it "
            "(run `mlops-gate init --github` from the repository root)"
        )
    if relative != DEFAULT_POLICY:
        value = json.dumps(relative.as_posix())  # a double-quoted YAML scalar, whatever the path
        text = _POLICY_LINE.sub(lambda match: match.group(1) + value, text, count=1)
    return text
