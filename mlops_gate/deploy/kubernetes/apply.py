"""The cluster side of the `kubernetes` target: server-side apply, reads and merge patches.

The `kubernetes` client is imported only here, and only when a cluster is contacted. Requests go
through `ApiClient.call_api` to the resources' fixed REST paths, so no discovery round-trips are
made and the custom resources (Argo, Istio) need no generated client. Apply is Kubernetes'
server-side apply: `PATCH` with `application/apply-patch+yaml`, `fieldManager=mlops-gate`, and
`force=false` unless asked, so a field another manager owns is a conflict, never overwritten.

Time: a `Cluster` holds one `Deadline` (the command's `--timeout`) for all its requests, and each
request, its body included, runs through `Deadline.run`: the client's own timeouts bound each
socket read, so an API server trickling its answer could otherwise hold a command for ever
(issue 13, item 4).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from mlops_gate.deadline import DEFAULT_TIMEOUT_S, Deadline, DeadlineExceeded
from mlops_gate.deploy.kubernetes.render import KubernetesError, Manifest
from mlops_gate.errors import DependencyError
from mlops_gate.policy.deploy import CanarySpec, KubernetesSpec

FIELD_MANAGER = "mlops-gate"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 30.0  # one socket read at most; the deadline bounds the whole
# (apiVersion, kind) -> REST collection path (namespaced); the only kinds the target renders.
RESOURCES: dict[tuple[str, str], str] = {
    ("v1", "Service"): "/api/v1/namespaces/{ns}/services",
    ("apps/v1", "Deployment"): "/apis/apps/v1/namespaces/{ns}/deployments",
    ("argoproj.io/v1alpha1", "Rollout"): "/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts",
    ("argoproj.io/v1alpha1", "AnalysisTemplate"): (
        "/apis/argoproj.io/v1alpha1/namespaces/{ns}/analysistemplates"
    ),
    ("networking.istio.io/v1", "VirtualService"): (
        "/apis/networking.istio.io/v1/namespaces/{ns}/virtualservices"
    ),
    ("networking.istio.io/v1", "DestinationRule"): (
        "/apis/networking.istio.io/v1/namespaces/{ns}/destinationrules"
    ),
    ("v1", "ConfigMap"): "/api/v1/namespaces/{ns}/configmaps",
    ("networking.k8s.io/v1", "Ingress"): "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
    ("monitoring.coreos.com/v1", "PodMonitor"): (
        "/apis/monitoring.coreos.com/v1/namespaces/{ns}/podmonitors"
    ),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): (
        "/apis/monitoring.coreos.com/v1/namespaces/{ns}/servicemonitors"
    ),
    ("flagger.app/v1beta1", "Canary"): "/apis/flagger.app/v1beta1/namespaces/{ns}/canaries",
    ("flagger.app/v1beta1", "MetricTemplate"): (
        "/apis/flagger.app/v1beta1/namespaces/{ns}/metrictemplates"
    ),
}
_INSTALL_HINTS = {
    "argoproj.io": "is Argo Rollouts installed in the cluster?",
    "networking.istio.io": "is Istio (1.22 or later, for networking.istio.io/v1) installed?",
    "monitoring.coreos.com": "is the Prometheus Operator installed? (or set monitor: annotations)",
    "flagger.app": "is Flagger installed in the cluster?",
}


@dataclass
class Cluster:
    """A connection to one API server, in one namespace. Close it (or use `with`)."""

    api: Any  # kubernetes.client.ApiClient
    namespace: str
    context: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    deadline: Deadline = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = Deadline(self.timeout_s)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.api.close()
        self.api.rest_client.pool_manager.clear()

    @property
    def server(self) -> str:
        return str(self.api.configuration.host)

    def apply(self, obj: Manifest, *, force: bool = False) -> Manifest:
        """Server-side apply of `obj` (created when absent); the server's object is returned."""
        name = obj["metadata"]["name"]
        query = [("fieldManager", FIELD_MANAGER), ("force", "true" if force else "false")]
        path = self._path(obj["apiVersion"], obj["kind"], name)
        target = _Target("apply", obj["apiVersion"], f"{obj['kind']} {name}")
        return self._call("PATCH", path, target, body=obj, content_type=APPLY, query=query)

    def get(self, api_version: str, kind: str, name: str) -> Manifest | None:
        """The object, or None when it does not exist."""
        target = _Target("read", api_version, f"{kind} {name}")
        try:
            return self._call("GET", self._path(api_version, kind, name), target, missing_ok=True)
        except _Missing:
            return None

    def merge_patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: dict[str, Any],
        *,
        subresource: str | None = None,
    ) -> Manifest:
        """A JSON merge patch (RFC 7386), of the object or of a subresource such as `status`."""
        path = self._path(api_version, kind, name) + (f"/{subresource}" if subresource else "")
        target = _Target(
            "patch", api_version, f"{kind} {name}" + (f" {subresource}" if subresource else "")
        )
        return self._call("PATCH", path, target, body=patch, content_type=MERGE)

    def _path(self, api_version: str, kind: str, name: str) -> str:
        collection = RESOURCES.get((api_version, kind))
        if collection is None:
            raise KubernetesError(f"mlops-gate does not apply {kind} ({api_version})")
        return collection.format(ns=self.namespace) + f"/{name}"

    def _call(
        self,
        method: str,
        path: str,
        target: _Target,
        *,
        body: Any = None,
        content_type: str | None = None,
        query: list[tuple[str, str]] | None = None,
        missing_ok: bool = False,
    ) -> Manifest:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        request = {"query_params": query or [], "header_params": headers, "body": body}
        try:
            data = self.deadline.run(self._request, path, method, request)
        except ApiException as exc:
            if exc.status == 404 and missing_ok:
                raise _Missing from None
            raise self._refused(target, exc.status, exc.body) from None
        except DeadlineExceeded:
            raise self._unreachable(
                f"no answer to {target.verb} {target.what} within {self.timeout_s:g} s"
            ) from None
        except HTTPError as exc:
            raise self._unreachable(_short(str(getattr(exc, "reason", None) or exc))) from None
        manifest: Manifest = json.loads(data or b"{}")
        return manifest

    def _request(self, path: str, method: str, request: dict[str, Any]) -> bytes:
        """One request and its whole body (read here, so the deadline covers it too)."""
        response = self.api.call_api(
            path,
            method,
            **request,
            auth_settings=["BearerToken"],
            _return_http_data_only=True,
            _preload_content=False,
            _request_timeout=(
                self.deadline.cap(CONNECT_TIMEOUT_S),
                self.deadline.cap(REQUEST_TIMEOUT_S),
            ),
        )
        return bytes(response.data or b"")

    def _unreachable(self, reason: str) -> KubernetesError:
        return KubernetesError(
            f"the Kubernetes API server {self.server} (context {self.context}) is unreachable: "
            f"{reason}"
        )

    def _refused(self, target: _Target, status: int, body: Any) -> KubernetesError:
        verb = target.verb
        message = _status_message(body)
        text = (
            f"Kubernetes: could not {verb} {target.what} in namespace {self.namespace} "
            f"(context {self.context}): HTTP {status}"
        )
        if status == 401:
            text += f": the API server refused the credentials of context {self.context}"
        elif status == 403:
            text += f": forbidden ({message}); the account needs RBAC `{verb}` on it"
        elif status == 404:
            hint = _INSTALL_HINTS.get(target.api_version.rpartition("/")[0], "")
            text += f": {message}" + (f" ({hint})" if hint else "")
        elif status == 409:
            text += f": {message} (a field another manager owns; retry with force_conflicts)"
        else:
            text += f": {message}"
        return KubernetesError(text)


@dataclass(frozen=True)
class _Target:
    """What a request was about, for its error message."""

    verb: str
    api_version: str
    what: str


class _Missing(Exception):
    """A 404 the caller asked to see as 'absent'."""


def connect(
    kube: KubernetesSpec,
    *,
    kubeconfig: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Cluster:
    """A `Cluster` for `kube.namespace`, from `kubeconfig` (default: $KUBECONFIG, else
    ~/.kube/config) and `kube.context` (default: its current context); inside a pod without a
    kubeconfig, the pod's service account.
    """
    try:
        from kubernetes import client, config
    except ImportError:
        raise DependencyError(
            "applying to a cluster needs the kubernetes client: pip install 'mlops-gate[kubernetes]' "
            "(or use --dry-run to only write the manifests)"
        ) from None
    from urllib3.util.retry import Retry

    configuration = client.Configuration()
    files = str(kubeconfig or os.environ.get("KUBECONFIG") or Path("~/.kube/config").expanduser())
    in_cluster = bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and not any(
        Path(f).is_file() for f in files.split(os.pathsep) if f
    )
    try:
        if in_cluster:
            config.load_incluster_config(client_configuration=configuration)
            context = "in-cluster"
        else:
            config.load_kube_config(
                config_file=files,
                context=kube.context,
                client_configuration=configuration,
                persist_config=False,
            )
            context = kube.context or _current_context(files)
    except (config.ConfigException, OSError, ValueError, TypeError) as exc:
        raise KubernetesError(
            f"no kube context configured ({_short(str(exc))}): set KUBECONFIG or "
            "deploy.canary.kubernetes.context, or use --dry-run to only write the manifests"
        ) from None
    # Connection failures are retried twice; a request the server may have acted on never is.
    configuration.retries = Retry(total=2, connect=2, read=0, status=0, backoff_factor=0.2)
    return Cluster(client.ApiClient(configuration), kube.namespace, context, timeout_s)


def _current_context(files: str) -> str:
    from kubernetes import config

    try:
        _, current = config.list_kube_config_contexts(config_file=files.split(os.pathsep)[0])
        return str(current["name"])
    except (config.ConfigException, OSError, KeyError, TypeError):
        return "current"


def apply_manifests(
    objects: list[Manifest],
    spec: KubernetesSpec | CanarySpec,
    *,
    kubeconfig: str | Path | None = None,
    force_conflicts: bool = False,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[str]:
    """Server-side apply each object, in order; returns `Kind/name` of each applied object."""
    kube = spec.kubernetes if isinstance(spec, CanarySpec) else spec
    with connect(kube, kubeconfig=kubeconfig, timeout_s=timeout_s) as cluster:
        for obj in objects:
            cluster.apply(obj, force=force_conflicts)
    return [f"{obj['kind']}/{obj['metadata']['name']}" for obj in objects]


def _status_message(body: Any) -> str:
    """The `message` of a Kubernetes `Status` answer, else the body's start."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        message = json.loads(text).get("message")
    except (ValueError, AttributeError):
        message = None
    return _short(str(message or text or "no message"))


def _short(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
