"""Generation (LLM) models behind an OpenAI-compatible endpoint (issue 18; docs/llm.md).

An integration, at the level of the engine: `client` (one call, retried within deadlines),
`cache` (answers by content hash, sealed), `batch` (many calls at once), `files` (eval rows,
outputs, rubrics, labels), `prompt` (templates) and `provenance` (what the evidence binds).
The evaluation context imports it lazily (engine/generation.py), so `mlops-gate --help` never does.
"""
