"""A small deterministic language model behind an OpenAI-compatible API (example and tests).

Not a neural network: an extractive retrieval model. It answers a prompt with the sentences
that share the most words with the prompt's question, taken from the prompt's own
`Documentation:` section when it has one, else from its memory (`--memory`, a JSONL file whose
rows' `context` it has "read"). A prompt that asks to be concise gets one sentence; otherwise a
greeting, two sentences and a sign-off. So two prompts give different, repeatable answers.

It also judges: a prompt asking for `{"score": ...}` is scored by the token overlap of the
answer with the reference (1 + 4 x F1 on a 1-5 scale); one asking for `{"winner": ...}` prefers
the answer with more overlap, and answer A when the two are within 0.05 (a position bias, as
real judges have, which the judge gate's position swap turns into a tie).

Model names choose faults, for testing clients: `fault-429:N` (the first N calls of each prompt
get 429 with Retry-After: 1), `fault-500`, `fault-malformed` (not JSON), `fault-slow:S` (sleeps
S seconds), `fault-length` (finish_reason "length"), `fault-scale` (judge scores of 9).
`GET /stats` counts the chat calls served.

    python local_llm.py --port 8765 --memory eval/eval.jsonl [--port-file PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_STOP_WORDS = """a an the is are was be do does did i my me you your we our it its to of in on
for and or how what which why can when where who with from by at as this that there then than"""
STOP = frozenset(_STOP_WORDS.split())
GREETING = "Thanks for reaching out!"
SIGN_OFF = "Let me know if there is anything else I can help with."
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9]+")
_FENCE = re.compile(r"(?ms)^([^\n]+):\n<<<\n(.*?)\n>>>")


def words(text: str) -> list[str]:
    return [w.rstrip("s") if len(w) > 3 else w for w in _WORD.findall(text.lower())]


def content(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP}


def overlap_f1(answer: str, reference: str) -> float:
    a, r = Counter(words(answer)), Counter(words(reference))
    common = sum((a & r).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(r.values())
    return 2 * precision * recall / (precision + recall)


class Model:
    """The retrieval model over `memory` sentences."""

    def __init__(self, memory: list[str]) -> None:
        self.memory = memory

    def answer(self, prompt: str) -> str:
        question = prompt.rsplit("Question:", 1)[-1].strip().split("\n\n")[0]
        docs = re.search(r"Documentation:\s*(.*?)\s*Question:", prompt, re.S)
        pool = _SENTENCE.split(docs.group(1).strip()) if docs else self.memory
        wanted = content(question)
        ranked = sorted(range(len(pool)), key=lambda i: (-len(wanted & content(pool[i])), i))
        if "concise" in prompt.lower():
            return pool[ranked[0]]
        return " ".join([GREETING, *(pool[i] for i in ranked[:2]), SIGN_OFF])

    def judge(self, prompt: str, model: str) -> str:
        sections = dict(_FENCE.findall(prompt))
        reference = sections.get("Reference answer", "")
        if '"winner"' in prompt:
            first = overlap_f1(sections.get("Answer A", ""), reference)
            second = overlap_f1(sections.get("Answer B", ""), reference)
            winner = "A" if first >= second - 0.05 else "B"
            return json.dumps(
                {"winner": winner, "reason": f"overlap A {first:.2f}, B {second:.2f}"}
            )
        f1 = overlap_f1(sections.get("Answer to score", ""), reference)
        score = 9 if model == "fault-scale" else 1 + round(4 * f1)
        return json.dumps({"score": score, "reason": f"overlap with the reference {f1:.2f}"})

    def reply(self, prompt: str, model: str) -> str:
        if 'Reply with only a JSON object: {"score"' in prompt or '{"winner"' in prompt:
            return self.judge(prompt, model)
        return self.answer(prompt)


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.endswith("/stats"):
            self._send(200, json.dumps({"requests": self.server.requests}).encode())
        elif self.path.endswith("/models"):
            self._send(
                200, json.dumps({"data": [{"id": "support-lm", "object": "model"}]}).encode()
            )
        else:
            self._send(404, b'{"error": "not found"}')

    def do_POST(self) -> None:
        if not self.path.endswith("/chat/completions"):
            self._send(404, b'{"error": "not found"}')
            return
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        model = str(request.get("model", ""))
        prompt = request["messages"][-1]["content"]
        with self.server.lock:
            self.server.requests += 1
            self.server.seen[prompt] += 1
            seen = self.server.seen[prompt]
        if self._fault(model, seen):
            return
        text = self.server.model.reply(prompt, model)
        reason = "length" if model == "fault-length" else "stop"
        body = {
            "id": f"cmpl-{self.server.requests}",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": reason,
                }
            ],
            "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())},
        }
        self._send(200, json.dumps(body).encode())

    def _fault(self, model: str, seen: int) -> bool:
        kind, _, arg = model.partition(":")
        if kind == "fault-429" and seen <= int(arg or 1):
            self._send(429, b'{"error": "rate limited"}', {"Retry-After": "1"})
        elif kind == "fault-500":
            self._send(500, b'{"error": "internal"}')
        elif kind == "fault-malformed":
            self._send(200, b'{"choices": [ this is not json')
        elif kind == "fault-slow":
            time.sleep(float(arg or 5))
            return False
        else:
            return False
        return True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], model: Model) -> None:
        super().__init__(address, Handler)
        self.model = model
        self.requests = 0
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()


def memory_sentences(path: Path | None) -> list[str]:
    if path is None:
        return ["I am not sure; please contact support."]
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [
        s
        for row in rows
        for s in _SENTENCE.split(row.get("context", ""))
        if s and "SYSTEM" not in s
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--memory", type=Path, default=None)
    parser.add_argument("--port-file", type=Path, default=None, help="write the bound port here")
    args = parser.parse_args()
    server = Server((args.host, args.port), Model(memory_sentences(args.memory)))
    if args.port_file is not None:
        args.port_file.write_text(str(server.server_address[1]), encoding="utf-8")
    server.serve_forever()


if __name__ == "__main__":
    main()
