"""`model.path` / `baseline.path` as files or registry URIs, for the evaluation context (issue #4).

A local path resolves against the policy's folder, as before. A registry URI is downloaded into
`.mlops-gate/cache/registry/` (once) and the local file is what the gates read and the evidence
hashes. For the baseline, an alias that nothing holds yet is not an error: the first run of a
project has no champion, so `path` is `None` and `note` says why baseline comparisons are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from mlops_gate.registry.uris import ResolvedModel, is_registry_uri

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy

DEFAULT_TIMEOUT_S = 120.0


def locate_model(
    loaded: LoadedPolicy, role: Literal["model", "baseline"], timeout: float = DEFAULT_TIMEOUT_S
) -> ResolvedModel | None:
    """Where the `role` model is on disk, and its registry version; `None` without one."""
    ref = loaded.policy.model if role == "model" else loaded.policy.baseline
    if ref is None:
        return None
    if not is_registry_uri(ref.path):
        return ResolvedModel(uri=ref.path, path=loaded.resolve(ref.path))
    from mlops_gate.registry.commands import settings_for
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.uris import resolve

    with open_registry(settings_for(loaded, timeout)) as registry:
        cache = registry.settings.workdir / "cache" / "registry"
        return resolve(registry, ref.path, cache, allow_missing=role == "baseline")
