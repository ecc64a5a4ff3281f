"""The MLflow model registry: models from registry URIs, check runs, gated promotion, history.

Nothing here imports MLflow at module import time: `mlops-gate --help` must stay fast (STYLE.md).
MLflow is imported inside `mlflow_client.open_registry`, only by the commands that need it.

Modules: `mlflow_client` (connection, timeouts, secrets), `uris` (registry URIs → local files),
`record` (a run per `check`), `from_policy` (settings and alias from a loaded policy), `locator`
(registry URIs for the evaluation context), `versions`
(find-or-register by sha256), `store` (where versions live: registered models or prompts),
`prompts` (MLflow's prompt registry), `release` (a generation model's release),
`pointer` (alias or stage), `lock` (one promoter per alias),
`history` (every move, and rollback), `promote` (the whole promotion).
"""
