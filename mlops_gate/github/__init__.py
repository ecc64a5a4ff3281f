"""Posting a report to GitHub: sticky PR comment, check run, and the Actions job environment.

PyGithub is imported lazily, only by `client.GitHubClient`, so `mlops-gate --help` and every command
that does not post stay free of it. `publish.publish` is the entry point the CLI calls.
"""
