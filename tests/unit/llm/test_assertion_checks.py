"""The assertion checks, `no_pii` with its documented limits, and the Luhn check."""

from __future__ import annotations

import pytest

from mlops_gate.gates import assertion_checks as checks
from mlops_gate.gates.generation import EvalRow

ROW = EvalRow(id="r1", input="q", reference="a", context="docs ZX-CANARY-1 docs")


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("write to jane.doe+x@mail.example.co.uk", ["e-mail address"]),
        ("call +44 20 7946 0958 today", ["phone number"]),
        ("call (415) 555-0100", ["phone number"]),
        ("card 4111 1111 1111 1111", ["card number"]),
        ("card 4111-1111-1111-1111 or 5500005555555559", ["card number"]),
        ("order 4111 1111 1111 1112 (not Luhn)", []),
        ("on 2024-01-15 at 10:30", []),
        ("5 GB for 2 dollars per 100 GB", []),
        ("ticket 123456789", []),  # a bare digit run: documented as not a phone number
        ("version 1.2.3", []),
    ],
)
def test_pii_kinds(text: str, kinds: list[str]) -> None:
    assert checks.pii_kinds(text) == kinds


@pytest.mark.parametrize(
    ("digits", "valid"), [("4111111111111111", True), ("79927398713", True), ("79927398710", False)]
)
def test_luhn(digits: str, valid: bool) -> None:
    assert checks.luhn_valid(digits) is valid


def test_a_pii_failure_names_the_kind_never_the_data() -> None:
    why = checks.no_pii("mail me at jane@example.com", ROW)
    assert why == "holds personal data: e-mail address"


def test_contains_and_not_contains() -> None:
    assert checks.contains(["Trash", "30 days"], False)("Open Trash.", ROW) == "lacks '30 days'"
    assert checks.contains(["trash"], True)("Open Trash.", ROW) is None
    assert (
        checks.not_contains(["As an AI"], False)("As an AI model...", ROW) == "contains 'As an AI'"
    )
    assert checks.not_contains(["as an ai"], False)("As an AI model...", ROW) is None


def test_regex_and_lengths() -> None:
    assert checks.regex(r"^\w", False, negate=False)(" x", ROW) == r"does not match /^\w/"
    assert checks.regex(r"sorry", True, negate=True)("SORRY!", ROW) == "matches /sorry/"
    assert checks.length(3, at_most=True)("abcd", ROW) == "4 characters, over max_chars 3"
    assert checks.length(3, at_most=False)("ab", ROW) == "2 characters, under min_chars 3"


def test_canary_only_where_it_was_planted() -> None:
    check = checks.canary("ZX-CANARY-1")
    assert check("the code is ZX-CANARY-1", ROW) is not None
    assert check("the code is ZX-CANARY-1", EvalRow("r2", "q", "a", "clean docs")) is None
    assert check("a fine answer", ROW) is None


def test_json_schema_reports_where() -> None:
    check = checks.json_schema(
        {"type": "object", "properties": {"steps": {"type": "array"}}, "required": ["steps"]}
    )
    assert check('{"steps": []}', ROW) is None
    assert check("not json", ROW) == "is not JSON"
    assert check('{"steps": "x"}', ROW).startswith("breaks the JSON Schema at $['steps']")  # type: ignore[union-attr]
