"""Load a policy file: YAML with positions → `${ENV}` substitution → pydantic → cross-field checks.

`parse_policy` takes the policy model to validate against (its gate union); the gate registry's
`load_policy` passes every registered gate type. The file is read once: its bytes are hashed here
and every later stage uses this `LoadedPolicy` (its `sha256`), never the path again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from mlops_gate.errors import InputError, PolicyError
from mlops_gate.fsutil import open_regular, sha256_bytes
from mlops_gate.policy.envsubst import MissingVariable, substitute
from mlops_gate.policy.model import Policy
from mlops_gate.policy.problems import format_problem, validation_problems
from mlops_gate.policy.yaml_source import Mark, YamlSource, YamlSyntaxError, parse_yaml

# A long policy is a few KiB; this bounds what a pull request can make us read.
MAX_POLICY_BYTES = 1 << 20


@dataclass(frozen=True)
class LoadedPolicy:
    """A valid policy and where it came from."""

    policy: Policy
    path: Path
    sha256: str
    source: YamlSource
    gate_ids: tuple[str, ...]

    @property
    def base_dir(self) -> Path:
        """Relative paths in the policy are relative to the policy file's folder."""
        return self.path.parent

    def gate_line(self, index: int) -> int:
        return self.source.mark_for(("gates", index)).line

    def resolve(self, path: str) -> Path:
        return (self.base_dir / path) if not Path(path).is_absolute() else Path(path)


def parse_policy(
    path: Path, model: type[Policy], env: Mapping[str, str] | None = None
) -> LoadedPolicy:
    """Read and validate `path` against `model`; every problem is reported at once (`PolicyError`)."""
    display = str(path)
    raw = _read_policy(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError([f"{display}:1:1: not UTF-8 text"]) from None
    try:
        source = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise PolicyError([format_problem(display, exc.mark, "", str(exc))]) from None
    if not isinstance(source.data, dict):
        raise PolicyError(
            [
                format_problem(
                    display, Mark(1, 1), "", "a policy is a YAML mapping (see `mlops-gate init`)"
                )
            ]
        )
    try:
        data = substitute(source.data, os.environ if env is None else env)
    except MissingVariable as exc:
        key = ".".join(str(p) for p in exc.path)
        raise PolicyError(
            [format_problem(display, source.mark_for(exc.path), key, str(exc))]
        ) from None

    try:
        policy = model.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(validation_problems(exc, model, source, display)) from None

    ids = _gate_ids(policy)
    problems = _cross_checks(policy, source, display) + _duplicate_ids(policy, ids, source, display)
    problems += _agreement_judge(policy, ids, source, display)
    if problems:
        raise PolicyError(problems)
    gates = [
        gate.model_copy(update={"id": gate_id})
        for gate, gate_id in zip(policy.gates, ids, strict=True)
    ]
    return LoadedPolicy(
        policy=policy.model_copy(update={"gates": gates}),
        path=path,
        sha256=sha256_bytes(raw),
        source=source,
        gate_ids=ids,
    )


def _read_policy(path: Path) -> bytes:
    """The policy's bytes: a regular file of at most `MAX_POLICY_BYTES` (never `/dev/zero`, a FIFO
    or a 4 GB file read whole: issue 13, item 4)."""
    if not os.path.lexists(path):
        raise InputError(f"{path}: policy file not found (run `mlops-gate init` to create one)")
    with open_regular(path, "policy file") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            raw = b"" if size > MAX_POLICY_BYTES else handle.read(MAX_POLICY_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read policy file: {exc.strerror}") from None
    if size > MAX_POLICY_BYTES or len(raw) > MAX_POLICY_BYTES:
        message = f"the policy file is over {MAX_POLICY_BYTES // 2**20} MiB: a policy is short"
        raise PolicyError([format_problem(str(path), Mark(1, 1), "", message)])
    return raw


def _gate_ids(policy: Policy) -> tuple[str, ...]:
    """Explicit ids as given; derived ids made unique with `#2`, `#3` in policy order.

    The one place gate ids are made: the loader writes them into each gate's `id`.
    """
    seen: dict[str, int] = {}
    ids = []
    for gate in policy.gates:
        if gate.id is not None:
            ids.append(gate.id)
            continue
        base = gate.derived_id(policy)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return tuple(ids)


def _duplicate_ids(
    policy: Policy, ids: tuple[str, ...], source: YamlSource, file: str
) -> list[str]:
    """Two gates with one id (explicit or derived) would share one row, cache entry and record."""
    first: dict[str, int] = {}
    problems = []
    for index, gate_id in enumerate(ids):
        if gate_id not in first:
            first[gate_id] = index
            continue
        gate = policy.gates[index]
        explicit = gate.id is not None
        where = f"gates[{index}] ({gate.type})" + (".id" if explicit else "")
        how = "" if explicit else "; derived from its settings: set a distinct `id`"
        problems.append(
            format_problem(
                file,
                source.mark_for(("gates", index)),
                where,
                f"duplicate id '{gate_id}' (also gates[{first[gate_id]}]{how})",
            )
        )
    return problems


_INPUT_HINTS = {
    "model": "add `model: {path: ...}`",
    "baseline": "add `baseline: {path: ...}` or drop the baseline comparison",
    "target": "set `data.target` to the label column",
    "eval": "set `data.eval` to the evaluation data file",
    "reference": "set `data.reference` to the reference data file",
}


def _cross_checks(policy: Policy, source: YamlSource, file: str) -> list[str]:
    """What pydantic cannot see inside one model: each gate's inputs exist, and what each gate
    checks against the rest of the policy (`GateConfig.policy_problems`)."""
    available = {
        "model": policy.model is not None,
        "baseline": policy.baseline is not None,
        "target": policy.data.target is not None,
        "eval": policy.data.eval is not None,
        "reference": policy.data.reference is not None,
    }
    problems = []
    for index, gate in enumerate(policy.gates):
        where = f"gates[{index}] ({gate.type})"
        mark = source.mark_for(("gates", index))
        missing = sorted(need for need in gate.required_inputs() if not available.get(need, True))
        for need in missing:
            problems.append(
                format_problem(file, mark, where, f"needs `{need}`: {_INPUT_HINTS[need]}")
            )
        for key, message in gate.policy_problems(policy):
            problems.append(format_problem(file, mark, f"{where}.{key}", message))
    return problems + _canary_checks(policy, source, file)


def _agreement_judge(
    policy: Policy, ids: tuple[str, ...], source: YamlSource, file: str
) -> list[str]:
    """`deploy.canary.analysis.agreement.judge` names a `judge` gate of this policy."""
    canary = policy.deploy.canary if policy.deploy else None
    agreement = canary.analysis.agreement if canary else None
    wanted = agreement.judge if agreement else None
    if wanted is None:
        return []
    judges = [i for i, gate in zip(ids, policy.gates, strict=True) if gate.type == "judge"]
    if wanted in judges:
        return []
    where = ("deploy", "canary", "analysis", "agreement", "judge")
    named = f"the judge gates: {', '.join(judges)}" if judges else "the policy has no judge gate"
    return [
        format_problem(
            file,
            source.mark_for(where),
            ".".join(where),
            f"{wanted!r} is not the id of a judge gate of this policy ({named})",
        )
    ]


def _canary_checks(policy: Policy, source: YamlSource, file: str) -> list[str]:
    """A local canary replays `data.eval` unless given requests; live PSI needs the reference."""
    canary = policy.deploy.canary if policy.deploy else None
    if canary is None:
        return []
    path: tuple[str | int, ...] = ("deploy", "canary")
    problems = []
    if policy.model is None:
        problems.append(
            format_problem(file, source.mark_for(path), "deploy.canary", "needs `model`")
        )
    if canary.target == "local" and canary.requests is None and policy.data.eval is None:
        problems.append(
            format_problem(
                file,
                source.mark_for(path),
                "deploy.canary.requests",
                "a local canary replays `data.eval` as traffic: set data.eval or requests",
            )
        )
    if canary.analysis.drift is not None and policy.data.reference is None:
        where = (*path, "analysis", "drift")
        problems.append(
            format_problem(
                file,
                source.mark_for(where),
                "deploy.canary.analysis.drift",
                f"needs `reference`: {_INPUT_HINTS['reference']}",
            )
        )
    task = policy.model.task if policy.model else None
    for where, message in canary.policy_problems(task):
        key = ".".join(("deploy.canary", *where))
        problems.append(format_problem(file, source.mark_for((*path, *where)), key, message))
    return problems
