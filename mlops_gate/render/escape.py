"""Make untrusted text (column names, group values, messages) inert in Markdown and HTML.

Anything that came from data, a model or a pull request may try to inject a link, an image, an
@mention, a table break or raw HTML into a report a reviewer trusts; these helpers neutralise all of
them while keeping the text readable.
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_URL_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data):")


def markdown_text(text: object, *, limit: int = 300) -> str:
    """Escape for a Markdown table cell or paragraph: one line, no markup, no mention, no autolink."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = html.escape(value, quote=True)
    value = _MARKDOWN_SPECIALS.sub(r"\\\1", value)
    value = _MENTION.sub("@\u200b", value)  # a zero-width space breaks the mention
    return _URL_SCHEME.sub(lambda m: m.group(1) + "\u200b:", value)


def code_span(text: object, *, limit: int = 120) -> str:
    """Inline code that cannot be closed early by a backtick in the value."""
    value = str(text).replace("\n", " ").replace("`", "'")
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"`{html.escape(value)}`"
