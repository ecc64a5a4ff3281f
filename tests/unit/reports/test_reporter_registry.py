"""The reporter registry: built-ins by name, plugins through the entry-point group, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

from mlops_gate.errors import MlopsGateError
from mlops_gate.report import CheckReport
from mlops_gate.reports import registry
from tests.report_samples import full_report
from tests.support import REPO

EXPECTED_START = {
    "json": "{",
    "junit": '<?xml version="1.0" encoding="utf-8"?>',
    "markdown": "## mlops-gate · ",
    "html": "<!DOCTYPE html>",
    "sarif": '{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json"',
}


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    """The entry points are read once per process: read them again, here and after the test."""
    registry._reporter_modules.cache_clear()
    yield
    registry._reporter_modules.cache_clear()


@pytest.mark.parametrize("name", sorted(registry.BUILTIN_REPORTERS))
def test_every_builtin_reporter_renders_a_report(name: str) -> None:
    report = full_report()
    text = registry.render(name, report)
    assert text.startswith(EXPECTED_START[name])
    assert text == registry.reporter(name).render(report)
    assert name in registry.reporter_names()


def test_json_reporter_writes_the_results_json() -> None:
    report = full_report()
    assert json.loads(registry.render("json", report)) == json.loads(report.to_json_text())


def test_an_unknown_reporter_names_the_valid_ones() -> None:
    with pytest.raises(registry.UnknownReporter) as raised:
        registry.render("tap", full_report())
    assert str(raised.value) == (
        "unknown reporter 'tap'; valid reporters: html, json, junit, markdown, sarif"
    )
    assert isinstance(raised.value, MlopsGateError)  # a user error: exit 2, no traceback


def test_a_plugin_reporter_is_found_by_its_entry_point(
    monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    plugin = types.ModuleType("fake_tap_reporter")

    def render(report: CheckReport) -> str:
        return f"tap for {report.policy_name}"

    plugin.render = render  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, plugin.__name__, plugin)
    found = [EntryPoint("tap", plugin.__name__, registry.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry, "entry_points", lambda group: found)
    assert registry.reporter_names() == ["html", "json", "junit", "markdown", "sarif", "tap"]
    assert registry.render("tap", full_report("fraud")) == "tap for fraud"


def test_a_plugin_cannot_shadow_a_builtin() -> None:
    found = [
        EntryPoint("html", "evil.reporter", registry.ENTRY_POINT_GROUP),
        EntryPoint("extra", "their.reporter", registry.ENTRY_POINT_GROUP),
    ]
    modules = registry.reporter_modules(found)
    assert modules["html"] == "mlops_gate.reports.html"
    assert modules["extra"] == "their.reporter"
    assert list(modules) == sorted(modules)


def test_the_html_reporter_is_imported_only_when_asked_for() -> None:
    probe = (
        "import sys\n"
        "from mlops_gate.reports import registry\n"
        "from tests.report_samples import full_report\n"
        "registry.render('json', full_report())\n"
        "registry.render('markdown', full_report())\n"
        "print('mlops_gate.reports.html' in sys.modules)\n"
        "registry.render('html', full_report())\n"
        "print('mlops_gate.reports.html' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
