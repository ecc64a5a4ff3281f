"""An LLM app as its own process on 127.0.0.1: a prompt template and a model behind an endpoint.

    python -m mlops_gate.deploy.local.llm_app --fd N --config app.json

What a deployed LLM application does with one request, and nothing more: `POST /generate` with
an eval-row-shaped body `{"id", "input", "context"}` renders the template (`llm.prompt.render`,
the check's own) and sends it as one user message to `{endpoint}/chat/completions`
(`llm.client.chat`: the policy's params and retries, within a deadline per request); the answer
is `{"id", "output", "usage"}`. No call cache: the canary measures the endpoint. `GET /health`
and `GET /ready` say the process runs (whether the endpoint answers is `llm_upstreams`'s first
request). A body that is not a row is a 400; an endpoint that gave no answer within the deadline
(after its retries) a 502 with the reason, the token redacted.

The config file holds no token: `api_key_env` names the variable this process reads it from.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mlops_gate.deadline import Deadline
from mlops_gate.gates.generation import EvalRow
from mlops_gate.llm.client import CallFailed, Connection, chat
from mlops_gate.llm.prompt import render


@dataclass(frozen=True)
class App:
    """One side's app: its template, where it calls, and how long one request may take."""

    template: str
    connection: Connection
    deadline_s: float

    def generate(self, row: EvalRow) -> tuple[int, dict[str, Any]]:
        messages = [{"role": "user", "content": render(self.template, row)}]
        try:
            answer = chat(self.connection, messages, Deadline(self.deadline_s))
        except CallFailed as exc:
            return 502, {"error": self.connection.redact(str(exc))}
        usage = {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
        }
        return 200, {"id": row.id, "output": answer.text, "usage": usage}


def read_config(path: Path) -> App:
    """The app of a config file `llm_upstreams` wrote; the token from the environment."""
    config = json.loads(path.read_text(encoding="utf-8"))
    variable = config.get("api_key_env")
    connection = Connection(
        endpoint=config["endpoint"],
        model=config["model"],
        params=dict(config.get("params") or {}),
        token=os.environ.get(variable) if variable else None,
        request_timeout_s=float(config["request_timeout_s"]),
        max_retries=int(config["max_retries"]),
    )
    return App(config["template"], connection, float(config["deadline_s"]))


def eval_row(document: Any) -> EvalRow:
    """The request as an eval row; ValueError naming what is wrong."""
    if not isinstance(document, dict):
        raise ValueError("the request is not a JSON object")
    text = document.get("input")
    if not isinstance(text, str):
        raise ValueError("the request has no `input` text")
    context = document.get("context")
    if isinstance(context, list) and all(isinstance(part, str) for part in context):
        context = "\n\n".join(context)
    if context is not None and not isinstance(context, str):
        raise ValueError("`context` is not text")
    key = document.get("id")
    return EvalRow(id="" if key is None else str(key), input=text, context=context)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the router reuses its connections
    disable_nagle_algorithm = True
    server: AppServer

    def do_GET(self) -> None:
        if self.path in ("/health", "/ready"):
            self._send(200, {"status": "ok", "pid": os.getpid()})
        else:
            self._send(404, {"error": f"no endpoint {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path != "/generate":
            self._send(404, {"error": f"no endpoint {self.path}"})
            return
        try:
            row = eval_row(json.loads(body))
        except ValueError as exc:
            self._send(400, {"error": str(exc)})
            return
        self._send(*self.server.app.generate(row))

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent, as the router is."""


class AppServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, app: App) -> None:
        super().__init__(sock.getsockname()[:2], Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.app = app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="mlops_gate.deploy.local.llm_app")
    parser.add_argument("--fd", type=int, required=True, help="a listening socket's descriptor")
    parser.add_argument("--config", type=Path, required=True, help="the app, as JSON")
    args = parser.parse_args(argv)
    app = read_config(args.config)
    with AppServer(socket.socket(fileno=args.fd), app) as server:
        server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
