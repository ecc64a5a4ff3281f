"""The HTML report in a real browser: headless Chromium renders it and the screenshot is not blank.

Chromium is a system package (`apt-get install chromium` on Debian/Ubuntu). Without it this test
fails, on purpose: a report reviewers read must be seen rendered, not assumed to render.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from mlops_gate.reports import html
from tests.report_samples import full_report

pytestmark = pytest.mark.integration
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
RED, BLUE, GREY = (
    (0xC6, 0x28, 0x28),
    (0x15, 0x65, 0xC0),
    (0x90, 0xA4, 0xAE),
)  # banner, current, reference


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium found: install it with `apt-get install chromium` (Debian/Ubuntu)")


def _screenshot(page: Path, out: Path) -> Path:
    shot = out / "report.png"
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing may be fetched, and nothing can be
        f"--user-data-dir={out / 'profile'}",
        "--hide-scrollbars",
        "--force-device-scale-factor=0.5",  # the whole page, at half size: fewer pixels to decode
        "--window-size=1000,3200",
        f"--screenshot={shot}",
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file(), done.stderr[-2000:]
    return shot


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and pixels of an 8-bit, non-interlaced RGB or RGBA PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += [body] if kind == b"IDAT" else []
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[color]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for row in range(height):
        start = row * (stride + 1)
        line = _unfilter(
            raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels
        )
        pixels += [tuple(line[i : i + 3]) for i in range(0, stride, channels)]
        previous = line
    return width, height, pixels


def _unfilter(kind: int, line: bytearray, above: bytearray, bpp: int) -> bytearray:
    """Undo one row's PNG filter (None, Sub, Up, Average, Paeth)."""
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up, corner = above[i], (above[i - bpp] if i >= bpp else 0)
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + guess) & 0xFF
    return line


def _near(pixel: tuple[int, ...], color: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(pixel, color, strict=False))


def test_report_renders_in_chromium_and_is_not_blank(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html.render(full_report()), encoding="utf-8")
    width, height, pixels = decode_png(_screenshot(page, tmp_path).read_bytes())
    assert (width, height) == (500, 1600)
    colors = Counter(pixels)
    _, count = colors.most_common(1)[0]
    assert count < 0.9 * len(pixels), "the page is (nearly) one colour: it did not render"
    assert len(colors) > 50, f"only {len(colors)} distinct colours: no text or charts drawn"
    assert sum(_near(p, RED) for p in pixels[: width * 60]) > 2000  # the FAIL banner at the top
    assert sum(_near(p, BLUE) for p in pixels) > 2000  # bars of the current data
    assert sum(_near(p, GREY) for p in pixels) > 2000  # bars of the reference data
    lower_half = Counter(pixels[len(pixels) // 2 :])
    assert len(lower_half) > 20, "the lower half is empty: the charts further down did not render"


DRIFTED = Path(__file__).parents[1] / "data" / "reports" / "credit_risk_drifted.results.json"
FOLD = (1280, 800)  # a laptop's browser viewport: what a reviewer sees before scrolling


def _layout(page: Path, out: Path) -> str:
    """The page as Chromium laid it out, with the first section's top written into its title.

    The report itself has no script and forbids one (CSP); this test copy lifts the policy and
    adds one line that measures, so the position is the browser's, not an estimate.
    """
    measured = out / "measured.html"
    probe = (
        "<script>const s = document.querySelector('section[id]');"
        "document.title = 'top=' + Math.round(s.getBoundingClientRect().top) + ' id=' + s.id +"
        " ' gate=' + s.querySelector('code').textContent;</script>"
    )
    document = page.read_text(encoding="utf-8").replace(html.CSP, "default-src 'none'; "
        "script-src 'unsafe-inline'; style-src 'unsafe-inline'")  # fmt: skip
    measured.write_text(document.replace("</body>", probe + "</body>"), encoding="utf-8")
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={out / 'profile-dom'}",
        f"--window-size={FOLD[0]},{FOLD[1]}",
        "--dump-dom",
        measured.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_failing_section_is_above_the_fold_on_the_drifted_example(tmp_path: Path) -> None:
    from mlops_gate.report_load import load_results

    report = load_results(DRIFTED)  # the real results of `make example-drifted`
    assert [g.id for g in report.gates if g.verdict.value == "fail"] == ["drift"]
    assert report.gates[-2].id == "drift"  # last but one in the policy...
    page = tmp_path / "report.html"
    page.write_text(html.render(report), encoding="utf-8")
    dom = _layout(page, tmp_path)
    found = re.search(r"<title>top=(\d+) id=(gate-\d+) gate=([^<]+)</title>", dom)
    assert found, dom[:2000]
    top, anchor, gate = int(found[1]), found[2], found[3]
    assert (anchor, gate) == ("gate-7", "drift")  # ...first on the page
    assert top < FOLD[1] - 150, f"the failing section starts at {top} px: below the fold"
