"""What `--mlops-gate` changes in a pytest run, and how it is put back at the end.

hypothesis settings and pandas display options are process-wide; pytest can run inside pytest
(`pytester`), so everything changed here is restored in `restore()`.
"""

from __future__ import annotations

from typing import Any

import pytest

from mlops_gate import paths

HYPOTHESIS_PROFILE = "mlops-gate"
DATABASE_DIR = paths.HYPOTHESIS
SEED_ATTRIBUTE = "_hypothesis_internal_use_seed"  # what hypothesis's @seed sets on a test
# A falsifying example is a DataFrame: show all of its columns, not `...` in the middle.
DISPLAY = {"display.max_columns": None, "display.width": 250}
_PREVIOUS_PROFILE = pytest.StashKey[str]()
_PREVIOUS_DISPLAY = pytest.StashKey[dict[str, Any]]()


def configure(config: pytest.Config, *, max_examples: int | None, shrink: bool) -> None:
    _configure_hypothesis(config, max_examples, shrink)
    _show_whole_frames(config)


def restore(config: pytest.Config) -> None:
    previous_display = config.stash.get(_PREVIOUS_DISPLAY, None)
    if previous_display is not None:
        import pandas as pd

        for name, value in previous_display.items():
            pd.set_option(name, value)
    previous_profile = config.stash.get(_PREVIOUS_PROFILE, None)
    if previous_profile is not None:
        from hypothesis import settings

        settings.load_profile(previous_profile)


def _configure_hypothesis(config: pytest.Config, max_examples: int | None, shrink: bool) -> None:
    """The example database under `.mlops-gate/`, no deadline; an explicit profile wins."""
    if config.getoption("hypothesis_profile", None) is not None:
        return
    try:
        from hypothesis import Phase, settings
        from hypothesis.database import DirectoryBasedExampleDatabase
    except ImportError:  # hypothesis is for the checks; the gate items do not need it
        return
    previous = settings.get_current_profile_name()
    parent = settings.get_profile(previous)
    skipped = () if shrink else (Phase.shrink,)
    changes: dict[str, Any] = {
        "deadline": None,  # a model's first call (session warm-up) is much slower than the rest
        "database": DirectoryBasedExampleDatabase(config.invocation_params.dir / DATABASE_DIR),
        # `explain` re-runs a failure under a tracer: slow on a model, and the check's own
        # message already says which row and why. Shrinking a batch of rows takes up to a
        # minute per failing test (500 shrinks of ~100 ms); the gate turns it off by default.
        "phases": tuple(p for p in parent.phases if p not in (Phase.explain, *skipped)),
        # One counterexample fails the gate; hunting for more distinct bugs multiplies the time.
        "report_multiple_bugs": False,
    }
    if max_examples:
        changes["max_examples"] = max_examples
    settings.register_profile(HYPOTHESIS_PROFILE, parent, **changes)
    settings.load_profile(HYPOTHESIS_PROFILE)
    config.stash[_PREVIOUS_PROFILE] = previous


def _show_whole_frames(config: pytest.Config) -> None:
    import pandas as pd

    config.stash[_PREVIOUS_DISPLAY] = {name: pd.get_option(name) for name in DISPLAY}
    for name, value in DISPLAY.items():
        pd.set_option(name, value)


def seed_hypothesis_tests(items: list[pytest.Item], seed: int) -> None:
    """Seed every hypothesis test as `@seed(N)` does, but keep its example database.

    hypothesis's `@seed` and `--hypothesis-seed` also switch the database off (seeded runs are
    meant for deterministic CI); the gate wants both a reproducible run and failures saved under
    `.mlops-gate/` to be replayed first. So the attribute `@seed` sets is set alone; a hypothesis
    without it gets `@seed` itself (reproducible, no replay). tests/integration/testing pins this.
    """
    from hypothesis import is_hypothesis_test
    from hypothesis import seed as seed_test

    for item in items:
        test = getattr(item, "obj", None)
        test = getattr(test, "__func__", test)  # a method: the function holds the attributes
        if test is None or not is_hypothesis_test(test):
            continue
        if hasattr(test, SEED_ATTRIBUTE):
            setattr(test, SEED_ATTRIBUTE, seed)
        else:
            seed_test(seed)(test)
