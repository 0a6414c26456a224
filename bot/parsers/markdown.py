"""Markdown stories with optional YAML front matter, read as the rendered page shows them.

**Front matter** is a YAML mapping between a `---` line at the very top of the file and the
next `---` (or `...`) line; its keys are those of `bot.parsers.metadata_map`.

**Chapters.** The shallowest heading level the file uses is the chapter level, and deeper
headings become heading blocks inside their chapter. One exception makes the usual book
layout work: when the shallowest level is used exactly once, by the first heading of the file,
with no text before it, that heading is the book's title (`# Title` over `## Chapter`
headings). It names the story unless the front matter does; it stands alone only as long as
the front matter gives no other title, since `# Chapter One` over a one-chapter story with a
titled front matter is a chapter title. Text before the first chapter heading is an untitled
chapter.

**Blocks.** Paragraphs are separated by blank lines; their lines join with a space, and a line
ending in two spaces or a backslash, or one starting a list item, starts a new line. A line
of `---`, `***`, `___`, `* * *`, `~~~` or any other scene-break ornament is a scene break,
even straight under a paragraph line (setext `---` headings are not supported: in a story
that line is a break far more often than a heading). `> ` quotes become ordinary paragraphs,
fenced code blocks (```) literal paragraphs, and indentation is ignored rather than read as
code, since stories indent paragraphs. Inline markup is `inline_markdown`'s.

**Raw HTML** blocks (CommonMark's rules: a block-level tag, a comment, or a lone complete tag
opening a line, up to the next blank line) read as a browser shows them, through
`bot.parsers.html_blocks`; consecutive HTML blocks are read as one document, so an element
may span blank lines. HTML headings are headings inside their chapter, never chapters.

**Footnotes.** A reference `[^label]` shows as `[1]`, numbered by first reference within its
chapter, and the definition `[^label]: text` (continued by indented lines, and by the lines
straight after it) becomes a note block at the end of each chapter that refers to it, as
`[1] text`. A definition nothing refers to stays a note where it was defined; a reference
with no definition stays as written.

**Pandoc extras.** Attribute blocks (`# Heading {#id}`, a line of `{.class}`) and the fences
of `::: name` … `:::` divs are not shown; the div's content is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import yaml
from lxml import etree

from bot.parsers.common import finish_chapters, is_break_line, title_from_filename
from bot.parsers.html_blocks import BlockBuilder, clean_references
from bot.parsers.inline_markdown import (
    ATTRIBUTES,
    HTML_ELEMENTS,
    HTML_TAG,
    inline_markdown,
    markdown_runs,
    split_paragraphs,
)
from bot.parsers.metadata_map import metadata_from_mapping
from bot.text.decoding import clean, decode_any
from bot.text.markup import normalize
from bot.text.story import SCENE_BREAK_BLOCK, Block, BlockKind, Run, Story, StoryError

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*")
_THEMATIC = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})")
_FENCE = re.compile(r" {0,3}(`{3,})[^`]*")
# Quote markers, matched all at once: peeling them one by one is quadratic in a deep quote.
_QUOTES = re.compile(r"(?: {0,3}> ?)+")
_FOOTNOTE = re.compile(r" {0,3}\[\^([^\]\s]{1,200}+)\]:[ \t]*+(.*)")
_DIV_FENCE = re.compile(r" {0,3}:{3,}+[ \t]*+(.*?)[ \t]*")
_ATTRIBUTE_LINE = re.compile(rf" {{0,3}}(?:{ATTRIBUTES}|\{{:[^{{}}\n]{{0,500}}\}})[ \t]*")
_ATTRIBUTE_END = re.compile(rf"[ \t]+{ATTRIBUTES}$")
_LINE_BREAKS = re.compile(r"\s*\n\s*")

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



class _Item(NamedTuple):
    """One block-level element of the file."""

    kind: str  # "heading", "paragraph", "code", "break", "html", "footnote" or "blocks"
    text: str = ""  # a heading's Markdown, a code block's text, HTML, a footnote's label
    lines: tuple[str, ...] = ()  # a paragraph's source lines, a footnote's body
    level: int = 0  # a heading's level
    blocks: tuple[Block, ...] = ()  # what HTML gave


def parse(data: bytes, name: str) -> Story:
    """Parse a `.md` story, in any text encoding (`bot.textio.decode_any`).

    Raises `StoryError` for files that are not text or are empty, and for bad front matter.
    """
    decoded = decode_any(data)
    warnings: list[str] = [decoded.describe()] if decoded.describe() else []
    lines = clean(decoded.text).split("\n")
    mapping, body = _front_matter(lines)
    meta = metadata_from_mapping(
        mapping, fallback_title="", where="front matter", warnings=warnings
    )
    items = _read_html(_items(lines[body:]))

    title_at = _title_heading(items, meta.title)
    if title_at is not None:
        heading = _plain(items[title_at].text)
        if not meta.title:
            meta = dataclasses.replace(meta, title=heading)
        elif not _same(meta.title, heading):
            warnings.append(
                f"the title heading {heading!r} differs from the front matter title; "
                "the front matter title is used"
            )
    if not meta.title:
        meta = dataclasses.replace(meta, title=title_from_filename(name))

    levels = [item.level for item in items if item.kind == "heading"]
    if title_at is not None:
        levels.remove(items[title_at].level)
    chapter_level = min(levels, default=0)

    notes = _Notes(items)
    drafts: list[tuple[str, list[Block]]] = [("", [])]
    defined: list[tuple[int, _Item]] = []  # footnotes, with the chapter that holds them
    for index, item in enumerate(items):
        if index == title_at:
            continue
        if item.kind == "heading" and item.level == chapter_level:
            drafts[-1][1].extend(notes.chapter_notes())
            drafts.append((_plain(item.text, notes.marker), []))
        elif item.kind == "footnote":
            defined.append((len(drafts) - 1, item))
        else:
            drafts[-1][1].extend(_blocks(item, notes.marker))
    drafts[-1][1].extend(notes.chapter_notes())
    for chapter, item in defined:
        if not notes.referenced(item):
            drafts[_holder(drafts, chapter)][1].extend(_note_blocks(item.lines, ""))
    chapters = finish_chapters(drafts, warnings)
    return Story(meta=meta, chapters=chapters, warnings=tuple(warnings))


def _holder(drafts: Sequence[tuple[str, list[Block]]], chapter: int) -> int:
    """The chapter that keeps a note nothing refers to, defined in `chapter`: that one, or the
    nearest after it, then before it, that has story text, so that a note alone never makes
    a chapter of its own."""
    for index in (*range(chapter, len(drafts)), *range(chapter - 1, -1, -1)):
        if any(block.kind is not BlockKind.NOTE for block in drafts[index][1]):
            return index
    return chapter


def _front_matter(lines: Sequence[str]) -> tuple[dict, int]:
    """The front matter mapping and the index of the first line after it."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise StoryError("front matter: the opening '---' line has no closing '---' line")
    try:
        mapping = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 2}" if mark else ""  # + 2: 1-based, after the `---`
        problem = exc.problem or exc.context or "malformed YAML"
        raise StoryError(f"front matter: invalid YAML{where}: {problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise StoryError(f"front matter: invalid YAML: {exc}") from None
    if mapping is None:
        return {}, end + 1
    if not isinstance(mapping, dict):
        found = "a list" if isinstance(mapping, list) else f"{str(mapping)[:40]!r}"
        raise StoryError(f"front matter: expected 'key: value' lines, found {found}")
    return mapping, end + 1


# --------------------------------------------------------------------------------------------
# Block structure
# --------------------------------------------------------------------------------------------


def _unquote(line: str) -> tuple[str, int]:
    """A line without its `>` quote markers, and how deep the quote is."""
    quotes = _QUOTES.match(line)
    if quotes is None:
        return line, 0
    return line[quotes.end() :], quotes.group().count(">")


def _items(lines: Sequence[str]) -> Iterator[_Item]:
    """The block-level elements of the Markdown body, in order."""
    paragraph: list[str] = []
    depth = 0  # blockquote depth of the paragraph being collected
    divs = 0  # fenced divs open

    def flush() -> Iterator[_Item]:
        if paragraph:
            yield _Item("paragraph", lines=tuple(paragraph))
            paragraph.clear()

    i, n = 0, len(lines)
    while i < n:
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
            yield _Item("code", "\n".join(code).strip("\n"))
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
            yield _Item("footnote", note[1], lines=body)
            continue
        if first == ":" and (div := _DIV_FENCE.fullmatch(line)):
            opening = bool(div[1].strip(":"))
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
                yield _Item("html", html)
                continue
        if is_break_line(stripped) or _THEMATIC.fullmatch(line):
            yield from flush()
            yield _Item("break")
            continue
        heading = _ATX.fullmatch(line) if level == 0 and first == "#" else None
        if heading:
            yield from flush()
            yield _Item("heading", _without_attributes(heading[2] or ""), level=len(heading[1]))
            continue
        paragraph.append(line)
    yield from flush()


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
        or _ATX.fullmatch(line)
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


def _read_html(items: Iterator[_Item]) -> list[_Item]:
    """The items, with each stretch of consecutive HTML blocks turned into story blocks."""
    out: list[_Item] = []
    html: list[str] = []
    for item in items:
        if item.kind == "html":
            html.append(item.text)
            continue
        if html:
            out.append(_Item("blocks", blocks=_html_blocks("\n\n".join(html))))
            html.clear()
        out.append(item)
    if html:
        out.append(_Item("blocks", blocks=_html_blocks("\n\n".join(html))))
    return out


def _html_blocks(source: str) -> tuple[Block, ...]:
    """Story blocks from a passage of raw HTML, as a browser shows it."""
    data = clean_references(source).encode()
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    root = etree.fromstring(data, parser) if data.strip() else None
    body = root.find("body") if root is not None else None
    if body is None:
        return ()
    builder = BlockBuilder()
    builder.add(body)
    # Untidied: a scene break at either end of the passage still stands between the
    # Markdown paragraphs around it; the chapter is tidied as a whole later.
    return builder.blocks(tidy=False)


def _title_heading(items: Sequence[_Item], front_title: str | None) -> int | None:
    """The index of the book-title heading, if the file has one (see the module docstring)."""
    headings = [i for i, item in enumerate(items) if item.kind == "heading"]
    if not headings:
        return None
    first = headings[0]
    top = min(items[i].level for i in headings)
    if items[first].level != top or sum(items[i].level == top for i in headings) != 1:
        return None
    if any(item.kind in ("paragraph", "code") or item.blocks for item in items[:first]):
        return None
    if len(headings) > 1 or not front_title:
        return first
    return first if _same(front_title, _plain(items[first].text)) else None


# --------------------------------------------------------------------------------------------
# Story blocks
# --------------------------------------------------------------------------------------------


# Turns a footnote reference's label into the marker shown for it (None: no such note).
_Marker = Callable[[str], str | None]


class _Notes:
    """The footnote definitions of a file, numbered chapter by chapter as references meet them."""

    def __init__(self, items: Sequence[_Item]) -> None:
        self._definitions: dict[str, _Item] = {}
        for item in items:
            if item.kind == "footnote":
                # As for link references, the first definition of a label is the one used.
                self._definitions.setdefault(item.text.casefold(), item)
        self._numbers: dict[str, int] = {}  # the open chapter's references, in order
        self._used: set[str] = set()

    def marker(self, label: str) -> str | None:
        """The marker for a reference to `label`; None when no note has that label."""
        key = label.casefold()
        if key not in self._definitions:
            return None
        number = self._numbers.setdefault(key, len(self._numbers) + 1)
        self._used.add(key)
        return f"[{number}]"

    def chapter_notes(self) -> list[Block]:
        """The notes the chapter just finished refers to, in order; numbering starts again."""
        blocks: list[Block] = []
        for key, number in self._numbers.items():
            blocks += _note_blocks(self._definitions[key].lines, f"[{number}] ")
        self._numbers = {}
        return blocks

    def referenced(self, item: _Item) -> bool:
        """Whether this definition is the one a reference anywhere in the file showed."""
        key = item.text.casefold()
        return key in self._used and self._definitions[key] is item


def _note_blocks(lines: Sequence[str], marker: str) -> list[Block]:
    """Note blocks from a footnote's lines, the first one opening with `marker`."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    for line in (*lines, ""):
        if line.strip(" \t"):
            paragraph.append(line)
            continue
        if paragraph:
            for runs, _ in split_paragraphs(markdown_runs(paragraph)):
                if marker and not blocks:
                    runs = normalize((Run(marker), *runs))
                blocks.append(Block(BlockKind.NOTE, runs))
            paragraph.clear()
    return blocks


def _blocks(item: _Item, marker: _Marker) -> list[Block]:
    """The story blocks of one item; `marker` numbers footnote references."""
    if item.kind == "break":
        return [SCENE_BREAK_BLOCK]
    if item.kind == "blocks":
        return list(item.blocks)
    if item.kind == "code":
        return [Block(BlockKind.PARAGRAPH, (Run(item.text),))] if item.text.strip() else []
    if item.kind == "heading":
        runs = inline_markdown(item.text, marker)
        if any("\n" in run.text for run in runs):
            runs = tuple(Run(_LINE_BREAKS.sub(" ", run.text), run.style) for run in runs)
        return [Block(BlockKind.HEADING, runs)] if runs else []
    blocks = []
    for runs, plain in split_paragraphs(markdown_runs(item.lines, marker)):
        if is_break_line(plain):
            blocks.append(SCENE_BREAK_BLOCK)
        else:
            blocks.append(Block(BlockKind.PARAGRAPH, runs))
    return blocks


def _plain(markdown: str, marker: _Marker | None = None) -> str:
    return " ".join("".join(run.text for run in inline_markdown(markdown, marker)).split())


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
