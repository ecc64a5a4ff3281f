"""Find the registered version holding exactly these bytes, or register them (issue #4, item 2).

Idempotent by content: every version this tool registers carries a content-hash tag
(`mlops_gate.model_sha256` for a model file, `mlops_gate.release_sha256` for a generation
release), and a promotion first searches for it. A new version is created with all its tags in
the same request, which MLflow stores in one database transaction, so a version registered by
mlops-gate never exists without its tags, even when the process or the server dies
mid-promotion. An existing version gets the tags of the evidence now promoting it.

What a new version holds is its `Payload`: a folder uploaded to the promote run (which also holds
the evidence file). For an ONNX model (`onnx_payload`), the file is saved with the `mlflow.onnx`
flavour and `pip_requirements` given explicitly (inferring them runs a subprocess for ~3 s,
issue #4 item 7), then the saved file is checked to be byte-identical to the gated one: what is
registered is what was gated. Its external-data files (weights kept beside the model, e.g.
`model.onnx.data`) go into the same folder at the locations the model names, so the downloaded
version loads as it is. A generation model's payloads are in `release.py` and `prompts.py`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import DependencyError, InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.loaders.onnx_external import external_data_files
from mlops_gate.registry.errors import RegistryConflict
from mlops_gate.registry.mlflow_client import ensure_experiment, normalize_version

if TYPE_CHECKING:
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.signature import ModelExample

TAG = "mlops_gate."


def version_tags(evidence: VerifiedEvidence, run_id: str) -> dict[str, str]:
    """The tags that make a version traceable to the evidence that let it through."""
    return {
        f"{TAG}verdict": "pass",
        f"{TAG}evidence_sha256": evidence.sha256,
        f"{TAG}policy": evidence.policy_name,
        f"{TAG}policy_sha256": evidence.policy_sha256,
        f"{TAG}git_sha": evidence.git_commit or "unknown",
        f"{TAG}model_sha256": evidence.model_sha256,
        f"{TAG}run_id": run_id,
    }


def ensure_registered_model(registry: Registry, name: str) -> None:
    with contextlib.suppress(RegistryConflict):  # registered before: fine
        registry.call(
            f"create registered model {name}", registry.client.create_registered_model, name
        )


def find_version(registry: Registry, name: str, model_sha256: str) -> str | None:
    """The oldest live version of `name` registered from bytes with this sha256."""
    return find_tagged(registry, name, {f"{TAG}model_sha256": model_sha256})


def find_tagged(registry: Registry, name: str, tags: dict[str, str]) -> str | None:
    """The oldest live version of `name` carrying every tag of `tags` (a prompt's versions are
    found only by a query naming MLflow's prompt tag: registry/prompts.py)."""
    query = " and ".join([f"name='{name}'", *(f"tags.`{k}` = '{v}'" for k, v in tags.items())])
    found: list[Any] = registry.call(
        f"search {name} versions", registry.client.search_model_versions, query
    )
    versions = sorted(int(v.version) for v in found)
    return normalize_version(versions[0]) if versions else None


@dataclass(frozen=True)
class Payload:
    """What a new version holds: the run artifact folder `folder`, which `build` writes under a
    temporary directory; the version is found again by the tag `key` and carries `tags`."""

    folder: str
    build: Callable[[Path], Path]
    key: tuple[str, str]
    tags: dict[str, str] = field(default_factory=dict)


def onnx_payload(evidence: VerifiedEvidence, example: ModelExample | None = None) -> Payload:
    """The gated ONNX file as an `mlflow.onnx` model, found again by its sha256."""

    def build(tmp: Path) -> Path:
        return save_onnx_flavour(evidence.model_path, tmp / "model", example=example)

    return Payload("model", build, (f"{TAG}model_sha256", evidence.model_sha256))


def register_payload(
    registry: Registry, name: str, evidence: VerifiedEvidence, payload: Payload
) -> tuple[str, bool]:
    """(version, whether it was created now): the version found by `payload.key`, re-tagged with
    this evidence, else a new one holding `payload`, created with all its tags at once."""
    existing = find_tagged(registry, name, dict([payload.key]))
    run_id, source = promote_run(registry, evidence, None if existing is not None else payload)
    tags = {**version_tags(evidence, run_id), **payload.tags}
    if existing is not None:
        tag_version(registry, name, existing, tags)
        return existing, False
    assert source is not None
    wait = max(1, int(registry.deadline.remaining()))
    created = registry.call(
        f"register {name}",
        registry.client.create_model_version,
        name,
        source,
        run_id=run_id,
        tags=tags,
        await_creation_for=wait,
    )
    return str(normalize_version(created.version)), True


def tag_version(registry: Registry, name: str, version: str, tags: dict[str, str]) -> None:
    for key, value in tags.items():
        registry.call(
            f"tag {name} v{version}",
            registry.client.set_model_version_tag,
            name,
            version,
            key,
            value,
        )


def promote_run(
    registry: Registry, evidence: VerifiedEvidence, payload: Payload | None
) -> tuple[str, str | None]:
    """A run holding the evidence (and `payload`, for a new version): (its id, the payload's
    artifact URI, where a new version points).

    The payload folder is built first, so a model that is refused (unreadable, external data
    outside its folder) leaves no run behind."""
    with tempfile.TemporaryDirectory(prefix="mlops-gate-model-") as tmp:
        folder = payload.build(Path(tmp)) if payload is not None else None
        client = registry.client
        experiment = ensure_experiment(registry, evidence.policy_name or "default")
        run = registry.call(
            "start promote run",
            client.create_run,
            experiment,
            run_name=f"promote {evidence.model_sha256[:12]}",
            tags={f"{TAG}kind": "promote", f"{TAG}model_sha256": evidence.model_sha256},
        )
        run_id = run.info.run_id
        registry.call("log evidence", client.log_artifact, run_id, str(evidence.path), "evidence")
        if folder is not None and payload is not None:
            registry.call("upload model", client.log_artifacts, run_id, str(folder), payload.folder)
    registry.call("finish promote run", client.set_terminated, run_id)
    source = None if payload is None else f"{run.info.artifact_uri}/{payload.folder}"
    return run_id, source


def save_onnx_flavour(
    model_path: Path, folder: Path, *, example: ModelExample | None = None
) -> Path:
    """An MLflow model folder (`mlflow.onnx` flavour) whose model.onnx has the gated bytes, with
    the model's external-data files beside it at the relative locations the model names, and
    `example`'s signature and input example in its MLmodel."""
    external = external_data_files(model_path)  # refused when one points outside its folder
    try:
        import onnx
    except ImportError:
        raise DependencyError("promote needs `onnx`: pip install 'mlops-gate[registry]'") from None
    try:
        # The weights are not needed: the files are copied as they are, below.
        proto = onnx.load(str(model_path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends: the file is not ONNX
        raise InputError(f"{model_path}: cannot read as ONNX ({type(exc).__name__})") from None
    with warnings.catch_warnings():
        # Saving imports pyfunc and its type-hint schemas, which warn about MLflow's own type hints
        # ("Any type hint is inferred as AnyType"): MLflow's notice to itself, not the user's.
        warnings.simplefilter("ignore")
        import mlflow.onnx

        mlflow.onnx.save_model(
            proto,
            str(folder),
            pip_requirements=pip_requirements(),
            save_as_external_data=False,
            signature=example.signature() if example is not None else None,
            input_example=example.inputs if example is not None else None,
        )
    saved = folder / "model.onnx"
    if sha256_file(saved) != sha256_file(model_path):
        # onnx re-serialises the proto; the bytes that ship must be the bytes the gates read.
        shutil.copyfile(model_path, saved)
    for source in external:
        _place_beside(model_path, source, folder)
    return folder


def _place_beside(model_path: Path, source: Path, folder: Path) -> None:
    """`source` (an external-data file of `model_path`) at the same relative place in `folder`."""
    relative = source.relative_to(model_path.parent)
    target = folder / relative
    if target.exists():
        raise InputError(
            f"{model_path}: external data '{relative}' would replace the MLflow model's own "
            f"'{relative}'; rename the external data file"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)  # same bytes, no copy of a large file (a temporary folder)
    except OSError:  # another filesystem, or links not allowed
        shutil.copyfile(source, target)


def pip_requirements() -> list[str]:
    """What serving the model needs, pinned to what is installed (never inferred: ~3 s)."""
    pins = []
    for names in (("onnx",), ("onnxruntime", "onnxruntime-gpu")):
        for name in names:
            try:
                pins.append(f"{name}=={metadata.version(name)}")
                break
            except metadata.PackageNotFoundError:
                continue
        else:
            pins.append(names[0])
    return pins
