"""Credentials never reach a message (issue #4, item 6)."""

from __future__ import annotations

import pytest

from mlops_gate.registry.redact import display_uri, redact


def test_configured_token_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "dapi-0123456789abcdef")
    assert redact("401 for token dapi-0123456789abcdef at /api") == "401 for token *** at /api"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://alice:s3cret@host:5000/api", "http://***@host:5000/api"),
        ("https://token@host/api", "https://***@host/api"),
        ("postgresql+psycopg2://u:p@db/mlflow", "postgresql+psycopg2://***@db/mlflow"),
        ("Authorization: Bearer abc.def-ghi_123", "Authorization: Bearer ***"),
        ("GET https://s3/x?X=1&sig=ABCDEF&y=2", "GET https://s3/x?X=1&sig=***&y=2"),
        ("http://127.0.0.1:5000/api/2.0", "http://127.0.0.1:5000/api/2.0"),
    ],
)
def test_uri_userinfo_bearer_and_signed_queries_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_explicit_secrets_and_display_uri() -> None:
    assert redact("value hunter22 leaked", ["hunter22"]) == "value *** leaked"
    assert display_uri("http://bob:pw@mlflow.internal:5000") == "http://***@mlflow.internal:5000"
