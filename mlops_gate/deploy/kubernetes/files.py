"""The rendered objects as YAML: one file per object plus `all.yaml` (`deploy --dry-run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops_gate.deploy.kubernetes.render import Manifest


def to_yaml(objects: list[Manifest]) -> str:
    """A multi-document YAML stream, keys in the order rendered."""
    return "".join("---\n" + _dump(obj) for obj in objects)


def _dump(obj: Manifest) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # kubectl and humans read plain YAML: no &anchors for repeated values

    def text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        style = "|" if "\n" in data else None  # a ConfigMap's file as a block, not "\n"s
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, text)
    # No folding: a PromQL query stays on one line, as it is written and read.
    return yaml.dump(obj, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=10**6)


def write_manifests(objects: list[Manifest], out_dir: Path) -> list[Path]:
    """One `NN-kind-name.yaml` per object (NN = apply order) plus `all.yaml`; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("[0-9][0-9]-*.yaml"):  # an earlier render's objects, not applied now
        stale.unlink()
    paths = []
    for index, obj in enumerate(objects):
        kind = str(obj["kind"]).lower()
        path = out_dir / f"{index:02d}-{kind}-{obj['metadata']['name']}.yaml"
        path.write_text(_dump(obj), encoding="utf-8")
        paths.append(path)
    combined = out_dir / "all.yaml"
    combined.write_text(to_yaml(objects), encoding="utf-8")
    return [*paths, combined]
