"""The ONNX model shipped with a Spark job, and opened once per Python worker process.

The driver adds the model file and its external-data files (`loaders/onnx_external.py`: the
one owner of which files an ONNX model reads) to the job (`SparkContext.addFile`, or
`addArtifacts` on Spark Connect), under names made unique by the model's sha256: a challenger
and a champion both called `model.onnx` would otherwise clash. An executor finds them with
`SparkFiles.get`, lays them out in a private folder as the model expects (external data at its
relative `location`) and opens one ONNX Runtime session, kept in a module global keyed by the
sha256, so every task that worker runs reuses it. The model is an `OnnxModel`: the same feeds
and the same output parsing as the local path (`loaders/models.py`).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    from mlops_gate.loaders.models import OnnxModel
    from mlops_gate.policy.model import ModelRef

_OPEN: dict[str, OnnxModel] = {}  # per worker process: sha256 -> the model, session open
# per driver: (session, sha256) -> the shipped file names (a session takes a name once)
_ADDED: dict[tuple[int, str], tuple[str, tuple[tuple[str, str], ...]]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ShippedModel:
    """What an executor needs to open the model: pickled into the job's closure (small)."""

    sha256: str
    name: str  # the model file's name in SparkFiles
    externals: tuple[tuple[str, str], ...]  # (name in SparkFiles, location relative to the model)
    ref: ModelRef
    task: str

    def open(self) -> OnnxModel:
        """The worker's session for this model, opened on first use (one per process)."""
        with _LOCK:
            model = _OPEN.get(self.sha256)
            if model is None:
                model = _OPEN[self.sha256] = self._load()
            return model

    def _load(self) -> OnnxModel:
        from pyspark import SparkFiles

        from mlops_gate.loaders.models import OnnxModel

        folder = Path(tempfile.mkdtemp(prefix=f"mlops-gate-{self.sha256[:12]}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        model_path = folder / "model.onnx"
        _place(Path(SparkFiles.get(self.name)), model_path)
        for name, location in self.externals:
            _place(Path(SparkFiles.get(name)), folder / location)
        # One intra-op thread: Spark runs one task per core already.
        return OnnxModel(model_path, self.ref, self.task, threads=1)


def ship(session: Any, path: Path, ref: ModelRef, task: str) -> ShippedModel:
    """Add the model at `path` and its external data to `session`'s jobs (once per sha256:
    Spark refuses a second file of the same name from another path)."""
    from mlops_gate.fsutil import sha256_file

    digest = sha256_file(path)
    with _LOCK:
        key = (id(session), digest)
        if key not in _ADDED:
            _ADDED[key] = _add_files(session, path, digest)
        name, externals = _ADDED[key]
    return ShippedModel(digest, name, externals, ref, task)


def _add_files(session: Any, path: Path, digest: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    from mlops_gate.loaders.onnx_external import external_data_locations

    staging = Path(tempfile.mkdtemp(prefix="mlops-gate-ship-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    name = f"{digest}.onnx"
    files = [(path, name)]
    externals = []
    for index, location in enumerate(external_data_locations(path)):
        external = f"{digest}-{index}-{Path(location).name}"
        files.append((path.parent / location, external))
        externals.append((external, location))
    for source, shipped in files:
        _stage(source.resolve(), staging / shipped)
        _add_file(session, staging / shipped)
    return name, tuple(externals)


def _add_file(session: Any, path: Path) -> None:
    """`SparkContext.addFile`, or Spark Connect's `addArtifacts(file=True)` (no SparkContext)."""
    try:
        context = session.sparkContext
    except Exception:  # pyspark.errors: Spark Connect has no SparkContext
        context = None
    try:
        if context is not None:
            context.addFile(str(path))
        else:
            session.addArtifacts(str(path), file=True)
    except Exception as exc:  # py4j/pyspark errors: the cluster refused the file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GateError(f"{path.name}: Spark did not accept the model file ({reason})") from None


def _place(source: Path, target: Path) -> None:
    """`target` names `source`: a symlink where allowed, else a copy."""
    from mlops_gate.fsutil import make_folders

    make_folders(target.parent)
    try:
        target.symlink_to(source)
    except OSError:
        shutil.copyfile(source, target)


def _stage(source: Path, target: Path) -> None:
    """`target` holds `source`'s bytes: a hard link where allowed, else a copy (Spark ships a
    symlink as nothing at all)."""
    try:
        target.hardlink_to(source)
    except OSError:
        shutil.copyfile(source, target)
