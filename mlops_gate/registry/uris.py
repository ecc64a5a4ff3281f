"""Registry URIs → a local model file plus the registry version it came from (issue #4, item 1).

Accepted: `models:/<name>@<alias>`, `models:/<name>/<version>`, `runs:/<run_id>/<path>`.
Artifacts are downloaded once into a cache (`.mlops-gate/cache/registry/...`): a registered version
and a run's artifacts do not change, and a download lands under a temporary name and is renamed
into place, so a cache entry is either complete or absent. What the gates read is the cached
file, and its sha256 is what the evidence records and `promote` checks. A registered version is
its whole model folder, external-data files included; a `runs:/` URI naming one `.onnx` file also
fetches the external-data files that model names, from beside it in the run.

A `models:/name@alias` whose alias is not set yet (or whose model is not registered yet) is "no
baseline" when the caller allows it: the first run of a project has no champion.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from mlops_gate.errors import InputError
from mlops_gate.fsutil import make_folders
from mlops_gate.loaders.locate import ResolvedModel
from mlops_gate.registry.errors import RegistryMissing
from mlops_gate.registry.mlflow_client import normalize_version

if TYPE_CHECKING:
    from mlops_gate.registry.mlflow_client import Registry

_ALIAS = re.compile(r"^models:/(?P<name>[^/@:]+)@(?P<alias>[A-Za-z0-9_-]+)$")
_VERSION = re.compile(r"^models:/(?P<name>[^/@:]+)/(?P<version>[0-9]+)$")
_RUN = re.compile(r"^runs:/(?P<run>[0-9A-Za-z_-]+)/(?P<path>[^\s]+)$")
FORMS = "models:/<name>@<alias>, models:/<name>/<version> or runs:/<run_id>/<path>"


@dataclass(frozen=True)
class RegistryUri:
    raw: str
    kind: Literal["alias", "version", "run"]
    name: str | None = None
    alias: str | None = None
    version: str | None = None
    run_id: str | None = None
    artifact_path: str | None = None


def parse_uri(value: str) -> RegistryUri:
    """Split a registry URI; anything else is an `InputError` naming the accepted forms."""
    if match := _ALIAS.match(value):
        return RegistryUri(value, "alias", name=match["name"], alias=match["alias"])
    if match := _VERSION.match(value):
        return RegistryUri(value, "version", name=match["name"], version=match["version"])
    if (match := _RUN.match(value)) and ".." not in match["path"].split("/"):
        return RegistryUri(
            value, "run", run_id=match["run"], artifact_path=match["path"].strip("/")
        )
    raise InputError(f"{value}: not a registry URI this tool reads (use {FORMS})")


def alias_version(registry: Registry, name: str, alias: str) -> str | None:
    """Which version holds `alias` now; `None` when the alias or the model does not exist."""
    try:
        model = registry.call(
            f"read alias {name}@{alias}", registry.client.get_registered_model, name
        )
    except RegistryMissing:
        return None
    return normalize_version(dict(model.aliases).get(alias))


def resolve(
    registry: Registry, value: str, cache_dir: Path, *, allow_missing: bool = False
) -> ResolvedModel:
    """Download the model behind `value` (cached) and say which registry version it is."""
    got = download(registry, value, cache_dir, allow_missing=allow_missing)
    if got.path is None:
        return got
    return replace(got, path=_model_file(got.path, value))


def download(
    registry: Registry, value: str, cache_dir: Path, *, allow_missing: bool = False
) -> ResolvedModel:
    """`resolve` without picking the model file: `path` is the downloaded entry (the model folder
    of an MLflow model), for callers that read the MLmodel flavours themselves (build sources)."""
    uri = parse_uri(value)
    if uri.kind == "run":
        assert uri.run_id is not None
        assert uri.artifact_path is not None
        target = cache_dir / "runs" / uri.run_id / uri.artifact_path
        return ResolvedModel(value, _download(registry, value, target), run_id=uri.run_id)
    assert uri.name is not None
    version = uri.version if uri.kind == "version" else _alias_or_none(registry, uri)
    if version is None:
        if not allow_missing:
            raise InputError(
                f"{value}: alias '{uri.alias}' is not set on registered model '{uri.name}'"
            )
        note = (
            f"{value}: no version holds '{uri.alias}' yet (first run: baseline comparisons skipped)"
        )
        return ResolvedModel(value, None, name=uri.name, note=note)
    try:
        detail = registry.call(
            f"get {uri.name} v{version}", registry.client.get_model_version, uri.name, version
        )
    except RegistryMissing:
        raise InputError(
            f"{value}: registered model '{uri.name}' has no version {version}"
        ) from None
    source = registry.call(
        "resolve download URI", registry.client.get_model_version_download_uri, uri.name, version
    )
    local = _download(registry, str(source), cache_dir / "models" / uri.name / version)
    return ResolvedModel(value, local, uri.name, version, detail.run_id or None)


def _alias_or_none(registry: Registry, uri: RegistryUri) -> str | None:
    assert uri.name is not None
    assert uri.alias is not None
    return alias_version(registry, uri.name, uri.alias)


def _download(registry: Registry, artifact_uri: str, target: Path) -> Path:
    """`artifact_uri` copied to `target` (a folder) once; later calls reuse the complete copy."""
    if target.exists():
        return _only_entry(target)
    from mlflow.artifacts import download_artifacts

    make_folders(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        registry.call(
            f"download {artifact_uri}",
            download_artifacts,
            artifact_uri=artifact_uri,
            dst_path=str(staging),
            tracking_uri=registry.uri,
        )
        _external_data(registry, artifact_uri, _only_entry(staging))
        try:
            staging.rename(target)
        except OSError:  # another process finished the same download first: use theirs
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return _only_entry(target)


def _external_data(registry: Registry, artifact_uri: str, entry: Path) -> None:
    """Beside a lone downloaded `.onnx` file, the external-data files it names (a model folder
    holds them already). Locations leading out of the folder are refused before any request."""
    if not entry.is_file() or entry.suffix.lower() != ".onnx":
        return
    from mlflow.artifacts import download_artifacts

    from mlops_gate.loaders.onnx_external import external_data_locations

    parent = artifact_uri.rsplit("/", 1)[0]
    for location in external_data_locations(entry):
        relative = PurePosixPath(location)
        if not location or relative.is_absolute() or ".." in relative.parts or "\0" in location:
            raise InputError(
                f"{artifact_uri}: refused: external data {location!r} points outside the "
                "model's folder"
            )
        folder = entry.parent / relative.parent
        folder.mkdir(parents=True, exist_ok=True)
        registry.call(
            f"download {parent}/{location}",
            download_artifacts,
            artifact_uri=f"{parent}/{location}",
            dst_path=str(folder),
            tracking_uri=registry.uri,
        )


def _only_entry(folder: Path) -> Path:
    """MLflow downloads `.../model` as `<dst>/model`: the one entry in the folder."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 else folder


def _model_file(local: Path, uri: str) -> Path:
    """The model file in a download: MLmodel's onnx (else sklearn) flavour, else the one .onnx."""
    if local.is_file():
        return local
    flavors = read_flavours(local / "MLmodel", uri)
    for flavor, key in (("onnx", "data"), ("sklearn", "pickled_model")):
        entry = flavors.get(flavor)
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            candidate = (local / str(entry[key])).resolve()
            if not candidate.is_relative_to(local.resolve()):
                raise InputError(f"{uri}: the MLmodel file points outside the model folder")
            return candidate
    found = sorted(local.rglob("*.onnx"))
    if len(found) == 1:
        return found[0]
    kinds = ", ".join(sorted(flavors)) or "none"
    raise InputError(
        f"{uri}: no ONNX (or sklearn) model in the artifact (MLmodel flavours: {kinds})"
    )


def read_flavours(mlmodel: Path, uri: str) -> dict[str, Any]:
    """The `flavors` mapping of an MLflow `MLmodel` file; `{}` when there is no such file.

    The file comes with the model, so it is untrusted: YAML that does not parse, is not UTF-8 or
    is not a mapping is a one-line `InputError` naming it (it crashed with exit 3 before). Only
    `yaml.safe_load` reads it: no tag in it can build a Python object."""
    import yaml

    if not mlmodel.is_file():
        return {}
    try:
        document = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{uri}: its MLmodel file is not readable YAML ({reason})") from None
    if document is None:
        return {}
    flavours = document.get("flavors", {}) if isinstance(document, dict) else None
    if not isinstance(flavours, dict):
        raise InputError(f"{uri}: its MLmodel file is malformed (`flavors` is not a mapping)")
    return flavours
