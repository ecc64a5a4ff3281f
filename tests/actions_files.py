"""Reading GitHub Actions' file commands back the way the runner does."""

from __future__ import annotations

from pathlib import Path


def read_outputs(path: Path) -> dict[str, str]:
    """`$GITHUB_OUTPUT` as the runner reads it: `name<<DELIMITER`, lines, `DELIMITER`."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        name, _, delimiter = line.partition("<<")
        value = []
        for item in lines:
            if item == delimiter:
                break
            value.append(item)
        outputs[name] = "\n".join(value)
    return outputs


_UNESCAPE_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_UNESCAPE_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """A `::name key=value,...::message` workflow command read back as the runner reads it
    (actions/runner `ActionCommand.TryParseV2`): (name, properties, message), or None for a line
    that is not a command. `%25` is decoded last, so an escaped `%3A` in a value stays literal."""
    if not line.startswith("::"):
        return None
    head, separator, message = line[2:].partition("::")
    if not separator:
        return None
    name, _, raw_properties = head.partition(" ")
    properties = {}
    for item in filter(None, raw_properties.split(",")):
        key, _, value = item.partition("=")
        for escaped, char in _UNESCAPE_PROPERTY:
            value = value.replace(escaped, char)
        properties[key] = value
    for escaped, char in _UNESCAPE_DATA:
        message = message.replace(escaped, char)
    return name, properties, message
