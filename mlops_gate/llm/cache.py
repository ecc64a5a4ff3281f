"""Answers of LLM calls by a content hash of the request, so that a re-run costs nothing.

The key is the sha256 of the endpoint, the model name, the messages (the rendered prompt) and
the params: change any of them and the call is made again. Only complete answers are stored
(`finish_reason` "stop", or none given); a failed call, a truncated answer ("length") or a
filtered one is never stored. The token is not part of the key and never written.

An entry also keeps the answer's token usage and the wall time of the call that produced it:
a re-run answered from the cache costs nothing and still reports the latency, tokens and cost
of the requests as they were made (the `latency` gate of a generation model). An entry written
before timings were kept has none (`latency_s` None), and the gate says so instead of guessing.

`.mlops-gate/` is in the work tree, where a pull request could commit an answer under a key it
can compute: an entry is believed only when sealed with this machine's key (`trust.py`) for the
same key; any other entry is deleted and the call made. Without a usable machine key nothing is
read or stored.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any

from mlops_gate import paths, trust
from mlops_gate.fsutil import atomic_write_text, open_regular, sha256_bytes
from mlops_gate.llm.client import Completion, Connection

DEFAULT_DIR = paths.LLM_CACHE
SCHEMA = 1
PURPOSE = "llm-call"
COMPLETE = (None, "stop", "eos", "end_turn")
MAX_ENTRY_BYTES = 16 << 20


def request_key(connection: Connection, messages: list[dict[str, str]]) -> str:
    """The content hash of one call (what the model is asked, and how)."""
    identity = {
        "schema": SCHEMA,
        "endpoint": connection.endpoint,
        "model": connection.model,
        "messages": messages,
        "params": connection.params,
    }
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256_bytes(text.encode("utf-8"))


def is_complete(completion: Completion) -> bool:
    """Whether an answer may be stored: it ended on its own (not cut at max_tokens, filtered)."""
    return completion.finish_reason in COMPLETE


class CallCache:
    """Stored answers under `root`; `root=None` (or no machine key) stores and reads nothing."""

    def __init__(self, root: Path | None = DEFAULT_DIR) -> None:
        self._secret = trust.machine_key() if root is not None else None
        self.root = root if self._secret is not None else None

    def load(self, key: str) -> Completion | None:
        """The stored answer for `key`, or None: absent, or not believed (then deleted)."""
        if self.root is None:
            return None
        path = self.root / f"{key}.json"
        if not os.path.lexists(path):
            return None
        try:  # a regular file only: a FIFO or device planted here must not hang or feed us
            with open_regular(path, "cache entry") as handle:
                raw = handle.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            raw = b""
        answer = self._believed(key, raw)
        if answer is None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        return answer

    def _believed(self, key: str, raw: bytes) -> Completion | None:
        assert self._secret is not None
        try:
            entry = trust.unseal(self._secret, PURPOSE, json.loads(raw.decode("utf-8")))
            if entry is None or entry.get("schema") != SCHEMA or entry.get("key") != key:
                return None
            answer: dict[str, Any] = entry["answer"]
            completion = Completion(
                text=str(answer["text"]),
                finish_reason=answer.get("finish_reason"),
                prompt_tokens=answer.get("prompt_tokens"),
                completion_tokens=answer.get("completion_tokens"),
                latency_s=_seconds(answer.get("latency_s")),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return completion if is_complete(completion) else None

    def store(self, key: str, completion: Completion) -> None:
        """Keep a complete answer (an incomplete one is ignored); a failed write only costs time."""
        if self.root is None or self._secret is None or not is_complete(completion):
            return
        answer = {
            "text": completion.text,
            "finish_reason": completion.finish_reason,
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "latency_s": completion.latency_s,
        }
        entry = {"schema": SCHEMA, "key": key, "answer": answer}
        with contextlib.suppress(OSError, ValueError, TypeError):
            sealed = trust.seal(self._secret, PURPOSE, entry)
            atomic_write_text(self.root / f"{key}.json", json.dumps(sealed) + "\n")


def _seconds(value: object) -> float | None:
    """A recorded wall time: a finite number of seconds, at least 0; anything else is none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None
