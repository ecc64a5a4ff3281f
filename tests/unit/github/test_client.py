"""The retry decision, the token scrubbing and the settings, without any network."""

from __future__ import annotations

import email.utils

import pytest

from mlops_gate.github.client import (
    SECONDARY_RATE_WAIT_S,
    ClientSettings,
    Failure,
    GitHubError,
    is_rate_limited,
    retry_wait,
    scrub,
)

SETTINGS = ClientSettings(token="t", backoff_base_s=1.0, backoff_max_s=30.0)
NOW = 1_700_000_000.0
SECONDARY = "You have exceeded a secondary rate limit"


def wait(status: int, message: str = "", attempt: int = 0, **headers: str) -> float | None:
    named = {key.replace("_", "-"): value for key, value in headers.items()}
    return retry_wait(Failure(status, message, named), attempt, NOW, SETTINGS)


@pytest.mark.parametrize(("attempt", "expected"), [(0, 1.0), (1, 2.0), (3, 8.0), (10, 30.0)])
def test_server_errors_back_off_exponentially_up_to_a_cap(attempt: int, expected: float) -> None:
    assert wait(502, attempt=attempt) == expected
    assert wait(0, "the connection failed", attempt=attempt) == expected


def test_retry_after_seconds_comes_first() -> None:
    assert (
        wait(
            403,
            SECONDARY,
            retry_after="7",
            x_ratelimit_remaining="0",
            x_ratelimit_reset=str(int(NOW) + 500),
        )
        == 7.0
    )


def test_retry_after_may_be_an_http_date() -> None:
    when = email.utils.formatdate(NOW + 42, usegmt=True)
    assert wait(429, retry_after=when) == pytest.approx(42.0)


def test_then_the_reset_time_when_none_remain() -> None:
    assert (
        wait(
            403,
            "API rate limit exceeded",
            x_ratelimit_remaining="0",
            x_ratelimit_reset=str(int(NOW) + 30),
        )
        == 31.0
    )


def test_secondary_limit_without_headers_waits_a_minute() -> None:
    assert wait(403, SECONDARY) == SECONDARY_RATE_WAIT_S


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert wait(status, "nope") is None


def test_a_403_without_rate_limit_is_a_permission_problem() -> None:
    failure = Failure(403, "Resource not accessible by integration", {})
    assert not is_rate_limited(failure)
    assert retry_wait(failure, 0, NOW, SETTINGS) is None


def test_scrub_removes_the_token_and_anything_token_shaped() -> None:
    token = "ghs_" + "a1" * 18
    other = "github_pat_" + "Z" * 30
    text = scrub(f"Bad credentials (token {token}; also {other}; and 's3cr3t')", token, "s3cr3t")
    assert token not in text
    assert other not in text
    assert "s3cr3t" not in text
    assert text == "Bad credentials (token ***; also ***; and '***')"


def test_settings_read_the_environment_and_hide_the_token() -> None:
    settings = ClientSettings.from_env(
        {"GITHUB_TOKEN": " tok ", "GITHUB_API_URL": "https://ghe.example/api/v3/"}
    )
    assert settings.token == "tok"
    assert settings.api_url == "https://ghe.example/api/v3"
    assert "tok" not in repr(settings)
    assert ClientSettings.from_env({"GH_TOKEN": "x"}).api_url == "https://api.github.com"


def test_settings_without_a_token_say_so() -> None:
    with pytest.raises(GitHubError, match="GITHUB_TOKEN is not set"):
        ClientSettings.from_env({"GITHUB_TOKEN": "  "})
