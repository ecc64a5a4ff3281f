"""`mlops-gate deploy`: canary targets that ship a gated, promoted model (issue #6).

Each target lives in its own subpackage and is imported lazily by the command that uses it, so
`mlops-gate --help` never pays for it.
"""
