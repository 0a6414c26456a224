"""Where the chapters of an HTML book start, and cutting a document into them.

An HTML book that is not an AO3 download marks its chapters with headings. The level used
again and again is the chapter level; a heading used once above it (the book's title) starts
no chapter. When each heading of that level is straight away followed by headings of a
deeper level that is used at least twice as often (Part One, then its chapters), both levels
start chapters, and a part's heading with no text of its own ends up above its first chapter
(see `bot.parsers.common.finish_chapters`).

`split` cuts a document at any elements, headings or the anchors an EPUB's navigation points
at, walking only into the elements that hold a start and converting everything else whole,
so the work stays linear in the size of the document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from bot.parsers.common import is_break_line, tidy_breaks
from bot.parsers.html_blocks import BlockBuilder, element_text
from bot.text.cleaning import clean
from bot.text.story import Block, BlockKind

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LEVELS = {name: int(name[1]) for name in HEADINGS}
# Titles of pages and sections that list the chapters rather than tell them.
_CONTENTS = re.compile(
    r"^(?:table\s+of\s+contents|contents|toc|índice|indice|sommaire|table\s+des\s+matières|"
    r"inhalt|inhaltsverzeichnis|inhoud|spis\s+treści|содержание|оглавление|目次|目录|目錄|"
    r"차례|목차)$",
    re.IGNORECASE,
)
# Titles a navigation gives to pages that come before the story and are not part of it.
_FRONT_PAGES = re.compile(r"^(?:title\s*page|cover|cover\s*page|title)$", re.IGNORECASE)
_TITLE_PUNCTUATION = frozenset(".:;,!?—–-")
# A link with a scheme (`https:`, `mailto:`) leads out of the book.
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# Block-level elements an anchor can stand for; an inline anchor starts the one it is in.
_BLOCKS = frozenset(
    (
        *HEADINGS, "p", "div", "section", "article", "blockquote", "pre", "li", "ul", "ol",
        "table", "tr", "dl", "dt", "dd", "header", "footer", "aside", "main", "figure",
        "center", "hr", "hgroup",
    )
)  # fmt: skip


def is_contents_title(title: str) -> bool:
    """Whether a heading or navigation title names a table of contents."""
    return bool(_CONTENTS.match(" ".join(title.split()).strip(" :.")))


def is_front_page_title(title: str) -> bool:
    """Whether a navigation title names a cover or title page."""
    return bool(_FRONT_PAGES.match(" ".join(title.split()).strip(" :.")))


def heading_text(heading: etree._Element) -> str:
    """A heading's text as a title; a line break inside it (`CHAPTER I<br/>THE STORM`)
    separates its parts: "CHAPTER I: THE STORM"."""
    lines: list[list[str]] = [[]]

    def walk(el: etree._Element) -> None:
        if el.text:
            lines[-1].append(el.text)
        for child in el:
            if child.tag == "br":
                lines.append([])
            elif isinstance(child.tag, str):
                walk(child)
            if child.tail:
                lines[-1].append(child.tail)

    walk(heading)
    title = ""
    for line in lines:
        text = " ".join(clean("".join(line)).split())
        if not text:
            continue
        if title:
            title += " " if title[-1] in _TITLE_PUNCTUATION else ": "
        title += text
    return title


def heading_starts(body: etree._Element) -> list[etree._Element]:
    """The headings in `body` that start chapters, in document order; [] for none."""
    headings = [
        el
        for el in body.iter(*HEADINGS)
        if (text := element_text(el))
        and not is_break_line(text)  # `<h3>* * *</h3>` is a scene break
        and not any(a.tag in ("nav", "aside") for a in el.iterancestors())
    ]
    counts = Counter(_LEVELS[el.tag] for el in headings)
    repeated = sorted(level for level, count in counts.items() if count >= 2)
    if not repeated:
        return []
    top = repeated[0]
    levels = {top}
    deeper = next((level for level in repeated if level > top), None)
    if deeper is not None and counts[deeper] >= 2 * counts[top]:
        followed = _followed_by(body, top, deeper)
        if followed * 2 >= counts[top]:
            levels.add(deeper)
    return [el for el in headings if _LEVELS[el.tag] in levels]


def _followed_by(body: etree._Element, top: int, deeper: int) -> int:
    """How many headings of level `top` have a heading of level `deeper` as the next thing."""
    count = 0
    waiting = False  # a `top` heading with nothing after it yet
    inside: etree._Element | None = None  # the heading being read
    for event, el in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if inside is not None:
                continue
            level = _LEVELS.get(el.tag)
            if level is not None:
                if waiting and level == deeper and element_text(el):
                    count += 1
                waiting = level == top
                inside = el
            elif el.text and el.text.strip():
                waiting = False
        else:
            if el is inside:
                inside = None
            elif inside is not None:
                continue
            if el.tail and el.tail.strip():
                waiting = False
    return count


def link_share(element: etree._Element) -> tuple[int, float]:
    """`(links, share)`: how many links into the book `element` holds and how much of its
    text outside headings is their text. A table of contents is almost all links."""
    links = 0
    linked = 0
    for a in element.iter("a"):
        href = a.get("href")
        if href and not _SCHEME.match(href):
            links += 1
            linked += len("".join(element_text(a).split()))
    if not links:
        return 0, 0.0
    total = len("".join(element_text(element).split()))
    headings = sum(len("".join(element_text(h).split())) for h in element.iter(*HEADINGS))
    rest = total - headings
    if rest <= 0:
        return links, 1.0 if links else 0.0
    return links, min(1.0, linked / rest)


def is_link_list(element: etree._Element) -> bool:
    """Whether `element` is a list of links (a table of contents), not text."""
    links, share = link_share(element)
    return links >= 1 and share >= 0.8


def anchor_element(element: etree._Element, body: etree._Element) -> etree._Element:
    """The block an anchor stands for: the anchor itself, or the block an inline anchor opens.

    An inline anchor loose in the body becomes a block of its own, so that a chapter can
    start at it without cutting a paragraph in two.
    """
    el = element
    while el is not body and el.tag not in _BLOCKS:
        parent = el.getparent()
        if parent is None or parent is body:
            el.tag = "div"
            return el
        el = parent
    return el


@dataclass(frozen=True, slots=True)
class Start:
    """Where a chapter starts: its title, and whether the element itself is the title."""

    title: str
    is_title: bool = False


class _Collector:
    """Blocks of one chapter, from elements converted as story text or as notes."""

    def __init__(self) -> None:
        self._done: list[Block] = []
        self._kind = BlockKind.PARAGRAPH
        self._builder = BlockBuilder()

    def _switch(self, kind: BlockKind) -> BlockBuilder:
        if kind is not self._kind:
            self._done.extend(self._builder.blocks())
            self._kind = kind
            self._builder = BlockBuilder(kind)
        return self._builder

    def add(self, elements: list[etree._Element]) -> None:
        """Convert sibling `elements` as story text, each with the text that follows it."""
        self._switch(BlockKind.PARAGRAPH).add_all(elements)

    def add_note(self, element: etree._Element) -> None:
        """Convert `element` as a note, without the text that follows it."""
        self._switch(BlockKind.NOTE).add(element)

    def add_text(self, text: str) -> None:
        self._switch(BlockKind.PARAGRAPH).add_text(text)

    def blocks(self) -> tuple[Block, ...]:
        last = self._builder.blocks()
        return tidy_breaks([*self._done, *last]) if self._done else last


def split(
    body: etree._Element,
    starts: Mapping[etree._Element, Start],
    *,
    notes: Collection[etree._Element] = (),
) -> list[tuple[str | None, tuple[Block, ...]]]:
    """`(title, blocks)` for each stretch of `body` from one start to the next.

    The first stretch, before any start, has the title None (it may be empty). A start that
    `is_title` is left out of its chapter's text. The elements in `notes` become note blocks.
    """
    containers = {
        ancestor for el in (*starts, *notes) for ancestor in el.iterancestors()
    }
    sections: list[tuple[str | None, _Collector]] = [(None, _Collector())]
    plain: list[etree._Element] = []  # siblings converted together, for speed

    def flush() -> None:
        if plain:
            sections[-1][1].add(plain)
            plain.clear()

    def walk(container: etree._Element) -> None:
        if container.text and not container.text.isspace():
            sections[-1][1].add_text(container.text)
        for el in container:
            if not isinstance(el.tag, str) or (
                el not in containers and el not in starts and el not in notes
            ):
                plain.append(el)
                continue
            flush()
            start = starts.get(el)
            if start is not None:
                sections.append((start.title, _Collector()))
            if start is None or not start.is_title:
                if el in containers:
                    walk(el)
                elif el in notes:
                    sections[-1][1].add_note(el)
                else:
                    plain.append(el)
                    continue
            tail = el.tail
            if tail and not tail.isspace():
                sections[-1][1].add_text(tail)
        flush()

    if starts or notes:
        walk(body)
    else:  # nothing to cut at: the whole document in one go
        collector = sections[0][1]
        if body.text and not body.text.isspace():
            collector.add_text(body.text)
        collector.add(list(body))
    return [(title, collector.blocks()) for title, collector in sections]


def without_elements(elements: Iterable[etree._Element]) -> None:
    """Remove `elements` from their documents, keeping the text that follows each."""
    for el in elements:
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail
        previous = el.getprevious()
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(el)
