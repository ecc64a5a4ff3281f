"""Model files an attacker commits: each runs code when its format's loader opens it.

The payload creates a marker (`os.mkdir(marker)` through `__reduce__`), so a test proves
the loader never ran by the marker's absence. `crafted_pt2` is a real `torch.export.save`
archive with one weight switched to `use_pickle` and replaced by the payload: what made
`mlops-gate build` run a command before issue 14.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import joblib

PICKLE_NAMES = ("model.pkl", "model.pickle", "model.joblib")
TORCH_PICKLE_NAMES = ("model.pt", "model.pth", "model.pts", "model.torchscript")
ALL_NAMES = (*PICKLE_NAMES, *TORCH_PICKLE_NAMES, "model.pt2", "model.skops")


class Payload:
    """Unpickling it calls `os.mkdir(marker)`: the marker appears when the pickle runs."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (self.marker,))


def write_hostile(path: Path, marker: Path) -> Path:
    """The hostile file a user would name `path`, in the format its suffix says."""
    suffix = path.suffix
    if suffix == ".pt2":
        return crafted_pt2(path, marker)
    if suffix in (".pt", ".pth", ".pts", ".torchscript"):
        import torch

        torch.save(Payload(marker), str(path))
    elif suffix == ".joblib":
        joblib.dump(Payload(marker), path)
    else:  # .pkl, .pickle, and a raw pickle named .skops
        path.write_bytes(pickle.dumps(Payload(marker)))
    return path


def crafted_pt2(path: Path, marker: Path) -> Path:
    """A valid pt2 archive whose first weight is a pickle that runs `Payload`."""
    import torch

    module = torch.nn.Sequential(torch.nn.Linear(4, 2)).eval()
    clean = io.BytesIO()
    torch.export.save(torch.export.export(module, (torch.zeros(2, 4),)), clean)
    payload = io.BytesIO()
    torch.save(Payload(marker), payload)
    with zipfile.ZipFile(clean) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("data/weights/model_weights_config.json"):
                config = json.loads(data)
                config["config"]["0.weight"]["use_pickle"] = True
                data = json.dumps(config).encode()
            elif info.filename.endswith("data/weights/weight_0"):
                data = payload.getvalue()
            target.writestr(info, data)
    return path
