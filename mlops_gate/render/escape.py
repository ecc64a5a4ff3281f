"""Make untrusted text (column names, group values, messages) inert in every sink.

Anything that came from data, a model or a pull request may try to inject a link, an image, an
@mention, a table break or raw HTML into a report a reviewer trusts, or terminal escapes, bidi
overrides and line breaks into a log a CI runner parses (a line that starts `::error` is a
workflow command in GitHub Actions). These helpers neutralise all of them while keeping the text
readable: `visible` for plain text (terminal, `error:` lines, JUnit), `markdown_text` and
`code_span` for Markdown.
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_URL_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data):")
# C0 controls, DEL, C1 controls; bidi embeddings, overrides and isolates (Trojan Source,
# CVE-2021-42574), the bidi marks, and the Unicode line and paragraph separators.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# Not characters at all in XML 1.0 (lone surrogates, U+FFFE, U+FFFF): a parser rejects them.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def visible(text: object, *, keep: str = "") -> str:
    """`text` with every control, bidi and line-separator character shown as an escape.

    ESC becomes the four characters `\\x1b`, U+202E becomes `\\u202e`, a line feed `\\n`:
    the text stays on one line, cannot colour, move or clear a terminal, reorder what is shown,
    or start a line of its own (such as a forged `::error` workflow command). Characters in
    `keep` (say `"\\n\\t"` for a multi-line body) are left as they are.
    """
    return _INVISIBLE.sub(lambda m: m[0] if m[0] in keep else _escaped(m[0]), str(text))


def xml_text(text: object) -> str:
    """`visible(text)`, also without the code points XML 1.0 cannot hold (for JUnit)."""
    return _NOT_XML.sub(lambda m: _escaped(m[0]), visible(text))


def _escaped(char: str) -> str:
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in special:
        return special[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def markdown_text(text: object, *, limit: int = 300) -> str:
    """Escape for a Markdown table cell or paragraph: one line, no markup, no mention, no autolink."""
    value = visible(str(text).replace("\r", " ").replace("\n", " "))
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = html.escape(value, quote=True)
    value = _MARKDOWN_SPECIALS.sub(r"\\\1", value)
    value = _MENTION.sub("@\u200b", value)  # a zero-width space breaks the mention
    return _URL_SCHEME.sub(lambda m: m.group(1) + "\u200b:", value)


def code_span(text: object, *, limit: int = 120) -> str:
    """Inline code that cannot be closed early by a backtick in the value."""
    value = visible(str(text).replace("\n", " ").replace("`", "'"))
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"`{html.escape(value)}`"


def html_text(text: object) -> str:
    """`text` for HTML and SVG: controls and bidi overrides made visible (`visible`), then
    `html.escape` (quotes included, so it is safe in attribute values too)."""
    import html

    return html.escape(visible(str(text)))
