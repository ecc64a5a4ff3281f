"""Keep credentials out of every message: tokens, passwords, URI userinfo (issue #4, item 6;
issue 13, item 6).

`redact` masks what it can recognise (userinfo in any URI, `Bearer`/`token` values, signed-URL
queries, GitHub token shapes) and every secret currently configured: the values of `SECRET_ENV`
and the password of a tracking URI in `URI_ENV`, also where a library repeats that password
outside its URI (a Databricks profile message, say).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

SECRET_ENV = (
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_PASSWORD",
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_SECRET",
    "GITHUB_TOKEN",
    "GH_TOKEN",
)
URI_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@")
_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:(?P<password>[^/@\s]*)@")
_BEARER = re.compile(r"(?i)(bearer|basic|token)(\s+|=)[A-Za-z0-9._~+/=-]{6,}")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:token|access_token|password|sig|signature)=)[^&\s]+")
# Token shapes GitHub issues: classic, OAuth, user/server-to-server, refresh, fine-grained.
_GITHUB_TOKEN = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})")
_SHORTEST = 4  # shorter values are too likely to be ordinary text to be masked everywhere


def uri_secrets(uri: str) -> list[str]:
    """The password in `uri`'s userinfo (as written and percent-decoded); none when it has none.

    Read with a pattern, not `urlsplit`, so a URI that does not parse still gives it up."""
    found = _PASSWORD.match(uri.strip())
    if found is None:
        return []
    password = found["password"]
    return [value for value in {password, unquote(password)} if len(value) >= _SHORTEST]


def secrets_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values currently configured (empty and very short values are ignored)."""
    source = os.environ if env is None else env
    found = [source[name] for name in SECRET_ENV if len(source.get(name, "")) >= _SHORTEST]
    for name in URI_ENV:
        found += uri_secrets(source.get(name, ""))
    return found


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with known secrets, URI userinfo, bearer tokens and signed-URL queries masked."""
    for secret in sorted({*secrets, *secrets_from_env()}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    text = _GITHUB_TOKEN.sub(MASK, text)
    return _QUERY_SECRET.sub(lambda m: f"{m[1]}{MASK}", text)


def redact_known(text: str) -> str:
    """Only what is surely a secret: configured secret values, URI userinfo and GitHub token
    shapes (no guessing at `token xyz`), for lines of any kind, such as every `error:` line."""
    for secret in sorted(set(secrets_from_env()), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    return _GITHUB_TOKEN.sub(MASK, text)


def display_uri(uri: str) -> str:
    """A tracking URI fit to print: userinfo and secrets masked."""
    return redact(uri, uri_secrets(uri))
