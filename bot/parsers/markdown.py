"""Markdown stories with optional YAML front matter, read as the rendered page shows them.

**Front matter** is a YAML mapping between a `---` line at the very top of the file and the
next `---` (or `...`) line; its keys are those of `bot.parsers.metadata_map`. It may not use
YAML's aliases (`*name`, merge keys among them), with which a few lines can stand for millions
of values, nor be longer than `MAX_METADATA_BYTES`: such a file is refused, as one with
broken front matter is, since what the front matter says (its rating above all) must not be
dropped.

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
code, since stories indent paragraphs (`bot.parsers.markdown_blocks`). Inline markup is
`inline_markdown`'s.

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

import bisect
import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence

import yaml
from lxml import etree

from bot.parsers.budget import MAX_METADATA_BYTES, spend, spend_markup
from bot.parsers.common import finish_chapters, is_break_line, title_from_filename
from bot.parsers.html_blocks import BlockBuilder
from bot.parsers.inline_markdown import inline_markdown, markdown_runs, split_paragraphs
from bot.parsers.markdown_blocks import Item, block_items
from bot.parsers.metadata_map import metadata_from_mapping
from bot.text.cleaning import clean, clean_references
from bot.text.decoding import decode_any
from bot.text.markup import normalize
from bot.text.story import SCENE_BREAK_BLOCK, Block, BlockKind, Run, Story, StoryError

# Whitespace around a line break; matched from the first space of a run only, since matching
# from every one of them is quadratic in a long run.
_LINE_BREAKS = re.compile(r"(?<!\s)\s*\n\s*")


def parse(data: bytes, name: str) -> Story:
    """Parse a `.md` story, in any text encoding (`bot.text.decoding.decode_any`).

    Raises `StoryError` for files that are not text or are empty, and for bad front matter.
    """
    decoded = decode_any(data)
    warnings: list[str] = [decoded.describe()] if decoded.describe() else []
    lines = clean(decoded.text).split("\n")
    mapping, body = _front_matter(lines)
    meta = metadata_from_mapping(
        mapping, fallback_title="", where="front matter", warnings=warnings
    )
    items = _read_html(block_items(lines[body:]))

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
    defined: list[tuple[int, Item]] = []  # footnotes, with the chapter that holds them
    for index, item in enumerate(items):
        if index == title_at:
            continue
        if item.kind == "heading" and item.level == chapter_level:
            drafts[-1][1].extend(notes.chapter_notes())
            drafts.append((_plain(item.text, notes.marker), []))
        elif item.kind == "footnote":
            defined.append((len(drafts) - 1, item))
        else:
            made = _blocks(item, notes.marker)
            spend(len(made) if item.kind != "blocks" else 0)  # HTML's were counted as made
            drafts[-1][1].extend(made)
    drafts[-1][1].extend(notes.chapter_notes())
    holder = _note_holder(drafts)
    for chapter, item in defined:
        if not notes.referenced(item):
            drafts[holder(chapter)][1].extend(_note_blocks(item.lines, ""))
    chapters = finish_chapters(drafts, warnings)
    return Story(meta=meta, chapters=chapters, warnings=tuple(warnings))


def _note_holder(drafts: Sequence[tuple[str, list[Block]]]) -> Callable[[int], int]:
    """Where a note nothing refers to goes, by the chapter that defines it: that chapter, or
    the nearest after it, then before it, that has story text, so that a note alone never
    makes a chapter of its own."""
    with_text = [
        index
        for index, (_, blocks) in enumerate(drafts)
        if any(block.kind is not BlockKind.NOTE for block in blocks)
    ]

    def holder(chapter: int) -> int:
        after = bisect.bisect_left(with_text, chapter)
        if after < len(with_text):
            return with_text[after]
        return with_text[after - 1] if after else chapter

    return holder


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing aliases: a few lines of `*name` can stand for millions
    of values (the "billion laughs"). Anchors alone (`&name`) are harmless and allowed."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise StoryError(
                "front matter uses YAML aliases (*name), which stories cannot use; "
                "write each value out"
            )
        return super().compose_node(parent, index)


def _front_matter(lines: Sequence[str]) -> tuple[dict, int]:
    """The front matter mapping and the index of the first line after it."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise StoryError("front matter: the opening '---' line has no closing '---' line")
    source = "\n".join(lines[1:end])
    size = len(source.encode())
    if size > MAX_METADATA_BYTES:
        raise StoryError(
            f"front matter is {size / 1024:.1f} KB, over the {MAX_METADATA_BYTES // 1024} KB limit"
        )
    try:
        mapping = yaml.load(source, Loader=_FrontMatterLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 2}" if mark else ""  # + 2: 1-based, after the `---`
        problem = exc.problem or exc.context or "malformed YAML"
        raise StoryError(f"front matter: invalid YAML{where}: {problem}") from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        # ValueError and OverflowError: numbers past what Python reads (`1` and 5,000 zeros).
        raise StoryError(f"front matter: invalid YAML: {exc}") from None
    if mapping is None:
        return {}, end + 1
    if not isinstance(mapping, dict):
        found = "a list" if isinstance(mapping, list) else f"{str(mapping)[:40]!r}"
        raise StoryError(f"front matter: expected 'key: value' lines, found {found}")
    return mapping, end + 1


def _read_html(items: Iterator[Item]) -> list[Item]:
    """The items, with each stretch of consecutive HTML blocks turned into story blocks."""
    out: list[Item] = []
    html: list[str] = []
    for item in items:
        if item.kind == "html":
            html.append(item.text)
            continue
        if html:
            out.append(Item("blocks", blocks=_html_blocks("\n\n".join(html))))
            html.clear()
        out.append(item)
    if html:
        out.append(Item("blocks", blocks=_html_blocks("\n\n".join(html))))
    return out


def _html_blocks(source: str) -> tuple[Block, ...]:
    """Story blocks from a passage of raw HTML, as a browser shows it."""
    data = clean_references(source).encode()
    spend_markup(data)
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


def _title_heading(items: Sequence[Item], front_title: str | None) -> int | None:
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

    def __init__(self, items: Sequence[Item]) -> None:
        self._definitions: dict[str, Item] = {}
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

    def referenced(self, item: Item) -> bool:
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


def _blocks(item: Item, marker: _Marker) -> list[Block]:
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
