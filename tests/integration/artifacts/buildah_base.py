"""A local base image for the real-buildah test, made from this machine (no registry to pull from).

`buildah from scratch`, then the smallest root filesystem the generated Dockerfile's steps need:
this interpreter (its stdlib, without tests), pip, the serving packages of `requirements.txt`
copied from this environment at the pinned versions (so `pip install -r` finds them satisfied and
needs no network), `/bin/sh`, `useradd` and their shared libraries (ldd closure), and `/etc`'s
account files. The image is committed under `TAG` into vfs storage, as the engine builds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from mlops_gate.artifacts.engine import BUILDAH

TAG = "localhost/mlops-gate-test-base:py311"
_ETC = ("passwd", "group", "shadow", "gshadow", "login.defs", "default/useradd", "nsswitch.conf")
_SKIP_STDLIB = {"test", "site-packages", "idlelib", "tkinter", "turtledemo", "__pycache__"}


def buildah(*args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [*BUILDAH, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"buildah {' '.join(args[:2])} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def cannot_run() -> str | None:
    """Why buildah cannot work in this environment (e.g. a container without the privileges to
    mount or chroot), or None: a working container is created and removed first, so that only an
    environment that truly cannot run buildah skips the build test, never a fault of ours."""
    try:
        container = buildah("from", "scratch", timeout=60)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return str(exc).splitlines()[-1][:300]
    try:
        buildah("mount", container, timeout=60)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return str(exc).splitlines()[-1][:300]
    finally:
        subprocess.run([*BUILDAH, "rm", container], capture_output=True, check=False)
    return None


def make_base(requirements: str) -> str:
    """Commit the base image for `requirements` (a requirements.txt text); returns its tag."""
    container = buildah("from", "scratch")
    try:
        root = Path(buildah("mount", container))
        _fill(root, requirements)
        buildah("umount", container)
        buildah("commit", container, TAG)
    finally:
        subprocess.run([*BUILDAH, "rm", container], capture_output=True, check=False)
    return TAG


def _fill(root: Path, requirements: str) -> None:
    prefix = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    stdlib = Path(sysconfig.get_paths(vars={"installed_base": sys.base_prefix})["stdlib"])
    target_site = root / stdlib.relative_to("/") / "site-packages"
    _copy(Path(sys.executable).resolve(), root)
    for library in (prefix / "lib").glob("libpython*.so*"):
        _copy(library, root)
    shutil.copytree(
        stdlib,
        root / stdlib.relative_to("/"),
        symlinks=True,
        ignore=lambda folder, names: [n for n in names if n in _SKIP_STDLIB],
    )
    target_site.mkdir(parents=True, exist_ok=True)
    for dist in _closure(["pip", *_names(requirements)]):
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if source.is_file() and "__pycache__" not in file.parts and ".." not in file.parts:
                destination = target_site / file
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
    (root / "usr/local/bin").mkdir(parents=True, exist_ok=True)
    (root / "usr/local/bin/python").symlink_to(Path(sys.executable).resolve())
    (root / f"usr/local/bin/{version}").symlink_to(Path(sys.executable).resolve())
    for tool in ("/usr/bin/dash", "/usr/sbin/useradd"):
        _copy(Path(tool), root)
    (root / "bin").mkdir(exist_ok=True)
    (root / "bin/sh").symlink_to("/usr/bin/dash")
    for name in _ETC:
        if Path("/etc", name).is_file():
            _copy(Path("/etc", name), root)
    (root / "tmp").mkdir(mode=0o1777, exist_ok=True)
    for library in _libraries(root):
        _copy(library, root)


def _names(requirements: str) -> list[str]:
    return [re.split(r"[=<>\[ ;]", line, maxsplit=1)[0] for line in requirements.split() if line]


def _closure(names: list[str]) -> Iterator[metadata.Distribution]:
    """Each named distribution of this environment and everything it requires (no extras)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        yield dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)


def _libraries(root: Path) -> set[Path]:
    """The host's shared libraries that the ELF files under `root` load (ldd, transitively)."""
    found: set[Path] = set()
    elves = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and (".so" in p.name or p.parent.name in ("bin", "sbin"))
    ]
    for elf in elves:
        host = Path("/") / elf.relative_to(root)
        probe = host if host.exists() else elf
        done = subprocess.run(["ldd", str(probe)], capture_output=True, text=True, check=False)
        for match in re.finditer(r"(/\S+\.so[^\s]*)", done.stdout):
            path = Path(match.group(1))
            if path.is_file() and not str(path).startswith(str(root)):
                found.add(path)
    return found


def _copy(path: Path, root: Path) -> None:
    """`path` at the same place under `root`, following symlinks (and keeping the link's name)."""
    destination = root / path.relative_to("/")
    destination.parent.mkdir(parents=True, exist_ok=True)
    if not destination.exists():
        shutil.copy2(path.resolve(), destination)
