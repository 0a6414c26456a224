"""Project Gutenberg's wrapping cut out of HTML and EPUB documents.

Project Gutenberg's HTML books put their header and licence in the page itself: newer files
in `section#pg-header` and `section#pg-footer`, older ones in `<pre>`, `<p>` or `<div>`
elements, with the `*** START OF … ***` and `*** END OF … ***` markers among them. Its EPUBs
add documents before and after. Whatever the markup, the book is what lies between the two
markers: `unwrap` finds the text that holds each marker (see `bot.parsers.gutenberg`), cuts
the documents there, and reads the header's fields from what it cut away.

A point in a tree is an element and one of its two text slots, `text` (before its children)
or `tail` (after the element), with an offset into that text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from lxml import etree

from bot.parsers import gutenberg
from bot.parsers.html_blocks import BlockBuilder, element_text
from bot.text.story import BlockKind, Chapter

_STRING = etree.XPath("string()", smart_strings=False)
# Credits right after the start marker, up to the next blank line.
_CREDITS = re.compile(
    r"\s*(?:Produced|Transcribed|Prepared|E-?text\s+prepared)[ \t]+by\b.*?(?:\n[ \t]*\n|\Z)",
    re.IGNORECASE | re.DOTALL,
)
# An element whose whole text is a marker line is cut out whole with it.
_MARKER_LINE_CHARS = 300

_Point = tuple[etree._Element, str, int]


class _Found(NamedTuple):
    """Where a marker was found: the element, its text slot, the match and the pattern."""

    element: etree._Element
    slot: str
    match: re.Match[str]
    marker: re.Pattern[str]


def unwrap(bodies: Sequence[etree._Element]) -> dict[str, str] | None:
    """Cut Project Gutenberg's header and licence out of `bodies`, in place.

    `bodies` are a book's documents in reading order. Returns the header's fields (see
    `bot.parsers.gutenberg.header_fields`), or None, with nothing changed, for a book
    without a start marker.
    """
    # The marker names Project Gutenberg: a quick look at the text passes over other books.
    found = (
        (index, _find(body, gutenberg.START))
        for index, body in enumerate(bodies)
        if _mentions(body)
    )
    first, start = next(((i, mark) for i, mark in found if mark is not None), (0, None))
    if start is None:
        return None
    # The header as lines: text cut out of a `<pre>` keeps its own line breaks.
    header: list[str] = []
    for body in bodies[:first]:
        header.append(_lines(body))
        _clear(body)
    for piece in _cut_before(bodies[first], _after(start)):
        if isinstance(piece, str):
            header.append(piece)
        else:
            header += [_lines(piece), piece.tail or ""]
    fields = gutenberg.header_fields("\n".join(header))
    for index in range(first, len(bodies)):
        end = _find(bodies[index], gutenberg.END)
        if end is not None:
            _cut_after(bodies[index], _before(end))
            for body in bodies[index + 1 :]:
                _clear(body)
            break
    return fields


def _mentions(body: etree._Element) -> bool:
    """Whether the text names Gutenberg, as the markers do: a quick look that passes over
    other books (substring tests are many times faster than an expression on a long text)."""
    text = _STRING(body)
    return "UTENBERG" in text or "utenberg" in text


def tidy(chapters: list[Chapter]) -> list[Chapter]:
    """Chapters without the credits line after the start marker and the "End of the Project
    Gutenberg EBook" line before the end marker, where they stand as paragraphs of their own."""
    if chapters and chapters[0].blocks:
        first = chapters[0].blocks[0]
        credits = _CREDITS.match(first.plain + "\n\n")
        if first.kind is not BlockKind.BREAK and credits and credits.end() > len(first.plain):
            chapters[0] = Chapter(chapters[0].title, chapters[0].blocks[1:])
    if chapters and chapters[-1].blocks:
        last = chapters[-1].blocks[-1]
        if last.kind is not BlockKind.BREAK and gutenberg.END_LINE.fullmatch(last.plain):
            chapters[-1] = Chapter(chapters[-1].title, chapters[-1].blocks[:-1])
    return [chapter for chapter in chapters if chapter.blocks]


def _find(body: etree._Element, marker: re.Pattern[str]) -> _Found | None:
    """The first text in `body`, in document order, that holds `marker`."""
    for event, el in etree.iterwalk(body, events=("start", "end")):
        slot = "text" if event == "start" else "tail"
        if el is body and slot == "tail":
            break
        text = el.text if slot == "text" else el.tail
        if text and isinstance(el.tag, str):
            match = marker.search(text)
            if match is not None:
                return _Found(el, slot, match, marker)
    return None


def _whole_line(found: _Found) -> bool:
    """Whether the marker's element holds nothing but the marker line, to go with it."""
    if found.slot != "text" or found.element.tag in ("pre", "body"):
        return False
    text = element_text(found.element)
    return len(text) <= _MARKER_LINE_CHARS and found.marker.match(text) is not None


def _after(found: _Found) -> _Point:
    """The point right after a start marker line, and after the credits that follow it."""
    el, slot, match = found.element, found.slot, found.match
    if _whole_line(found):
        return el, "tail", 0
    text = (el.text if slot == "text" else el.tail) or ""
    end = match.end()
    credits = _CREDITS.match(text, end)
    if credits is not None:
        end = credits.end()
    return el, slot, end


def _before(found: _Found) -> _Point:
    """The point right before an end marker line, and before the "End of the Project
    Gutenberg EBook" line in the same text."""
    el, slot, match = found.element, found.slot, found.match
    if _whole_line(found):
        previous = el.getprevious()
        if previous is not None:
            return previous, "tail", len(previous.tail or "")
        parent = el.getparent()
        return parent, "text", len(parent.text or "")
    text = (el.text if slot == "text" else el.tail) or ""
    start = match.start()
    closing = [
        line
        for line in gutenberg.END_LINE.finditer(text, 0, start)
        if not text[line.end() : start].strip()
    ]
    if closing:
        start = closing[-1].start()
    return el, slot, start


def _lines(element: etree._Element) -> str:
    """An element's text, a line per block."""
    builder = BlockBuilder()
    builder.add(element)
    return "\n".join(block.plain for block in builder.blocks())


def _clear(body: etree._Element) -> None:
    body.text = None
    for child in list(body):
        body.remove(child)


def _cut_before(body: etree._Element, point: _Point) -> list[str | etree._Element]:
    """Remove everything in `body` before `point`; returns what was removed, in order.

    Elements come back with their tails, which were before the point too.
    """
    el, slot, offset = point
    levels: list[list[str | etree._Element | None]] = []
    if slot == "text":
        text = el.text or ""
        el.text = text[offset:]
        levels.append([text[:offset]])
        current = el
    else:
        tail = el.tail or ""
        el.tail = tail[:offset]
        parent = el.getparent()
        before = [*reversed(list(el.itersiblings(preceding=True))), el]
        levels.append([parent.text, *before])
        for sibling in before:
            parent.remove(sibling)
        parent.text = tail[offset:]
        current = parent
    while current is not body:
        parent = current.getparent()
        before = list(reversed(list(current.itersiblings(preceding=True))))
        levels.append([parent.text, *before])
        for sibling in before:
            parent.remove(sibling)
        parent.text = None
        current = parent
    return [piece for level in reversed(levels) for piece in level if piece is not None]


def _cut_after(body: etree._Element, point: _Point) -> None:
    """Remove everything in `body` from `point` on."""
    el, slot, offset = point
    if slot == "text":
        el.text = (el.text or "")[:offset]
        for child in list(el):
            el.remove(child)
        if el is not body:
            el.tail = None
    else:
        el.tail = (el.tail or "")[:offset]
    current = el
    while current is not body:
        parent = current.getparent()
        for sibling in list(current.itersiblings()):
            parent.remove(sibling)
        if parent is not body:
            parent.tail = None
        current = parent
