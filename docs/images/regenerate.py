"""Regenerate the screenshots in docs/images/ from a real results JSON (issue 17, item 6).

    make example-drifted   # writes out/drifted/results.json
    .venv/bin/python docs/images/regenerate.py out/drifted/results.json \
        [--mermaid node_modules/mermaid/dist/mermaid.min.js]

`html-report.png`: the top of the HTML report (`--html`) as a reviewer's browser shows it first.
`pr-comment.png`: the sticky PR comment, its Markdown rendered by markdown-it (CommonMark plus
tables, the raw HTML GitHub allows) under a GitHub-like stylesheet. GitHub draws the Mermaid
charts itself; offline, `--mermaid` names a local copy of mermaid.min.js (`npm install mermaid`)
to draw them the same way, and without it the charts show as their source, said in a caption.
Headless Chromium takes both shots; nothing is fetched (every other host is unresolvable).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

from mlops_gate.github.context import ARTIFACT_ENV, from_env
from mlops_gate.report_load import load_results
from mlops_gate.reports import html, pr_comment

HERE = Path(__file__).resolve().parent
STYLE = """
body { margin: 0; background: #fff; font: 14px/1.5 -apple-system, "Segoe UI", system-ui,
  sans-serif; color: #1f2328; }
.comment { max-width: 860px; margin: 16px; border: 1px solid #d0d7de; border-radius: 6px; }
.comment header { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px;
  color: #59636e; }
.comment .body { padding: 8px 16px 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { font-size: 1.25em; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) td { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
pre.mermaid { background: #fff; }
.caption { color: #59636e; font-size: 12px; margin: 0 16px 16px; }
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("no Chromium: apt-get install -y chromium")


def shoot(page: Path, out: Path, size: tuple[int, int], profile: Path) -> None:
    """A headless Chromium screenshot of `page` at `size`, after its scripts had time to draw."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        "--virtual-time-budget=8000",
        f"--screenshot={out}",
        page.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=180)


def comment_page(markdown: str, mermaid: Path | None) -> str:
    """The comment as GitHub shows it: Markdown to HTML, Mermaid blocks drawn when we can."""
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    caption = ""
    if mermaid is not None:
        body = body.replace('<pre><code class="language-mermaid">', '<pre class="mermaid">')
        body = body.replace("</code></pre>", "</pre>")
        script = mermaid.read_text(encoding="utf-8")
        body += (
            f"<script>{script}</script><script>mermaid.initialize({{startOnLoad: true}})</script>"
        )
    else:
        caption = "Mermaid is not available offline: the charts show as their source here."
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head><body>'
        '<div class="comment"><header><b>github-actions</b> bot commented</header>'
        f'<div class="body">{body}</div></div><p class="caption">{caption}</p></body></html>'
    )


def trim(png: Path) -> None:
    """Cut the empty rows under the content (the window is taller than the page)."""
    from PIL import Image, ImageChops

    image = Image.open(png).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((image.width - 1, image.height - 1)))
    box = ImageChops.difference(image, background).getbbox()
    if box:
        image.crop((0, 0, image.width, min(image.height, box[3] + 16))).save(png)


def crop(png: Path, height: int) -> None:
    from PIL import Image

    image = Image.open(png)
    image.crop((0, 0, image.width, min(height, image.height))).save(png)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="a results JSON (check --json)")
    parser.add_argument("--mermaid", type=Path, help="a local mermaid.min.js to draw the charts")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    report = load_results(args.results)
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        page = work / "report.html"
        page.write_text(html.render(report), encoding="utf-8")
        # Headless Chromium paints only the viewport (the window less its frame): a taller
        # window, cut to the first 900 px a reviewer sees.
        shoot(page, args.out / "html-report.png", (1280, 1200), work / "p1")
        crop(args.out / "html-report.png", 900)
        comment = work / "comment.html"
        # As the action posts it: linking the HTML report's artifact (a sample run and id).
        sample_run = {"GITHUB_REPOSITORY": "acme/credit-risk", "GITHUB_RUN_ID": "4242"}
        link = from_env({**sample_run, ARTIFACT_ENV: "1234567"}).report_url
        markdown = pr_comment.render(report, report_url=link)
        comment.write_text(comment_page(markdown, args.mermaid), encoding="utf-8")
        shoot(comment, args.out / "pr-comment.png", (900, 2400), work / "p2")
        trim(args.out / "pr-comment.png")


if __name__ == "__main__":
    main()
