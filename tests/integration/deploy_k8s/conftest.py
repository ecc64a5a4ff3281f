"""A fake Kubernetes API server per test, on 127.0.0.1 with a free port; always stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.deploy_k8s.fake_kube import FakeKube
from tests.integration.serving_thread import serving

ADMIN_TOKEN = "admin-token"
READER_TOKEN = "reader-token"


@pytest.fixture
def kube() -> Iterator[FakeKube]:
    server = FakeKube()
    server.add_token(ADMIN_TOKEN, "system:serviceaccount:ci:deployer", {"get", "patch"})
    server.add_token(READER_TOKEN, "system:serviceaccount:ci:reader", {"get"})
    with serving(server):
        yield server


def write_kubeconfig(
    path: Path, contexts: dict[str, tuple[str, str]], current: str | None = None
) -> Path:
    """A kubeconfig with one cluster + user per context name: `{name: (server, token)}`."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": s}} for n, (s, _) in contexts.items()],
        "users": [{"name": n, "user": {"token": t}} for n, (_, t) in contexts.items()],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in contexts],
        "current-context": current or next(iter(contexts)),
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def kubeconfig(kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$KUBECONFIG names a file whose current context is the fake server, as the admin."""
    path = write_kubeconfig(tmp_path / "kubeconfig", {"fake": (kube.url, ADMIN_TOKEN)})
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return path
