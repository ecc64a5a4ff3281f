"""`mlops-gate schema`: the policy's JSON Schema, generated from the pydantic models."""

from __future__ import annotations

import json
import re


def schema() -> str:
    """The JSON Schema of a policy with every registered gate type (for editors and CI linting)."""
    from mlops_gate.gates.registry import policy_model

    text = json.dumps(policy_model().model_json_schema(), indent=2)
    # Every gate module names its model `Config`; editors show `$defs` names, so give them real ones.
    text = re.sub(r"mlops_gate__gates__(\w+?)__Config", lambda m: f"{m.group(1).title()}Gate", text)
    document = json.loads(text)
    for name, definition in document["$defs"].items():
        if name.endswith("Gate"):
            definition["title"] = name
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "mlops-gate policy (version 1)"
    return json.dumps(document, indent=2) + "\n"
