"""A block of metadata lines opening a plain-text story.

A block of `Label: value` lines opening the file, as FanFicFare's text output and hand-made
files have it (`Title:`, `Author:` or a `by …` line, `Rating:` or `Rated:` with
fanfiction.net's `Fiction M - English - Romance - Words: 5,000`, `Fandom:`, `Summary:`,
`Status:` and the like), is metadata and not story text. The labels, what each gives and
which values read as prose are `bot.parsers.title_page`'s; this module finds where the block
starts and ends.
"""

from __future__ import annotations

import re

from bot.parsers import title_page
from bot.parsers.headings import next_text
from bot.parsers.title_page import Entry
from bot.text.cleaning import LINE_EDGE
from bot.text.story import paragraph

_BYLINE = re.compile(r"by[ \t]+(?P<author>\S.{0,80})", re.IGNORECASE)
_END_FILE = "end file."  # FanFicFare's last line


def _block_label(line: str) -> list[Entry] | None:
    """The entries of `line` when it opens with a label the block knows."""
    pieces = title_page.label_pieces(line.strip(LINE_EDGE), opening=True)
    if not pieces or title_page.field_of(pieces[0][0]) is None:
        return None
    return [Entry(label, value) for label, value in pieces]


def _short_line(line: str) -> bool:
    text = line.strip(LINE_EDGE)
    return 0 < len(text) <= 100 and not text.endswith((".", ",", ";", ":"))


def opening_block(
    lines: list[str], warnings: list[str]
) -> tuple[dict[str, object], list[str]]:
    """Metadata from a block of labels opening the file, and the lines left for the story.

    The block is an optional title line and `by …` line, then `Label: value` lines up to a
    blank line; a `Summary:` or `Notes:` value runs on over the lines below it. It counts
    only with two labels that show it is metadata (`title_page.is_evidence`: a `by` line is
    one, and the title line above it another), every label known and every value reading as
    one (`title_page.reads_as_value`); otherwise the file is all story.
    """
    start = next_text(lines, 0, len(lines))
    if start is None:
        return {}, lines
    entries: list[Entry] = []
    labels = 0
    bylined = False  # a title line and a `by` line, as FanFicFare writes them
    end = start  # the line after the title and byline, where the labels may start
    if _block_label(lines[start]) is None and _short_line(lines[start]):
        below = next_text(lines, start + 1, 3)
        byline = _byline(lines[below]) if below is not None else None
        entries.append(Entry("title", lines[start].strip(LINE_EDGE)))
        if below is not None and byline is not None:
            entries.append(Entry("author", byline))
            labels, end, bylined = 2, below + 1, True
        elif below is not None and _block_label(lines[below]) is not None:
            end = below
        else:
            return {}, lines
    elif (byline := _byline(lines[start])) is not None:
        entries.append(Entry("author", byline))
        labels, end = 1, start + 1
    first_label = next_text(lines, end, 3)
    if first_label is not None and _block_label(lines[first_label]) is not None:
        end = first_label
        while end < len(lines) and lines[end].strip():
            found = _block_label(lines[end])
            if found is not None:
                known = [e for e in found if title_page.field_of(e.label) is not None]
                if not all(title_page.reads_as_value(e.label, e.value) for e in known):
                    return {}, lines  # prose with a colon in it
                entries += found
                labels += sum(title_page.is_evidence(entry.label) for entry in found)
            elif title_page.is_free_text(entries[-1].label):
                entries[-1].blocks.append(paragraph(lines[end].strip(LINE_EDGE)))
            else:
                return {}, lines  # a label block runs into story text: it is story text
            end += 1
    if labels < 2:
        return {}, lines
    rest = lines[end:]
    if bylined:
        last = next((k for k in range(len(rest) - 1, -1, -1) if rest[k].strip()), None)
        if last is not None and rest[last].strip().lower() == _END_FILE:
            rest = rest[:last]
    fields = title_page.page_fields(entries)
    return title_page.metadata_fields(fields, warnings, where="header"), rest


def _byline(line: str) -> str | None:
    """The author a `by …` line names, when the line is one."""
    match = _BYLINE.fullmatch(line.strip(LINE_EDGE))
    if match is None or not _short_line(line) or len(match["author"].split()) > 8:
        return None
    return match["author"].strip(LINE_EDGE)
