"""Prompt templates: `{input}`, `{context}` and `{id}` replaced from an eval row.

Deliberately not `str.format`: a template comes from the pull request, and format's
`{input.__class__}` attribute walks and format specs have no place in a prompt. Here a
placeholder is a bare name; `{{` and `}}` are literal braces; any other `{name}` is an error
that names the known ones. A row without `context` gives an empty context. The `reference` is
never offered: the model must not see the answer it is scored against.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlops_gate.errors import InputError
from mlops_gate.gates.generation import EvalRow

PLACEHOLDERS = ("input", "context", "id")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def check_template(template: str, path: Path) -> None:
    """Every placeholder of `template` is known; InputError naming the first that is not."""
    for match in _TOKEN.finditer(template):
        name = match.group(1)
        if name is not None and name not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise InputError(
                f"{path}: unknown placeholder {{{name}}} in the prompt template; known: {known} "
                "(write {{ and }} for literal braces)"
            )
    if not any(match.group(1) == "input" for match in _TOKEN.finditer(template)):
        raise InputError(f"{path}: the prompt template never uses {{input}}")


def render(template: str, row: EvalRow) -> str:
    """`template` with the row's values in place (checked first with `check_template`)."""
    values = {"input": row.input, "context": row.context or "", "id": row.id}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values[match.group(1)]

    return _TOKEN.sub(replace, template)
