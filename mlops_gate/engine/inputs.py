"""Every file a policy reads: the one answer that validate, the cache, the evidence and promote use.

A policy reads its model and baseline, its data sets, the gates' own files (expectation suites,
equivalence sources, pytest paths, rubrics, human labels, JSON Schemas) and, for an ONNX model,
the external-data files its weights live in. A generation model (issue 18) is its prompt
template (its `path`) and its outputs file, if any: both are inputs, as is the eval JSONL.
A file left out here would be a file whose change goes unseen: the cache would serve an
old result and promote would ship bytes nobody checked. So this is the only list.

A registry model (`models:/...`) is its downloaded copy when the caller has one (`located`),
else an input without a local path: it cannot be hashed before the download, so results that
read it are not cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.errors import MlopsGateError, PromotionRefused
from mlops_gate.loaders.locate import is_registry_uri

if TYPE_CHECKING:
    from mlops_gate.config import GateConfig
    from mlops_gate.policy.loader import LoadedPolicy

GATE_OWNER = "gates[{index}]"


@dataclass(frozen=True)
class PolicyInput:
    """One file the policy reads.

    `name` is its key in the evidence (`model`, `data.eval`, `gates[2].suite`,
    `model.external:model.onnx.data`); `owner` what reads it (`model`, `baseline`, `eval`,
    `reference`, or `gates[i]`); `key` where the policy names it (`model.path`).
    """

    name: str
    owner: str
    key: str
    value: str
    path: Path | None
    problem: str | None = None
    """Why the file cannot be used (an external-data location outside the model's folder)."""

    @property
    def registry(self) -> bool:
        return self.path is None


def policy_inputs(
    loaded: LoadedPolicy,
    located: Mapping[str, Path | None] | None = None,
    *,
    external: bool = True,
) -> list[PolicyInput]:
    """Every input of `loaded`, in a stable order; `located` maps `model`/`baseline` to the
    local copy of a registry model. `external=False` leaves out ONNX external data (which
    needs the model file read)."""
    policy = loaded.policy
    named: list[tuple[str, str, str, str | None]] = [
        ("model", "model", "model.path", policy.model.path if policy.model else None),
        (
            "baseline",
            "baseline",
            "baseline.path",
            policy.baseline.path if policy.baseline else None,
        ),
        ("data.eval", "eval", "data.eval", policy.data.eval),
        ("data.reference", "reference", "data.reference", policy.data.reference),
    ]
    for role, spec in (("model", policy.model), ("baseline", policy.baseline)):
        # A generation model's prompt template and outputs file (the one that is its `path`
        # is already there): evidence and promote bind them, the cache key reads them.
        files = spec.generation_files() if spec is not None else {}
        named += [
            (f"{role}.{key}", role, f"{role}.{key}", value)
            for key, value in files.items()
            if spec is not None and value != spec.path
        ]
    for index, gate in enumerate(policy.gates):
        owner = GATE_OWNER.format(index=index)
        named += [(f"{owner}.{k}", owner, f"{owner}.{k}", v) for k, v in gate.input_paths().items()]
    found: list[PolicyInput] = []
    for name, owner, key, value in named:
        if value is None:
            continue
        if owner in ("eval", "reference") and policy.data.engine == "spark":
            found += _spark_data(loaded, name, owner, key, value)
            continue
        path = _local(loaded, value, (located or {}).get(owner))
        found.append(PolicyInput(name, owner, key, value, path))
        if external and path is not None and path.suffix.lower() == ".onnx":
            found += _external_data(name, owner, key, path)
    return found


def _spark_data(
    loaded: LoadedPolicy, name: str, owner: str, key: str, value: str
) -> list[PolicyInput]:
    """Data the Spark engine reads. A local file is itself; a local directory is each data file
    Spark reads in it (`data.eval.file:part-0.parquet`), so the evidence binds their bytes and
    the cache sees a change. A table or a remote URL has no local bytes: an input without a
    path (never cached) that `shipped_inputs` refuses to promote on."""
    from mlops_gate.engine.data.spark.reading import Location, data_files, locate

    path = locate(value, loaded.resolve(value))
    if isinstance(path, Location):
        return [PolicyInput(name, owner, key, value, None)]
    if not path.is_dir():
        return [PolicyInput(name, owner, key, value, path)]
    files = data_files(path)
    if not files:
        return [
            PolicyInput(name, owner, key, value, path, f"{path}: no data files in this directory")
        ]
    return [
        PolicyInput(f"{name}.file:{file.relative_to(path).as_posix()}", owner, key, value, file)
        for file in files
    ]


def _local(loaded: LoadedPolicy, value: str, located: Path | None) -> Path | None:
    if not is_registry_uri(value):
        return loaded.resolve(value)
    return located


def _external_data(name: str, owner: str, key: str, model: Path) -> list[PolicyInput]:
    """The external-data files of an ONNX model (none when the model is missing or unreadable:
    reading it reports that)."""
    from mlops_gate.loaders.onnx_external import check_location, external_data_locations

    if _unusable(model) is not None or not model.is_file():
        return []  # validate names the unusable path; a missing model is reported where read
    try:
        locations = external_data_locations(model)
    except MlopsGateError:
        return []
    inputs = []
    for location in locations:
        try:
            path, problem = check_location(model, location), None
        except MlopsGateError as exc:
            path, problem = model.parent / location, str(exc)
        inputs.append(
            PolicyInput(f"{name}.external:{location}", owner, key, location, path, problem)
        )
    return inputs


def inputs_of_gate(
    inputs: Iterable[PolicyInput], index: int, gate: GateConfig, has_baseline: bool
) -> list[PolicyInput]:
    """The inputs gate `index` reads: those of the roles it requires, and its own files.

    `target` is read from the eval set; a gate reading the model also reports the baseline's
    value beside its own when there is one.
    """
    needs = set(gate.required_inputs())
    if "target" in needs:
        needs.add("eval")
    if "model" in needs and has_baseline:
        needs.add("baseline")
    needs.add(GATE_OWNER.format(index=index))
    return [item for item in inputs if item.owner in needs]


def missing_inputs(loaded: LoadedPolicy) -> list[str]:
    """Files the policy names that are not there (or are refused), one line each; registry
    URIs are not checked here."""
    problems = []
    for item in policy_inputs(loaded):
        if item.path is None:
            continue
        if item.problem is not None:
            problems.append(f"{item.problem} ({item.key} in {loaded.path})")
        elif (reason := _unusable(item.path)) is not None:
            problems.append(f"{item.path}: {reason} ({item.key} in {loaded.path})")
        elif not item.path.exists():
            what = "external data file" if ".external:" in item.name else "file"
            problems.append(f"{item.path}: {what} not found ({item.key} in {loaded.path})")
    return problems


def _unusable(path: Path) -> str | None:
    """Why a path cannot even be looked at (a name too long, a NUL in it), else None (found by
    the fuzz harness: `Path.exists` raised for such a name)."""
    try:
        path.exists()
    except (OSError, ValueError) as exc:
        return f"cannot use this path: {getattr(exc, 'strerror', None) or exc}"
    return None


def shipped_inputs(loaded: LoadedPolicy, model_file: Path) -> dict[str, Path]:
    """What promote and deploy verify against the evidence: every local input of the policy by
    evidence name, `model` being `model_file` (a registry model's download). A registry baseline
    is left out: its version is checked against the registry instead."""
    inputs = policy_inputs(loaded, {"model": model_file})
    remote = [item for item in inputs if item.path is None and item.owner in ("eval", "reference")]
    if remote:
        names = ", ".join(f"{item.key} ({item.value})" for item in remote)
        raise PromotionRefused(
            f"{names}: data read by Spark from a table or a remote path has no local bytes the "
            "evidence could bind, so promote and deploy refuse it: gate a local copy (a file or "
            "a directory) to promote, see docs/spark.md"
        )
    files = {item.name: item.path for item in inputs if item.path is not None}
    files["model"] = model_file
    return files
