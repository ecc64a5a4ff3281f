"""`mlops-gate deploy`: canary targets that ship a gated, promoted model (issue #6).

`targets/` holds one module per target behind the `DeployTarget` protocol and the
`DEPLOY_TARGETS` dict (issue 9); what a target drives lives beside it (`local/`, `kubernetes/`,
`github_target.py`). Every target is imported lazily, by the command that uses it, so
`mlops-gate --help` never pays for it.
"""
