"""Turn pydantic validation errors into `file:line:col: key.path: message` lines."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mlops_gate.policy.yaml_source import Mark, Path_, YamlSource

_POSITION = re.compile(r"(\d+):(\d+): (.*)\Z", re.DOTALL)


def format_problem(file: str, mark: Mark, key_path: str, message: str) -> str:
    where = f"{file}:{mark.line}:{mark.col}"
    return f"{where}: {key_path}: {message}" if key_path else f"{where}: {message}"


@dataclass(frozen=True)
class Problem:
    """One problem line taken apart again: `file`, 1-based `line` and `col` (None when the line
    had no position), and the rest (`key.path: message`)."""

    file: str
    line: int | None
    col: int | None
    message: str


def parse_problems(problems: Sequence[str], file: str) -> list[Problem]:
    """`file:line:col: message` lines of the policy `file` (the loader's display path, so a path
    holding `:` still splits right) for the sinks that place them (GitHub annotations, SARIF);
    any other line is a problem of the file with no position."""
    parsed = []
    for text in problems:
        rest = text[len(file) + 1 :] if text.startswith(f"{file}:") else None
        found = _POSITION.match(rest) if rest is not None else None
        if found is None:
            parsed.append(Problem(file, None, None, text))
        else:
            line, col, message = found.groups()
            parsed.append(Problem(file, int(line), int(col), message))
    return parsed


def validation_problems(
    error: ValidationError, root: type[BaseModel], source: YamlSource, file: str
) -> list[str]:
    problems = []
    for detail in error.errors(include_url=False):
        display, yaml_path, parent = _walk(root, detail["loc"])
        message = _message(detail, parent)
        key_mark = detail["type"] == "extra_forbidden"
        mark = source.mark_for(yaml_path, key=key_mark)
        problems.append(format_problem(file, mark, display, message))
    return problems


def _message(detail: ErrorDetails, parent: type[BaseModel] | None) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden" and parent is not None:
        key = str(detail["loc"][-1])
        names = _field_names(parent)
        return f"unknown key '{key}'{_did_you_mean(key, names)}; valid keys: {', '.join(names)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = detail.get("ctx", {})
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        if kind == "union_tag_not_found":
            return f"missing 'type'; valid types: {tags}"
        tag = str(ctx.get("tag"))
        hint = _did_you_mean(tag, tags.split(", "))
        return f"unknown gate type '{tag}'{hint}; valid types: {tags}"
    message = detail["msg"]
    return message[len("Value error, ") :] if message.startswith("Value error, ") else message


def _did_you_mean(key: str, names: list[str]) -> str:
    """`; did you mean 'max_drop'?` for a misspelt key (issue 17, item 5): the closest valid key
    at that path by difflib's ratio (its default cutoff, 0.6), case ignored; nothing when none is close."""
    lowered = {name.lower(): name for name in names}
    close = difflib.get_close_matches(key.lower(), list(lowered), n=1)
    return f"; did you mean '{lowered[close[0]]}'?" if close else ""


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _walk(
    root: type[BaseModel], loc: Sequence[int | str]
) -> tuple[str, Path_, type[BaseModel] | None]:
    """Follow `loc` through the models: display path, YAML path, and the model holding the last key."""
    display = ""
    yaml_path: list[str | int] = []
    annotation: Any = root
    parent: type[BaseModel] | None = None
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            display += f"[{part}]"
            yaml_path.append(part)
            args = get_args(annotation)
            annotation = args[0] if args else Any
            continue
        tagged = _tagged_member(annotation, part)
        if tagged is not None:
            display += f" ({part})"
            annotation = tagged
            continue
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        parent = model
        display += f".{part}" if display else part
        yaml_path.append(part)
        field = model.model_fields.get(part) if model else None
        annotation = field.annotation if field else Any
    return display, tuple(yaml_path), parent


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional so the walk sees the model, list or union underneath."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if len(members) == 1 or (len(models) == 1 and len(members) <= 2):
                annotation = models[0] if models else members[0]
                continue
        return annotation


def _tagged_member(annotation: Any, tag: str) -> type[BaseModel] | None:
    """The member of a discriminated union whose `type` literal is `tag`, if `annotation` is one."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    for member in get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is not None and tag in get_args(field.annotation):
                return member
    return None
