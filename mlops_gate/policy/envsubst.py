"""`${NAME}` and `${NAME:-default}` in policy strings; `$${` is a literal `${`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mlops_gate.policy.yaml_source import Path_

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class MissingVariable(ValueError):
    def __init__(self, name: str, path: Path_) -> None:
        super().__init__(
            f"environment variable {name} is not set (use ${{{name}:-default}} for a default)"
        )
        self.path = path


def substitute(data: Any, env: Mapping[str, str], path: Path_ = ()) -> Any:
    """Return `data` with every `${NAME}` in its strings replaced from `env`."""
    if isinstance(data, dict):
        return {k: substitute(v, env, (*path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [substitute(v, env, (*path, i)) for i, v in enumerate(data)]
    if isinstance(data, str) and "$" in data:
        return _REFERENCE.sub(lambda m: _replacement(m, env, path), data)
    return data


def _replacement(match: re.Match[str], env: Mapping[str, str], path: Path_) -> str:
    if match.group(0) == "$${":
        return "${"
    name, default = match.group(1), match.group(2)
    if name in env:
        return env[name]
    if default is not None:
        return default
    raise MissingVariable(name, path)
