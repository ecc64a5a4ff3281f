"""The check engine: the evaluation context (data engine and model locator injected), the runner
that schedules the gates, the result cache, the files a policy reads, and the gating of build
variants (`check --artifacts`). Gates see it only through `mlops_gate.gates.context.GateContext`.
"""
