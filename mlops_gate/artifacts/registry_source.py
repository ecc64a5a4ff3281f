"""MLflow models as build sources: `models:/name@alias`, `models:/name/3`, `runs:/<id>/model`.

The model folder is downloaded through the registry connection every command uses (time limit,
one-line errors; `mlops_gate.registry`) into `.mlops-gate/cache/build-sources/`, then its `MLmodel`
says which flavour holds the model and which file that is:

| flavour | file | exported as |
|---|---|---|
| `onnx` | `data` (`model.onnx`) | passed through, as a local .onnx |
| `sklearn` | `pickled_model`: `.pkl` (pickle/cloudpickle) | a local pickle: only with `trust: pickle` |
| `sklearn` | `pickled_model`: `.skops` (MLflow 3's default) | skops; untrusted types: `trust: pickle` |
| `pytorch` | `model_data`/`model.pth` (pickle) | a local pickled module: only with `trust: pickle` |
| `pytorch` | `model_data`/`model.pt2` (MLflow 3's default) | `torch.export.load` (unpickles): needs `trust: pickle` |

Nothing is deserialised before the trust check: the refusal is the one a local file gets
(`loaders/code_formats.py`). The `MLmodel` file is read with `registry.uris.read_flavours`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import InputError
from mlops_gate.loaders.code_formats import unpickle_failure

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy

FLAVOURS = ("onnx", "sklearn", "pytorch")


@dataclass(frozen=True)
class RegistrySource:
    """The model file of a registry URI on local disk, and where it came from."""

    uri: str
    path: Path
    flavour: str
    version: str | None = None
    run_id: str | None = None

    def info(self) -> dict[str, Any]:
        found = {"uri": self.uri, "flavour": self.flavour}
        found.update({k: v for k, v in (("version", self.version), ("run_id", self.run_id)) if v})
        return found


def fetch(loaded: LoadedPolicy, uri: str, timeout: float) -> RegistrySource:
    """Download the model behind `uri` (once, `registry.uris.download`) and pick its flavour's
    model file."""
    from mlops_gate.registry.from_policy import settings_for
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.uris import download

    with open_registry(settings_for(loaded, timeout)) as registry:
        got = download(registry, uri, registry.settings.workdir / "cache" / "registry")
    assert got.path is not None  # allow_missing=False: an unset alias raised
    flavour, path = model_file(_model_folder(got.path), uri)
    return RegistrySource(uri, path, flavour, got.version, got.run_id)


def _model_folder(folder: Path) -> Path:
    """The folder holding `MLmodel` (MLflow downloads `.../model` as `<dst>/model`)."""
    if (folder / "MLmodel").is_file():
        return folder
    found = sorted(folder.rglob("MLmodel"))
    return found[0].parent if found else folder


def model_file(folder: Path, uri: str) -> tuple[str, Path]:
    """(flavour, model file) of a downloaded MLflow model folder; see the module docstring."""
    from mlops_gate.registry.uris import read_flavours

    flavours = read_flavours(folder / "MLmodel", uri)
    for flavour, key in (("onnx", "data"), ("sklearn", "pickled_model"), ("pytorch", "model_data")):
        entry = flavours.get(flavour)
        if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
            continue
        path = (folder / str(entry[key])).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise InputError(f"{uri}: the MLmodel file points outside the model folder")
        if flavour == "pytorch" and path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".pth", ".pt2"))
            if not files:
                raise InputError(f"{uri}: no model.pth or model.pt2 in the pytorch flavour")
            path = files[0]
        return flavour, path
    kinds = ", ".join(sorted(flavours)) or "none (no MLmodel file)"
    raise InputError(
        f"{uri}: no {', '.join(FLAVOURS)} flavour to export (MLmodel flavours: {kinds})"
    )


def load_skops(path: Path, trust: str | None) -> Any:
    """A skops file: its default-trusted types always, any other type only with `trust: pickle`."""
    try:
        import skops.io as sio  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        from mlops_gate.errors import DependencyError

        raise DependencyError(
            f"{path}: reading a .skops model needs skops: pip install skops"
        ) from None

    try:
        untrusted = sio.get_untrusted_types(file=str(path))  # reads its JSON schema, no objects
    except Exception as exc:  # a raw pickle named .skops is no zip: BadZipFile, KeyError, ...
        raise InputError(
            f"{path}: not a skops file ({type(exc).__name__}); a pickle must be named "
            ".pkl/.joblib, and is loaded only with `trust: pickle`"
        ) from None
    if untrusted and trust != "pickle":
        raise InputError(
            f"{path}: the skops file holds types skops does not trust by default "
            f"({', '.join(untrusted[:5])}); set `trust: pickle` on artifacts.source if you "
            "trust its origin"
        )
    try:
        return sio.load(str(path), trusted=untrusted or None)
    except Exception as exc:  # skops raises whatever the objects' __setstate__ raises
        raise unpickle_failure(path, exc, "skops model") from None
