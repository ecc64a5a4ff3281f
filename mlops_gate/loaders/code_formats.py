"""Model formats whose loading can run code, and the one refusal they all get (issue 14, item 1).

DESIGN.md's trust model: nothing that can run code is loaded without `trust: pickle`. The decision
is made on the file name alone, before a byte is read, so a crafted file never reaches a loader:

- `.joblib` `.pkl` `.pickle` (joblib, pickle): unpickling calls any importable function.
- `.pt` `.pth` `.pts` `.torchscript` (`torch.load`, `torch.jit.load`): pickles; torch.jit.load's
  own docs warn that a crafted archive can run arbitrary code.
- `.pt2` (`torch.export.load`): unpickles weights and constants saved with `use_pickle`
  (`torch.load(weights_only=False)`, `pickle.loads`), whatever else the archive holds.

ONNX (`.onnx`) runs no code of the file's choosing; `.skops` has its own type allow-list
(`artifacts/registry_source.load_skops`). Every place a model is accepted (model, baseline,
equivalence source, build source, a registry URI's downloaded file) calls `refuse_untrusted`.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlops_gate.errors import InputError

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
TORCH_SUFFIXES = (".pt", ".pth", ".pts", ".torchscript", ".pt2")
CODE_SUFFIXES = PICKLE_SUFFIXES + TORCH_SUFFIXES

# `python -m mlops_gate` (or `python -m pytest`) names its __main__ 'mlops_gate.__main__': the same case.
_MAIN_CLASS = re.compile(r"Can't get attribute '([^']+)' on <module '(?:[\w.]+\.)?__main__'")


def runs_code(path: Path) -> bool:
    """Whether loading a file named like `path` can run code the file chose."""
    return path.suffix.lower() in CODE_SUFFIXES


def refuse_untrusted(path: Path, trust: str | None, where: str = "") -> None:
    """Raise the one-line refusal for a code-running format unless `trust` is `pickle`.

    `where` names the policy key to set (" on artifacts.source"), when the caller knows it.
    """
    if trust == "pickle" or not runs_code(path):
        return
    if path.suffix.lower() in PICKLE_SUFFIXES:
        what = "refusing to unpickle an untrusted model (unpickling runs arbitrary code)"
    else:
        what = (
            "refusing to load an untrusted torch model (torch.load, torch.jit.load and "
            "torch.export.load can run arbitrary code)"
        )
    raise InputError(
        f"{path}: {what}; export it to ONNX, or set `trust: pickle`{where} if you trust its origin"
    )


def unpickle_failure(path: Path, exc: BaseException, what: str = "pickled model") -> InputError:
    """The one line for a trusted file that failed to load; a class pickled from the training
    script's `__main__` (found nowhere here) says how to fix the training script."""
    text = str(exc).strip()
    main = _MAIN_CLASS.search(text)
    if isinstance(exc, AttributeError) and main:
        return InputError(
            f"{path}: class '{main[1]}' is defined in the training script's __main__: move it into "
            "an importable module (e.g. my_models.py, importable here too), import it from there "
            "in the training script, and save the model again"
        )
    first = text.splitlines()[0][:300] if text else ""
    return InputError(f"{path}: cannot load the {what} ({type(exc).__name__}: {first})")
