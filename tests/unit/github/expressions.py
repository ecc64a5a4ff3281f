"""GitHub Actions' `${{ }}` expressions, for the forms action.yml uses: context paths (`inputs.x`,
`steps.gate.outputs.code`, `github.event...`), 'string literals', `||`, `&&`, `==`, `!=` and the status
functions `always()`, `success()`, `failure()`. Any other form raises `ValueError`.
"""

from __future__ import annotations

import json
import re
from typing import Any

TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|\(\))|'((?:[^']|'')*)'|([A-Za-z_][\w.-]*))")


def condition(text: str, context: dict[str, Any], state: str = "success") -> bool:
    """An `if:`: with or without `${{ }}`; without a status function it means `success() && ...`."""
    inner = text.strip()
    if inner.startswith("${{") and inner.endswith("}}"):
        inner = inner[3:-2].strip()
    status = {"always": True, "success": state == "success", "failure": state == "failure"}
    value = _Expression(inner, context, status).parse()
    if not any(f"{name}()" in inner for name in status):
        value = value if state == "success" else False
    return _truthy(value)


def evaluate(text: str, context: dict[str, Any]) -> str:
    """A string with `${{ expression }}` parts, each replaced by its value."""

    def value(match: re.Match[str]) -> str:
        return _string(_Expression(match.group(1).strip(), context, {}).parse())

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


class _Expression:
    """`a || b`, `a && b` (binding tighter, as in GitHub's grammar), `a == b`, `a != b` over
    context paths, 'literals' and status functions; `||` and `&&` give an operand, as GitHub's do."""

    def __init__(self, text: str, context: dict[str, Any], status: dict[str, bool]) -> None:
        self.tokens = self._tokenize(text)
        self.context = context
        self.status = status

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        while position < len(text.rstrip()):
            match = TOKEN.match(text, position)
            if match is None:
                raise ValueError(f"expression not simulated: {text!r} at {position}")
            operator, literal, name = match.groups()
            kind = "op" if operator else "literal" if literal is not None else "name"
            tokens.append((kind, operator or (literal or "").replace("''", "'") or name or ""))
            position = match.end()
        return tokens

    def parse(self) -> Any:
        value = self._conjunction()
        while self.tokens and self.tokens[0] == ("op", "||"):
            self.tokens.pop(0)
            other = self._conjunction()
            value = value if _truthy(value) else other
        if self.tokens:
            raise ValueError(f"expression not simulated: unexpected {self.tokens[0]}")
        return value

    def _conjunction(self) -> Any:
        value = self._comparison()
        while self.tokens and self.tokens[0] == ("op", "&&"):
            self.tokens.pop(0)
            other = self._comparison()
            value = other if _truthy(value) else value
        return value

    def _comparison(self) -> Any:
        left = self._atom()
        if self.tokens and self.tokens[0] in (("op", "=="), ("op", "!=")):
            operator = self.tokens.pop(0)[1]
            right = self._atom()
            # GitHub compares strings case-insensitively, and null equals ''.
            equal = _string(left).lower() == _string(right).lower()
            return equal if operator == "==" else not equal
        return left

    def _atom(self) -> Any:
        kind, text = self.tokens.pop(0)
        if kind == "literal":
            return text
        if kind == "name" and self.tokens[:1] == [("op", "()")]:
            self.tokens.pop(0)
            if text not in self.status:
                raise ValueError(f"function not simulated: {text}()")
            return self.status[text]
        if kind != "name":
            raise ValueError(f"expression not simulated: {text!r}")
        if text.split(".")[0] not in self.context:
            raise ValueError(f"context not simulated: {text}")
        value: Any = self.context
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def _truthy(value: Any) -> bool:
    return value not in (None, "", False, 0)


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
