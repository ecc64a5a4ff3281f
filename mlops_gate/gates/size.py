"""`size` gate: bytes on disk of each shipped artifact (ONNX external data included).

Only a model that loads is measured: a 0-byte or garbage `.onnx` would otherwise pass at 0 MB
(issue 13). After its external-data files are located (a location outside the model's folder is
refused before anything opens it), the gate asks the context for the model (`context.model()`,
which opens it in ONNX Runtime, or unpickles a trusted sklearn model) and reports its one-line
load error as `error`; the load is shared with the other gates. `max_mb`/`warn_mb` are inclusive limits,
compared with a tolerance of a few ulps (`gates/base.py`).

Against the champion (`gates/limits.py`, the limits every numeric gate shares): `max_increase`
(MB) and `max_increase_pct` (a fraction of the baseline model's size: 0.1 lets it grow 10%)
compare with the baseline model measured the same way (its file plus its external data);
`baseline_value` is its size in MB and `details.baseline_bytes` its bytes. On a first run
without a champion the note says so and only `max_mb` applies.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig
from mlops_gate.gates.limits import PCT_NOTE

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult, Verdict

BYTES_PER_MB = 1_000_000


class Config(GateConfig):
    """Artifact size in MB (1 MB = 1,000,000 bytes), of a model that loads (else `error`).

    `max_mb`/`warn_mb` are inclusive: a size equal to `max_mb` passes. `max_increase` /
    `max_increase_pct` limit the growth over the baseline model's size.
    """

    type: Literal["size"]
    max_mb: float | None = Field(
        default=None, gt=0, description="Fail above this many megabytes (10^6 bytes; inclusive)."
    )
    warn_mb: float | None = Field(default=None, gt=0, description="Warn above this many megabytes.")
    max_increase: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the model is more than this many MB larger than the baseline model.",
    )
    max_increase_pct: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=f"max_increase as {PCT_NOTE}.",
    )

    requires = frozenset({"model"})

    def required_inputs(self) -> frozenset[str]:
        return self.requires | ({"baseline"} if self.relative else set())

    @property
    def relative(self) -> bool:
        return self.max_increase is not None or self.max_increase_pct is not None

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.max_mb is None and not self.relative:
            raise ValueError("set at least one of max_mb, max_increase, max_increase_pct")
        if self.warn_mb is not None and (self.max_mb is None or self.warn_mb > self.max_mb):
            raise ValueError("warn_mb is greater than max_mb (or max_mb is not set)")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Gate on the largest artifact: its file plus every external-data file it references."""
    from mlops_gate.errors import GateError
    from mlops_gate.results import GateResult

    paths = context.artifact_paths()
    if not paths:
        raise GateError("size: the policy has no model artifact to measure")
    # External-data locations are checked (and unsafe ones refused) before ONNX Runtime opens the
    # model; a model that then does not load is an error, not 0 MB that passes.
    artifacts = [_measure_artifact(path) for path in paths]
    context.model("model")
    largest = max(artifacts, key=lambda artifact: int(artifact["bytes"]))
    size_bytes = int(largest["bytes"])
    value = size_bytes / BYTES_PER_MB
    details: dict[str, Any] = {"bytes": size_bytes, "artifacts": artifacts, "comparator": "≤"}
    details["unit"] = "MB"
    baseline, first_run = _baseline(config, context, details)
    verdict, failures = _verdict(config, value, baseline)
    summary = f"{Path(str(largest['path'])).name}: {value:.4g} MB" + (
        f" (max {config.max_mb:g} MB)" if config.max_mb is not None else ""
    )
    if baseline is not None:
        summary += f", baseline {baseline:.4g} MB"
    note = f" ({first_run})" if first_run else ""
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=value,
        threshold=_threshold(config, baseline),
        baseline_value=baseline,
        message=summary + (f": {'; '.join(failures)}" if failures else "") + note,
        details=details,
    )


def _baseline(
    config: Config, context: GateContext, details: dict[str, Any]
) -> tuple[float | None, str | None]:
    """The baseline model's size in MB when a growth limit asks for it, or the first-run note."""
    from mlops_gate.errors import GateError

    if not config.relative:
        return None, None
    if not context.has_baseline():
        note = context.baseline_note()
        if note is None:
            raise GateError("max_increase(_pct) compares with a baseline, and the policy has none")
        return None, note
    measured = _measure_artifact(context.model("baseline").path)
    details["baseline_bytes"] = int(measured["bytes"])
    return int(measured["bytes"]) / BYTES_PER_MB, None


def _verdict(config: Config, value: float, baseline: float | None) -> tuple[Verdict, list[str]]:
    """fail on any broken limit (phrased by `gates/limits.py`), else warn above `warn_mb`."""
    from mlops_gate.gates import limits
    from mlops_gate.gates.base import is_above
    from mlops_gate.results import Verdict

    failures = []
    if config.max_mb is not None:
        failures.append(limits.broken_max("size (MB)", value, config.max_mb))
    if baseline is not None:
        for key, limit in limits.set_limits(config, ("max_increase", "max_increase_pct")).items():
            failures.append(
                limits.broken_change(
                    "size (MB)", value - baseline, baseline, key=key, limit=limit, scale=value
                )
            )
    broken = [failure for failure in failures if failure]
    if broken:
        return Verdict.FAIL, broken
    if config.warn_mb is not None and is_above(value, config.warn_mb):
        return Verdict.WARN, []
    return Verdict.PASS, []


def _threshold(config: Config, baseline: float | None) -> float | None:
    from mlops_gate.gates import limits

    if config.max_mb is not None:
        return config.max_mb
    return limits.threshold(config, True, [(baseline, "")])[0]


def _measure_artifact(path: Path) -> dict[str, Any]:
    """`{path, bytes}` for one artifact; ONNX models add their `external_data` files."""
    entry: dict[str, Any] = {"path": str(path), "bytes": _file_size(path)}
    if path.suffix.lower() != ".onnx":
        return entry
    files = _external_files(path)
    sizes = [_file_size(file) for file in files]
    if files:
        entry["external_data"] = [
            {"path": str(file), "bytes": size} for file, size in zip(files, sizes, strict=True)
        ]
        entry["bytes"] += sum(sizes)
    return entry


def _external_files(model_path: Path) -> list[Path]:
    """The model's external-data files, each counted once (two names for one file: once).

    Read without `onnx`; a location outside the model's folder (symlinks followed) is refused:
    a model must not make a loader read arbitrary files, and ONNX Runtime refuses them too.
    """
    from mlops_gate.loaders.onnx_external import external_data_files

    return list(dict.fromkeys(file.resolve() for file in external_data_files(model_path)))


def _file_size(path: Path) -> int:
    from mlops_gate.errors import InputError

    try:
        if path.is_dir():
            raise InputError(f"{path}: artifact is a directory, expected a file")
        return os.path.getsize(path)
    except FileNotFoundError:
        raise InputError(f"{path}: artifact not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the artifact's size: {exc.strerror}") from None
