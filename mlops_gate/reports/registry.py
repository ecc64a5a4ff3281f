"""The reporters: a literal table of built-ins, plus the `mlops_gate.reporters` entry-point group.

A reporter is a module with `render(report: CheckReport) -> str`; third-party packages register
theirs as `name = "package.module"` under the group. A reporter's module is imported only when
it is asked for, so asking for JSON never imports the HTML charts.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Protocol, cast

from mlops_gate.errors import MlopsGateError
from mlops_gate.plugins import registered

if TYPE_CHECKING:
    from mlops_gate.report import CheckReport

BUILTIN_REPORTERS: dict[str, str] = {
    "json": "mlops_gate.reports.json_report",
    "junit": "mlops_gate.reports.junit",
    "markdown": "mlops_gate.reports.markdown",
    "html": "mlops_gate.reports.html",
    "sarif": "mlops_gate.reports.sarif",
}

ENTRY_POINT_GROUP = "mlops_gate.reporters"


class Reporter(Protocol):
    """A reporter module: one function from a report to the text of its file."""

    @staticmethod
    def render(report: CheckReport) -> str: ...


class UnknownReporter(MlopsGateError):
    """A reporter name that neither the built-ins nor an installed plugin provide."""


def reporter_names() -> list[str]:
    """Every reporter's name, sorted: the built-ins and the installed plugins."""
    return list(_reporter_modules())


def reporter(name: str) -> Reporter:
    """The module of reporter `name`, imported now; `UnknownReporter` listing the valid names."""
    modules = _reporter_modules()
    if name not in modules:
        raise UnknownReporter(f"unknown reporter '{name}'; valid reporters: {', '.join(modules)}")
    return cast(Reporter, importlib.import_module(modules[name]))


def render(name: str, report: CheckReport) -> str:
    """`report` rendered by reporter `name` (e.g. "markdown")."""
    return reporter(name).render(report)


@functools.cache
def _reporter_modules() -> dict[str, str]:
    return reporter_modules(entry_points(group=ENTRY_POINT_GROUP))


def reporter_modules(found: Iterable[EntryPoint]) -> dict[str, str]:
    """Module path by reporter name, sorted by name; built-ins cannot be shadowed by plugins."""
    return registered(ENTRY_POINT_GROUP, BUILTIN_REPORTERS, found)
