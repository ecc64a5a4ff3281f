"""A real HTTP server speaking the few Kubernetes API endpoints the kubernetes target uses.

Namespaced objects only, at their REST paths: `GET`, server-side apply (`PATCH` with
`application/apply-patch+yaml`, `fieldManager` required, a conflict unless `force=true` when
another manager owns the object) and JSON merge patches (RFC 7386) of an object or of its
`status` subresource. Bearer tokens map to the verbs they may use (RBAC in miniature); answers
to refusals are `Status` objects as the API server sends them. Every request is recorded.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

GROUPS = {  # REST prefix -> {plural: kind}
    "/api/v1": {"services": "Service", "configmaps": "ConfigMap"},
    "/apis/apps/v1": {"deployments": "Deployment"},
    "/apis/argoproj.io/v1alpha1": {"rollouts": "Rollout", "analysistemplates": "AnalysisTemplate"},
    "/apis/networking.istio.io/v1": {
        "virtualservices": "VirtualService",
        "destinationrules": "DestinationRule",
    },
    "/apis/networking.k8s.io/v1": {"ingresses": "Ingress"},
    "/apis/monitoring.coreos.com/v1": {
        "podmonitors": "PodMonitor",
        "servicemonitors": "ServiceMonitor",
    },
    "/apis/flagger.app/v1beta1": {"canaries": "Canary", "metrictemplates": "MetricTemplate"},
}
_PATH = re.compile(
    r"^(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)/namespaces/(?P<ns>[a-z0-9-]+)/"
    r"(?P<plural>[a-z]+)/(?P<name>[a-z0-9.-]+)(?:/(?P<sub>status))?$"
)
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: Any


@dataclass
class State:
    tokens: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # -> user, verbs
    prefixes: set[str] = field(default_factory=lambda: set(GROUPS))  # the installed APIs
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> object
    managers: dict[str, str] = field(default_factory=dict)  # path -> the manager that applied it
    requests: list[Seen] = field(default_factory=list)
    versions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeKube(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = State()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add_token(self, token: str, user: str, verbs: set[str]) -> None:
        self.state.tokens[token] = (user, frozenset(verbs))

    def seen(self, method: str | None = None) -> list[Seen]:
        with self.state.lock:
            return [r for r in self.state.requests if method in (None, r.method)]

    def object(self, path: str) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.state.objects[path])

    def put(self, path: str, obj: dict[str, Any], manager: str = "kubectl") -> None:
        """An object as another client (kubectl, a controller) left it."""
        with self.state.lock:
            self.state.objects[path] = copy.deepcopy(obj)
            self.state.managers[path] = manager

    def set_status(self, path: str, status: dict[str, Any]) -> None:
        """What a controller (Argo's) would write."""
        with self.state.lock:
            self.state.objects[path]["status"] = copy.deepcopy(status)


Reply = tuple[int, dict[str, Any]]


def _status(code: int, reason: str, message: str) -> Reply:
    return code, {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


class _Handler(BaseHTTPRequestHandler):
    server: FakeKube
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        body = yaml.safe_load(raw) if raw else None  # JSON is YAML
        state = self.server.state
        with state.lock:
            state.requests.append(Seen(method, split.path, query, content_type, body))
            code, answer = self._answer(method, split.path, query, content_type, body)
        data = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(
        self, method: str, path: str, query: dict[str, str], content_type: str, body: Any
    ) -> Reply:
        state = self.server.state
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in state.tokens:
            return _status(401, "Unauthorized", "Unauthorized")
        user, verbs = state.tokens[token]
        match = _PATH.match(path)
        if not match or match["prefix"] not in state.prefixes:
            return _status(404, "NotFound", "the server could not find the requested resource")
        kinds = GROUPS[match["prefix"]]
        if match["plural"] not in kinds:
            return _status(404, "NotFound", "the server could not find the requested resource")
        group = match["prefix"].removeprefix("/apis/").rpartition("/")[0]
        resource = f"{match['plural']}.{group}" if group else match["plural"]
        verb = "get" if method == "GET" else "patch"
        if verb not in verbs:
            return _status(
                403,
                "Forbidden",
                f'{resource} "{match["name"]}" is forbidden: User "{user}" cannot {verb} resource '
                f'"{match["plural"]}" in API group "{group}" in the namespace "{match["ns"]}"',
            )
        key = path.removesuffix("/status")
        current = state.objects.get(key)
        if method == "GET":
            if current is None:
                return _status(404, "NotFound", f'{resource} "{match["name"]}" not found')
            return 200, current
        if content_type == APPLY and not match["sub"]:
            return self._apply(key, kinds[match["plural"]], match, query, body)
        if content_type == MERGE:
            if current is None:
                return _status(404, "NotFound", f'{resource} "{match["name"]}" not found')
            if match["sub"]:  # the status subresource changes only status
                current["status"] = merge(current.get("status"), (body or {}).get("status"))
            else:  # and the main resource never does
                current.update(merge(current, {k: v for k, v in body.items() if k != "status"}))
            self._bump(current)
            return 200, current
        return _status(
            415,
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format: {content_type}",
        )

    def _apply(
        self,
        key: str,
        kind: str,
        match: re.Match[str],
        query: dict[str, str],
        body: Any,
    ) -> Reply:
        state = self.server.state
        manager = query.get("fieldManager")
        if not manager:
            return _status(
                400, "BadRequest", "PATCH requests with apply content type require fieldManager"
            )
        if not isinstance(body, dict) or body.get("kind") != kind:
            return _status(400, "BadRequest", f"the body is not a {kind}")
        meta = body.get("metadata", {})
        if meta.get("name") != match["name"] or meta.get("namespace", match["ns"]) != match["ns"]:
            return _status(400, "BadRequest", "the name or namespace of the body does not match")
        current = state.objects.get(key)
        owner = state.managers.get(key)
        if current is not None and owner != manager and query.get("force") != "true":
            return _status(
                409,
                "Conflict",
                f'Apply failed with 1 conflict: conflict with "{owner}": .spec',
            )
        applied = copy.deepcopy(body)
        if current is not None and "status" in current:
            applied["status"] = current["status"]
        applied["metadata"]["namespace"] = match["ns"]
        applied["metadata"]["uid"] = (current or {}).get("metadata", {}).get("uid") or key
        self._bump(applied)
        state.objects[key] = applied
        state.managers[key] = manager
        return (200 if current is not None else 201), applied

    def _bump(self, obj: dict[str, Any]) -> None:
        obj.setdefault("metadata", {})["resourceVersion"] = str(next(self.server.state.versions))
