"""Fixtures every integration test folder may use: the one `mlflow server` of the session."""

from tests.integration.mlflow_server import mlflow_server, registry_env

__all__ = ["mlflow_server", "registry_env"]
