"""Markdown's block structure: a file's lines cut into headings, paragraphs, code blocks,
scene breaks, raw HTML blocks and footnote definitions, with blockquote markers, the fences
of pandoc's divs and its attribute blocks left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from bot.parsers.budget import spend
from bot.parsers.common import is_break_line
from bot.parsers.inline_markdown import ATTRIBUTES
from bot.parsers.markdown_html import HTML_ELEMENTS, HTML_TAG
from bot.text.story import Block

# A heading's opening; the rest of the line is its text (see `_atx`).
_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
# Possessive, as the quote markers below: a pattern that can backtrack keeps a note for every
# repeat, hundreds of megabytes on a long line.
_THEMATIC = re.compile(r" {0,3}(?:(?:\*[ \t]*+){3,}+|(?:-[ \t]*+){3,}+|(?:_[ \t]*+){3,}+)")
_FENCE = re.compile(r" {0,3}(`{3,})[^`]*")
# Quote markers, matched all at once: peeling them one by one is quadratic in a deep quote.
_QUOTES = re.compile(r"(?: {0,3}+> ?+)++")
_FOOTNOTE = re.compile(r" {0,3}\[\^([^\]\s]{1,200}+)\]:[ \t]*+(.*)")
_DIV_FENCE = re.compile(r" {0,3}:{3,}+[ \t]*+(.*)")
_ATTRIBUTE_LINE = re.compile(rf" {{0,3}}(?:{ATTRIBUTES}|\{{:[^{{}}\n]{{0,500}}\}})[ \t]*")
# The lookbehind starts a search only at the first space of a run: starting at every one
# would make a long run of spaces quadratic.
_ATTRIBUTE_END = re.compile(rf"(?<![ \t])[ \t]+{ATTRIBUTES}$")

# CommonMark's HTML blocks: the tags that open one that runs to a blank line, and the raw
# text elements whose block runs to their closing tag.
_HTML_BLOCK_TAGS = frozenset(
    (
        "address", "article", "aside", "base", "basefont", "blockquote", "body", "caption",
        "center", "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2",
        "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "iframe", "legend", "li", "link",
        "main", "menu", "menuitem", "nav", "noframes", "ol", "optgroup", "option", "p", "param",
        "search", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title",
        "tr", "track", "ul",
    )
)  # fmt: skip
_RAW_TEXT_TAGS = frozenset(("pre", "script", "style", "textarea"))
_HTML_OPENING = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9\-]*+)(?=[ \t>]|/>|$)")
_RAW_TEXT_END = re.compile(r"</(?:pre|script|style|textarea)>", re.IGNORECASE)
# The ends of comments, processing instructions and CDATA.
_HTML_ENDS = (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>"))
# How an HTML block ends: on the line holding this text, matching this pattern, or, for "",
# before a blank line.
_Ending = str | re.Pattern[str]

# What a line that is more than paragraph text can start with: a footnote, a div fence, an
# attribute block, HTML, a heading, and every character a scene-break line can start with
# (see `is_break_line`).
_BLOCK_STARTS = frozenset("[:{<#*~-_=+•·⁂※§◇◆✦✧❖oOxX0")


class Item(NamedTuple):
    """One block-level element of the file."""

    kind: str  # "heading", "paragraph", "code", "break", "html", "footnote" or "blocks"
    text: str = ""  # a heading's Markdown, a code block's text, HTML, a footnote's label
    lines: tuple[str, ...] = ()  # a paragraph's source lines, a footnote's body
    level: int = 0  # a heading's level
    blocks: tuple[Block, ...] = ()  # what HTML gave


def _unquote(line: str) -> tuple[str, int]:
    """A line without its `>` quote markers, and how deep the quote is."""
    quotes = _QUOTES.match(line)
    if quotes is None:
        return line, 0
    return line[quotes.end() :], quotes.group().count(">")


def block_items(lines: Sequence[str]) -> Iterator[Item]:
    """The block-level elements of the Markdown body, in order."""
    paragraph: list[str] = []
    depth = 0  # blockquote depth of the paragraph being collected
    divs = 0  # fenced divs open

    def flush() -> Iterator[Item]:
        if paragraph:
            yield Item("paragraph", lines=tuple(paragraph))
            paragraph.clear()

    i, n = 0, len(lines)
    while i < n:
        spend()
        raw = lines[i]
        i += 1
        fence = _FENCE.fullmatch(raw) if "`" in raw[:4] else None
        if fence:
            yield from flush()
            close = re.compile(f" {{0,3}}`{{{len(fence[1])},}}[ \t]*")
            code: list[str] = []
            while i < n and not close.fullmatch(lines[i]):
                code.append(lines[i].rstrip())
                i += 1
            i += 1
            yield Item("code", "\n".join(code).strip("\n"))
            continue
        line, level = _unquote(raw) if ">" in raw[:4] else (raw, 0)
        stripped = line.strip(" \t")
        if not stripped:
            yield from flush()
            continue
        if level != depth:
            yield from flush()
            depth = level
        first = stripped[0]
        if first not in _BLOCK_STARTS:  # most lines of a story
            paragraph.append(line)
            continue
        if first == "[" and level == 0 and (note := _FOOTNOTE.fullmatch(line)):
            yield from flush()
            body, i = _footnote_body(note[2], lines, i)
            yield Item("footnote", note[1], lines=body)
            continue
        if first == ":" and (div := _DIV_FENCE.fullmatch(line)):
            opening = bool(div[1].rstrip(" \t").strip(":"))
            if opening or divs:
                # A fenced div's fences go; what the div holds stays.
                divs += 1 if opening else -1
                yield from flush()
                continue
        if first == "{" and _ATTRIBUTE_LINE.fullmatch(line):
            yield from flush()
            continue
        if first == "<":
            ending = _html_block(line, interrupting=bool(paragraph))
            if ending is not None:
                yield from flush()
                html, i = _html_lines(line, ending, lines, i, level)
                yield Item("html", html)
                continue
        if is_break_line(stripped) or _THEMATIC.fullmatch(line):
            yield from flush()
            yield Item("break")
            continue
        heading = _atx(line) if level == 0 and first == "#" else None
        if heading:
            yield from flush()
            yield Item("heading", _without_attributes(heading[1]), level=heading[0])
            continue
        paragraph.append(line)
    yield from flush()


def _atx(line: str) -> tuple[int, str] | None:
    """The level and text of an ATX heading line (`## Title ##`), or None.

    The closing run of `#` goes when a space comes before it. Done by hand: a pattern for the
    text and the closing run together backtracks through every space of a long run of them.
    """
    opening = _ATX.match(line)
    if opening is None:
        return None
    text = line[opening.end() :].strip(" \t")
    bare = text.rstrip("#")
    if not bare:
        text = ""
    elif len(bare) < len(text) and bare[-1] in " \t":
        text = bare.rstrip(" \t")
    return len(opening[1]), text


def _without_attributes(heading: str) -> str:
    """A heading's text without a trailing attribute block, `Title {#id .class}`."""
    if heading.endswith("}") and (attributes := _ATTRIBUTE_END.search(heading)):
        return heading[: attributes.start()]
    return heading


def _html_block(line: str, *, interrupting: bool) -> _Ending | None:
    """How the HTML block that `line` opens ends, or None if it opens none.

    The end is a string the last line holds, a pattern it matches, or "" for a blank line.
    A lone tag of any element opens a block too, but cannot interrupt a paragraph.
    """
    text = line.lstrip(" ")
    if len(line) - len(text) > 3 or not text.startswith("<"):
        return None
    for opener, closer in _HTML_ENDS:
        if text.startswith(opener):
            return closer
    if text.startswith("<!") and text[2:3].isascii() and text[2:3].isalpha():
        return ">"
    opening = _HTML_OPENING.match(text)
    if opening:
        name = opening[2].lower()
        if not opening[1] and name in _RAW_TEXT_TAGS:
            return _RAW_TEXT_END
        if name in _HTML_BLOCK_TAGS:
            return ""
    if interrupting:
        return None
    tag = HTML_TAG.match(text)
    if tag is None or text[tag.end() :].strip(" \t"):
        return None
    name = (tag[1] or tag[3]).lower()
    if (name in HTML_ELEMENTS or "-" in name) and not (tag[1] and name in _RAW_TEXT_TAGS):
        return ""
    return None


def _html_ends(line: str, ending: _Ending) -> bool:
    if isinstance(ending, str):
        return ending in line if ending else not line.strip(" \t")
    return ending.search(line) is not None


def _html_lines(
    first: str, ending: _Ending, lines: Sequence[str], i: int, level: int
) -> tuple[str, int]:
    """An HTML block's source from its first line on, and the index of the line after it."""
    block = [first]
    if ending and _html_ends(first, ending):
        return first, i
    while i < len(lines):
        line = lines[i]
        if level:
            line, inner = _unquote(line)
            if inner != level:
                break
        if ending == "" and _html_ends(line, ending):
            break
        block.append(line)
        i += 1
        if ending and _html_ends(line, ending):
            break
    return "\n".join(block), i


def _indent(line: str) -> int:
    """Columns of indentation, with tabs to the next multiple of four."""
    columns = 0
    for char in line:
        if char == " ":
            columns += 1
        elif char == "\t":
            columns += 4 - columns % 4
        else:
            break
    return columns


def _starts_block(line: str) -> bool:
    """Whether `line` starts a block of its own rather than continuing a paragraph."""
    stripped = line.strip(" \t")
    return bool(
        _FOOTNOTE.fullmatch(line)
        or _atx(line)
        or _FENCE.fullmatch(line)
        or stripped.startswith((">", ":::"))
        or is_break_line(stripped)
        or _THEMATIC.fullmatch(line)
        or _html_block(line, interrupting=True) is not None
    )


def _footnote_body(first: str, lines: Sequence[str], i: int) -> tuple[tuple[str, ...], int]:
    """A footnote definition's lines, from the text after `[^label]:` on; and the index of the
    line after it.

    Indented lines continue the note, across blank lines too; unindented lines straight after
    its text continue it as well, unless they start a block of their own.
    """
    body = [first] if first.strip(" \t") else []
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip(" \t"):
            after = i + 1
            while after < n and not lines[after].strip(" \t"):
                after += 1
            if after < n and _indent(lines[after]) >= 4:
                body.append("")
                i = after
                continue
            break
        if _indent(line) >= 4:
            body.append(line.strip(" \t"))
        elif body and body[-1] and not _starts_block(line):
            body.append(line)
        else:
            break
        i += 1
    return tuple(body), i
