"""Gate types: one module each, holding a pydantic `Config` and `evaluate(config, context)`.

Modules here import only pydantic at module level, so validating a policy stays fast; the math,
data and model libraries are imported inside `evaluate`.
"""
