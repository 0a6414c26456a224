"""Plain-text stories: an AO3 work page saved as text, a Project Gutenberg book, or prose.

The bytes may be in any encoding (`bot.text.decoding.decode_any`); one that is not UTF-8 is named
in the story's warnings ("read as Shift_JIS (not UTF-8)").

**AO3 work page saved as text.** The first line is `Work Header`; the header runs to a line
`Work Text:` and the story follows. Header fields come in two forms, and a file may mix them:

    Rating: Mature                    Rating:
    Fandom: Tidewater, Saltmarsh          Mature
    Stats: Published: 2015-01-02      Fandom:
      Words: 5,000 Chapters: 1/1          Tidewater, Saltmarsh

Recognised labels: Rating, Archive Warning(s), Category, Fandom(s), Relationship(s),
Character(s), Additional Tags, Language, Series, Collections (ignored), Stats with Published,
Updated, Completed, Words and Chapters (each also allowed as a field of its own), Title,
Author, Summary and Notes. List values are split on commas (AO3 tags cannot contain one) and
a series is one item per line. Summary and Notes run, blank lines and all, to the next label
that is not indented deeper than they are; every line of them is a paragraph. Lines in the
header that belong to no label are read as the work's title and then its author (`by` in
front is dropped), the way AO3 prints them under the tag block.

The story after `Work Text:` may have several chapters. A line that is only
`Chapter 3`, `Chapter 3: The Storm`, `Chapter III - The Storm` or `Chapter Three` starts a
chapter; its title is the text after the number, or the line itself when there is none
("Chapter 3"), the way AO3 names untitled chapters. Inside a chapter, `Summary:`, `Notes:`,
`Chapter Summary`, `Chapter Notes` and `End Notes` lines start author notes (note blocks,
kept where they stand) and `Chapter Text` starts the story text again; when a chapter has a
`Chapter Text` line, everything between its heading and that line is notes. Text before the
first chapter line is an untitled chapter.

**Project Gutenberg book.** The book is what lies between Gutenberg's start and end markers
(`bot.parsers.gutenberg`); title, author, language and release date come from its header.

**Plain prose.** A block of `Label: value` lines opening the file is metadata
(`bot.parsers.text_header`). The title falls back to the file name; a sidecar `NAME.toml`
beside the file wins over whatever the file says (`bot.parsers.metadata_map`).

**Chapters in Gutenberg books and prose** start at the headings `bot.parsers.headings`
finds, never at a table of contents.

**Paragraphs, in every kind of file.** A file whose text lines are never separated by one
or two blank lines has one paragraph per line. Otherwise blank lines separate paragraphs,
and a single newline inside a paragraph is read from the file's wrap width (the 90th
percentile of its line widths, CJK counting double):

- when that width is above 100 columns, nobody wrapped the text by hand, so a newline ends
  the paragraph;
- when it is 100 or less, the file is hard-wrapped: a line at least two thirds of the width
  was wrapped and joins the next with a space (nothing between CJK characters), while a
  shorter line ends deliberately (verse, a signature) and keeps its `"\\n"`.

A line that is only a break ornament (`* * *`, `~~~`, `---`) or three or more blank lines in
a row make a scene break; two blank lines are just a paragraph gap. Lines lose spaces and tabs
at both ends. `_words_` and `*words*` are italic and bold (`bot.parsers.plain_emphasis`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import NamedTuple

from bot.parsers import gutenberg
from bot.parsers.budget import spend
from bot.parsers.common import (
    AO3_LABELS,
    display_width,
    finish_chapters,
    is_break_line,
    soft_join,
    tidy_breaks,
    title_from_filename,
)
from bot.parsers.headings import chapter_headings
from bot.parsers.plain_emphasis import emphasis_runs
from bot.parsers.text_header import opening_block
from bot.parsers.title_page import without_by
from bot.text.cleaning import LINE_EDGE, clean
from bot.text.decoding import decode_any
from bot.text.ratings import rating_field
from bot.text.story import (
    SCENE_BREAK_BLOCK,
    Block,
    BlockKind,
    Metadata,
    Run,
    Story,
    StoryError,
    paragraph,
)

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
)
# AO3's own chapter lines, the only ones in the story text of its text export.
_CHAPTER = re.compile(
    rf"chapter\s+(?:\d{{1,4}}|(?-i:[IVXLCDM]{{1,8}})|{_NUMBER_WORDS})\b"
    r"(?:\s*[:.\-–—]\s*(?P<title>.{0,200}))?",
    re.IGNORECASE,
)
_CHAPTER_TEXT = re.compile(r"chapter text:?", re.IGNORECASE)
_NOTE_LABEL = re.compile(
    r"(?:summary|notes|chapter summary|chapter notes|end notes|chapter end notes):?",
    re.IGNORECASE,
)

# A header line `Label:` or `Label: value`.
_LABEL_LINE = re.compile(
    r"(?P<indent>[ \t]*)(?P<label>[A-Za-z][A-Za-z' ]{0,30}?)[ \t]*:(?P<value>.*)"
)
_HEADER_LABELS = {
    **AO3_LABELS,
    "warning": "warnings",
    "warnings": "warnings",
    "tags": "tags",
    "collections": "",
    "collection": "",
    "published": "stats",
    "updated": "stats",
    "completed": "stats",
    "words": "stats",
    "chapters": "stats",
    "comments": "stats",
    "kudos": "stats",
    "bookmarks": "stats",
    "hits": "stats",
    "title": "title",
    "author": "author",
    "authors": "author",
    "summary": "summary",
    "notes": "notes",
}
_FREE_TEXT = ("summary", "notes")
_LIST_FIELDS = ("warnings", "categories", "fandoms", "relationships", "characters", "tags")
_STAT = re.compile(
    r"\b(published|updated|completed|words|chapters|comments|kudos|bookmarks|hits)"
    # A count may group its digits with commas, dots or spaces: "12,345", "12 345".
    r"\s*:\s*(\d{1,3}(?:[,.\s\u00a0\u202f]\d{3})+(?!\d)|[^\s:]*)",
    re.IGNORECASE,
)


def parse(data: bytes, name: str) -> Story:
    """Parse a `.txt` story: an AO3 work page saved as text, a Gutenberg book, or prose.

    `name` is the file name. Raises `StoryError` for files that are not text or hold no
    story.
    """
    decoded = decode_any(data)
    warnings: list[str] = []
    if decoded.describe():
        warnings.append(decoded.describe())
    text = clean(decoded.text)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    is_ao3 = first < len(lines) and lines[first].strip().lower() == "work header"
    if is_ao3:
        end = next(
            (
                i
                for i in range(first + 1, len(lines))
                if lines[i].strip().lower() in ("work text:", "work text")
            ),
            None,
        )
        if end is None:
            raise StoryError("AO3 text export with a 'Work Header' line but no 'Work Text:' line")
        fields = _header_fields(lines[first + 1 : end], warnings)
        lines = lines[end + 1 :]
    else:
        # Gutenberg's start marker comes after a header of a few pages at most; a plain
        # substring test spares other files the marker's pattern.
        head = text[:100_000]
        marked = ("utenberg" in head or "UTENBERG" in head) and gutenberg.is_wrapped(head)
        wrapped = gutenberg.unwrap(text) if marked else None
        if wrapped is not None:
            fields = _gutenberg_fields(wrapped[0])
            lines = wrapped[1].split("\n")
        else:
            fields, lines = opening_block(lines, warnings)
    meta = Metadata(**{"title": title_from_filename(name), **fields})  # type: ignore[arg-type]
    chapters = finish_chapters(_drafts(lines, ao3=is_ao3), warnings)
    return Story(meta=meta, chapters=chapters, warnings=tuple(warnings))


# --------------------------------------------------------------------------------------------
# The AO3 header
# --------------------------------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


class _Label(NamedTuple):
    field: str  # the Metadata field, "stats", or "" for a label that is read and dropped
    name: str  # the label as written, lower-cased: "published", "archive warning"
    value: str  # text after the colon on the same line
    indent: int


def _label(line: str) -> _Label | None:
    """The recognised header label a line starts with, if any."""
    match = _LABEL_LINE.fullmatch(line)
    if not match:
        return None
    name = " ".join(match["label"].lower().split())
    if name not in _HEADER_LABELS:
        return None
    return _Label(_HEADER_LABELS[name], name, match["value"].strip(LINE_EDGE), _indent(line))


def _header_fields(lines: Sequence[str], warnings: list[str]) -> dict[str, object]:
    """Metadata fields found in the lines between `Work Header` and `Work Text:`."""
    found: list[tuple[_Label, list[str]]] = []
    loose: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        label = _label(line)
        if label is None:
            match = _LABEL_LINE.fullmatch(line)
            if match is None or match["value"].strip():
                loose.append(line.strip(LINE_EDGE))
                continue
            # A bare `Something:` AO3 label we do not know: skip it with its values.
            warnings.append(f"AO3 header: unknown field {line.strip(LINE_EDGE)!r} ignored")
            label = _Label("", match["label"].lower(), "", _indent(line))
        values = [label.value] if label.value else []
        if label.field in _FREE_TEXT:
            # Free text runs, blank lines and all, to the next label no deeper than this one.
            while i < n:
                nested = _label(lines[i])
                if nested and nested.indent <= label.indent:
                    break
                values.append(lines[i].strip(LINE_EDGE))
                i += 1
        else:
            i = _list_values(lines, i, label, values)
        found.append((label, values))
    return _fields_from(found, loose, warnings)


def _list_values(lines: Sequence[str], i: int, label: _Label, values: list[str]) -> int:
    """Collect a field's values from `lines[i:]` into `values`; returns the next line index.

    Values continue on lines indented under the label, or, when the label line holds no
    value, on the lines right after it up to a blank line.
    """
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            after = next((k for k in range(i, n) if lines[k].strip()), n)
            if after < n and _indent(lines[after]) > label.indent and not _label(lines[after]):
                i = after
                continue
            break
        if _label(line) or (label.value and _indent(line) <= label.indent):
            break
        values.append(line.strip(LINE_EDGE))
        i += 1
    return i


def _fields_from(
    found: list[tuple[_Label, list[str]]], loose: list[str], warnings: list[str]
) -> dict[str, object]:
    fields: dict[str, object] = {}
    lists: dict[str, list[str]] = {}
    for label, values in found:
        values = [value for value in values if value]
        text = " ".join(values)
        if label.field in _LIST_FIELDS:
            items = (item.strip() for value in values for item in value.split(","))
            lists.setdefault(label.field, []).extend(item for item in items if item)
        elif label.field == "series":
            lists.setdefault("series", []).extend(values)
        elif label.field == "rating" and text:
            fields["rating"] = rating_field(text, warnings, where="AO3 header")
        elif label.field in ("language", "title") and text:
            fields[label.field] = text
        elif label.field == "author" and text:
            fields["author"] = ", ".join(without_by(value) for value in values)
        elif label.field in _FREE_TEXT and values:
            fields[label.field] = tuple(paragraph(value) for value in values)
        elif label.field == "stats":
            prefix = "" if label.name == "stats" else f"{label.name}: "
            fields.update(_stats(prefix + text))
    for field, items in lists.items():
        if items:
            fields[field] = tuple(items)
    # AO3 prints the title and the byline under the tag block without labels.
    if loose and "title" not in fields:
        fields["title"] = loose.pop(0)
    if loose and "author" not in fields:
        fields["author"] = without_by(loose.pop(0))
    warnings.extend(f"AO3 header: line {line!r} ignored" for line in loose)
    return fields


def _stats(text: str) -> dict[str, object]:
    """Dates and declared counts from AO3's stats: `Published: 2015-01-02 Words: 5,000`."""
    fields: dict[str, object] = {}
    for name, value in _STAT.findall(text):
        name = name.lower()
        if not value:
            continue
        if name in ("published", "updated", "completed"):
            fields[name] = value
        elif name == "words":
            digits = re.sub(r"\D", "", value)
            if digits:
                fields["declared_words"] = int(digits)
        elif name == "chapters":
            fields["declared_chapters"] = value
    return fields




# --------------------------------------------------------------------------------------------
# Project Gutenberg's header
# --------------------------------------------------------------------------------------------


def _gutenberg_fields(header: dict[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {
        key: header[key] for key in ("title", "author", "language") if header.get(key)
    }
    if header.get("published"):
        fields["published"] = _iso_date(header["published"])
    return fields


def _iso_date(text: str) -> str:
    """`December 6, 2004` -> `2004-12-06`; text in another form is kept as it is."""
    for form in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%B %Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text.strip(), form).date().isoformat()
        except ValueError:
            continue
    return text


# --------------------------------------------------------------------------------------------
# The story text
# --------------------------------------------------------------------------------------------


def _chapter_title(line: str) -> str | None:
    """The title an AO3 chapter line gives, else None.

    `Chapter 3: The Storm` -> "The Storm"; an untitled `Chapter 3` keeps its own words, as
    AO3's downloads name untitled chapters.
    """
    match = _CHAPTER.fullmatch(line)
    if not match:
        return None
    return (match["title"] or "").strip(LINE_EDGE) or line


class _Segment(NamedTuple):
    note: bool  # author notes rather than story text
    lines: list[str]


def _drafts(lines: Sequence[str], *, ao3: bool) -> list[tuple[str, list[Block]]]:
    """`(title, blocks)` for each chapter of the story text."""
    stripped = [raw.strip(LINE_EDGE) for raw in lines]
    sections: list[tuple[str, list[str]]] = [("", [])]
    if ao3:
        for line in stripped:
            title = _chapter_title(line)
            if title is None:
                sections[-1][1].append(line)
            else:
                sections.append((title, []))
    else:
        headings = chapter_headings(stripped)
        i = 0
        while i < len(stripped):
            if i in headings:
                title, i = headings[i]
                sections.append((title, []))
                continue
            sections[-1][1].append(stripped[i])
            i += 1

    chapters: list[tuple[str, list[_Segment]]] = []
    for title, section in sections:
        chapters.append((title, _segments(section) if ao3 else [_Segment(False, section)]))
    wrap = _wrap_width([segment.lines for _, segments in chapters for segment in segments])

    drafts = []
    for title, segments in chapters:
        blocks: list[Block] = []
        for segment in segments:
            kind = BlockKind.NOTE if segment.note else BlockKind.PARAGRAPH
            blocks.extend(_prose_blocks(segment.lines, wrap, kind))
        drafts.append((title, blocks))
    return drafts


def _segments(lines: list[str]) -> list[_Segment]:
    """Split an AO3 chapter into story text and author notes at its landmark lines."""
    has_text_mark = any(_CHAPTER_TEXT.fullmatch(line) for line in lines)
    segments = [_Segment(has_text_mark, [])]
    for line in lines:
        if _CHAPTER_TEXT.fullmatch(line):
            segments.append(_Segment(False, []))
        elif _NOTE_LABEL.fullmatch(line):
            segments.append(_Segment(True, []))
        else:
            segments[-1].lines.append(line)
    return segments


def _wrap_width(segments: Sequence[Sequence[str]]) -> int | None:
    """The width the text was hard-wrapped at, or None when newlines end paragraphs.

    None when no paragraph gap (one or two blank lines) separates text lines, or when the
    lines are too long to have been wrapped by hand.
    """
    widths: list[int] = []
    gaps = 0
    for lines in segments:
        blank = 0
        after_text = False
        for line in lines:
            if not line.strip():
                blank += 1
                continue
            if is_break_line(line):
                after_text = False
            else:
                if after_text and 0 < blank < 3:
                    gaps += 1
                widths.append(display_width(line))
                after_text = True
            blank = 0
    if not gaps or not widths:
        return None
    widths.sort()
    width = widths[(len(widths) - 1) * 9 // 10]
    return width if width <= 100 else None


def _prose_blocks(lines: Sequence[str], wrap: int | None, kind: BlockKind) -> list[Block]:
    """Blocks of one run of story text or notes (lines already stripped)."""
    blocks: list[Block] = []
    current: list[str] = []  # the paragraph being built, as pieces of text

    def end_paragraph() -> None:
        if current:
            text = "".join(current)
            runs = emphasis_runs(text) if "_" in text or "*" in text else (Run(text),)
            blocks.append(Block(kind, runs))
            spend(1)
            current.clear()

    blank = 0
    previous = ""  # the line just above, when it was text
    for line in lines:
        spend()
        if not line.strip():
            blank += 1
            end_paragraph()
            previous = ""
            continue
        ornament = is_break_line(line)
        if blank >= 3 or ornament:
            end_paragraph()
            blocks.append(SCENE_BREAK_BLOCK)
        blank = 0
        if ornament:
            previous = ""
            continue
        if previous:
            if wrap is None:
                end_paragraph()
            elif display_width(previous) * 3 >= wrap * 2:
                current.append(soft_join(previous, line))
            else:
                current.append("\n")
        current.append(line)
        previous = line
    end_paragraph()
    return list(tidy_breaks(blocks))

