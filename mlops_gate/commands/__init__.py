"""One module per command. Each takes the loaded policy (read once by its caller) and options,
and returns a result that carries its own exit code (`outcome.final_exit_code`).

`cli.py` parses arguments, loads the policy, calls one of these, prints and exits; `api.py`
re-exports them for Python callers. Nothing here prints.
"""
