"""Keep credentials out of every message: tokens, passwords, URI userinfo (issue #4, item 6)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

SECRET_ENV = (
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_PASSWORD",
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_SECRET",
)
MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@")
_BEARER = re.compile(r"(?i)(bearer|basic|token)(\s+|=)[A-Za-z0-9._~+/=-]{6,}")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:token|access_token|password|sig|signature)=)[^&\s]+")


def secrets_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values currently configured (empty and very short values are ignored)."""
    source = os.environ if env is None else env
    return [source[name] for name in SECRET_ENV if len(source.get(name, "")) >= 4]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with known secrets, URI userinfo, bearer tokens and signed-URL queries masked."""
    for secret in sorted({*secrets, *secrets_from_env()}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    return _QUERY_SECRET.sub(lambda m: f"{m[1]}{MASK}", text)


def display_uri(uri: str) -> str:
    """A tracking URI fit to print: userinfo and secrets masked."""
    return redact(uri)
