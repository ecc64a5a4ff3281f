"""`make test` on a fresh machine installs what its tests need (issue 14, item 4): the README's
quick start is two commands, `make test` runs scripts/ensure-system-deps.sh before pytest, and
.ci/run is `make test` and nothing else. The script runs for real, with a PATH that lacks the
packages (and apt-get), as root and as an unprivileged user; it never installs anything here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.github.composite import REPO

SCRIPT = REPO / "scripts" / "ensure-system-deps.sh"
PACKAGES = "chromium buildah default-jre-headless"
COMMANDS = {"chromium": ("chromium", "chromium-browser", "google-chrome"), "buildah": ("buildah",)}
COMMANDS["default-jre-headless"] = ("java",)


def test_the_quick_start_is_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make example", "make test"]


def test_make_test_ensures_the_system_packages_before_pytest() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        [make, "-n", "test"], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    ensure = [i for i, line in enumerate(dry) if "scripts/ensure-system-deps.sh" in line]
    pytest_runs = [i for i, line in enumerate(dry) if re.search(r"/bin/pytest\b", line)]
    assert ensure, dry
    assert pytest_runs, dry
    assert ensure[0] < pytest_runs[0]


def test_ci_runs_make_test_and_installs_nothing_itself() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get" not in script  # one place installs system packages: ensure-system-deps.sh
    assert script.rstrip().splitlines()[-1] == "exec make test"


def run_script(path: str, *, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    """The script on stdin (no file permission involved), with only PATH set."""
    bash = shutil.which("bash")
    assert bash is not None
    command = [bash, "-s"]
    if as_nobody:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv is not installed: cannot run as an unprivileged user")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    with SCRIPT.open(encoding="utf-8") as source:
        return subprocess.run(
            command,
            stdin=source,
            env={"PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def bare_path() -> Iterator[str]:
    """A PATH with what the script itself uses, and none of the packages or apt-get; in a folder
    any user may read (pytest's own are the owner's only)."""
    with tempfile.TemporaryDirectory(prefix="bare-path-") as folder:
        Path(folder).chmod(0o755)
        for tool in ("id", "mktemp"):
            found = shutil.which(tool)
            assert found is not None
            (Path(folder) / tool).symlink_to(found)
        yield folder


def test_without_apt_get_it_names_what_is_missing_in_one_line(bare_path: str) -> None:
    done = run_script(bare_path)
    assert done.returncode == 0
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    if os.getuid() == 0:
        assert lines == [
            f"ensure-system-deps: missing {PACKAGES} and no apt-get here: install them with this "
            "system's package manager (until then the tests that need them say why they cannot run)"
        ]
    else:
        assert len(lines) == 1
        assert f"`sudo apt-get install -y {PACKAGES}`" in lines[0]


def test_an_unprivileged_user_is_given_the_one_apt_get_command(bare_path: str) -> None:
    done = run_script(bare_path, as_nobody=os.getuid() == 0)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"ensure-system-deps: missing {PACKAGES}: install them with "
        f"`sudo apt-get install -y {PACKAGES}` (until then the tests that need them say why "
        "they cannot run)"
    ]


def test_it_is_silent_when_everything_is_there() -> None:
    absent = [p for p, names in COMMANDS.items() if not any(map(shutil.which, names))]
    if absent:
        pytest.skip(f"not installed here: {' '.join(absent)} (the script would install them)")
    done = run_script(os.environ["PATH"])
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
