"""Extension points by registration: built-ins in a literal dict, plugins through an entry-point
group; a plugin can add a name but never shadow a built-in (gates, reporters)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points


def registered(
    group: str, builtins: Mapping[str, str], found: Iterable[EntryPoint] | None = None
) -> dict[str, str]:
    """Module path by name, sorted by name: the group's entry points (or `found`), then the
    built-ins over them."""
    modules = {ep.name: ep.value for ep in (entry_points(group=group) if found is None else found)}
    modules.update(builtins)
    return dict(sorted(modules.items()))


def load_object(target: str) -> object:
    """The object an entry point's value names: `module:attribute` (or a bare module)."""
    import importlib

    module_name, _, attribute = target.partition(":")
    found: object = importlib.import_module(module_name.strip())
    for part in filter(None, attribute.strip().split(".")):
        found = getattr(found, part)
    return found
