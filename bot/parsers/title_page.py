"""Pages of `Label: value` lines that describe a story instead of telling it.

Tools that download fan fiction put the work's metadata on a page of its own before the
story: FanFicFare's title page (`<b>Rating:</b> Explicit<br/>`, then Warnings, Category,
Genre, Characters, Relationships, Status, Published, Updated, Words, Chapters, Summary…),
its update log, and fanfiction.net's stats line
(`Rated: Fiction M - English - Romance - Chapters: 3 - Words: 5,000`). Such a page is
recognised by its shape, not its file name: a few lines at most before the first label, at
least three labelled lines of which two or more are labels such pages use, and hardly any
other text. A summary may run over several paragraphs after its label.

`read_page` reads a page's blocks into `PageFields`, and `read_header` the same lines where
they open a text that goes on with the story; `apply` puts them on `Metadata`, the rating
through `bot.ratings.rating_field` so that a rating nobody can place is noted and counts as
Explicit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.ratings import rating_field
from bot.story import Block, BlockKind, Metadata, paragraph

# `Label: value`; a label is a short phrase that starts with a letter.
_LABEL_LINE = re.compile(r"^\s*(?P<label>[^\W\d_][^:：\n]{0,39}?)\s*[:：]\s*(?P<value>.*)$")
# Several `Label: value` pieces on one line, as fanfiction.net writes its stats.
_SEGMENT_SPLIT = re.compile(r"\s+[-–—|·]\s+")

# Labels these pages use, lower case, to the `Metadata` field they fill ("" when the value
# is not kept). "category" is AO3's category or, for FanFicFare and fanfiction.net, the
# fandom; `apply` tells them apart.
_FIELDS = {
    "rating": "rating",
    "rated": "rating",
    "content rating": "rating",
    "age rating": "rating",
    "warning": "warnings",
    "warnings": "warnings",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "content warning": "warnings",
    "content warnings": "warnings",
    "category": "category",
    "categories": "category",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "genre": "tags",
    "genres": "tags",
    "tags": "tags",
    "additional tags": "tags",
    "freeform": "tags",
    "character": "characters",
    "characters": "characters",
    "relationship": "relationships",
    "relationships": "relationships",
    "pairing": "relationships",
    "pairings": "relationships",
    "language": "language",
    "series": "series",
    "published": "published",
    "posted": "published",
    "first published": "published",
    "updated": "updated",
    "last updated": "updated",
    "completed": "completed",
    "words": "declared_words",
    "word count": "declared_words",
    "chapters": "declared_chapters",
    "summary": "summary",
    "description": "summary",
    "notes": "notes",
    "author's note": "notes",
    "author's notes": "notes",
    "author’s note": "notes",
    "author’s notes": "notes",
    "title": "title",
    "author": "author",
    "authors": "author",
    "story url": "url",
    "url": "url",
    "source": "url",
    "status": "",
    "packaged": "",
    "publisher": "",
    "comments": "",
    "kudos": "",
    "hits": "",
    "bookmarks": "",
    "reviews": "",
    "favs": "",
    "follows": "",
    "collections": "",
    "author url": "",
    "id": "",
}
_LONG_TEXT = frozenset({"summary", "notes"})
_LIST_FIELDS = frozenset({"warnings", "fandoms", "tags", "characters", "relationships"})
_AO3_CATEGORIES = frozenset({"f/f", "f/m", "m/m", "gen", "multi", "other"})
# Most lines a page may have before its first label: a title, a byline, a heading.
_MAX_PREAMBLE = 4
_MAX_PREAMBLE_WORDS = 40
# A page may hold a little unlabelled text (fanfiction.net's summary after its stats).
_MAX_LOOSE_WORDS = 300
# Values in a header above a story are a few words: a rating, a fandom, a date.
_MAX_VALUE_WORDS = 12
# A summary longer than this is more likely a story that follows a stats line.
_MAX_LONG_WORDS = 1500


@dataclass
class PageFields:
    """The labelled values of a metadata page, in the order the page gives them."""

    values: dict[str, str] = field(default_factory=dict)  # field -> text
    lists: dict[str, list[str]] = field(default_factory=dict)  # field -> items
    long: dict[str, list[Block]] = field(default_factory=dict)  # summary, notes


@dataclass
class _Entry:
    label: str  # lower case, spaces collapsed
    value: str
    blocks: list[Block] = field(default_factory=list)  # paragraphs under the label


def _label_of(line: str) -> tuple[str, str] | None:
    match = _LABEL_LINE.match(line)
    if match is None:
        return None
    label = " ".join(match["label"].split()).lower()
    value = match["value"].strip()
    if len(label.split()) > 4 or value.startswith("//"):  # a sentence, or a bare URL
        return None
    return label, value


def _segments(line: str) -> list[tuple[str, str]] | None:
    """The `(label, value)` pieces of a line, or None when it holds no label."""
    parts = _SEGMENT_SPLIT.split(line)
    if len(parts) > 1:
        labelled = [_label_of(part) for part in parts]
        if sum(piece is not None for piece in labelled) >= 2:
            pieces: list[tuple[str, str]] = []
            for part, piece in zip(parts, labelled, strict=True):
                if piece is not None:
                    pieces.append(piece)
                elif pieces and pieces[-1][0] == "rated":
                    # fanfiction.net: `Rated: Fiction T - English - Romance - …`.
                    pieces.append(("language", part.strip()))
            return pieces
    piece = _label_of(line)
    return [piece] if piece is not None else None


def read_page(blocks: Sequence[Block]) -> PageFields | None:
    """The fields of a page of `Label: value` lines, or None when the page is not one."""
    found = _read(blocks, whole=True)
    return found[0] if found else None


def read_header(blocks: Sequence[Block]) -> tuple[PageFields, int] | None:
    """The fields of `Label: value` lines that open a text, and how many blocks they take;
    None when the text does not open with them.

    The lines end at the first paragraph that is not a label's value. A summary whose
    paragraphs follow its label belongs to the header only when another label comes after
    it: otherwise nothing tells where it ends and the story begins.
    """
    return _read(blocks, whole=False)


def _read(blocks: Sequence[Block], *, whole: bool) -> tuple[PageFields, int] | None:
    entries: list[_Entry] = []
    preamble = 0  # lines before the first label: a title, a byline
    preamble_words = 0
    loose = 0  # lines that are neither labels nor a label's value
    loose_words = 0
    long_words = 0
    consumed = 0
    pending: list[tuple[_Entry, Block]] = []  # values after the last label, not yet kept
    for index, block in enumerate(blocks):
        if block.kind is BlockKind.BREAK:
            continue
        lines = [line for line in block.plain.split("\n") if line.strip()]
        pieces = [_segments(line) for line in lines]
        if not any(pieces):
            current = entries[-1] if entries else None
            if current is None:
                preamble += len(lines)
                preamble_words += len(block.plain.split())
                if preamble > _MAX_PREAMBLE or preamble_words > _MAX_PREAMBLE_WORDS:
                    return None
            elif _FIELDS.get(current.label) in _LONG_TEXT or not current.value:
                pending.append((current, block))
                long_words += len(block.plain.split())
                if long_words > _MAX_LONG_WORDS:
                    if whole:
                        return None
                    break
            elif whole:
                loose += len(lines)
                loose_words += len(block.plain.split())
            else:
                break
            continue
        for entry, value in pending:
            entry.blocks.append(value)
        pending.clear()
        for line, found in zip(lines, pieces, strict=True):
            if found:
                entries.extend(_Entry(label, value) for label, value in found)
            elif entries:
                entries[-1].blocks.append(paragraph(line.strip()))
            else:
                preamble += 1
        consumed = index + 1
    if whole:
        for entry, value in pending:
            entry.blocks.append(value)
        consumed = len(blocks)
    known = [entry for entry in entries if entry.label in _FIELDS]
    if len(entries) < 3 or preamble > _MAX_PREAMBLE:
        return None
    if whole:
        if len(known) < 2 or loose > len(entries) or loose_words > _MAX_LOOSE_WORDS:
            return None
    elif len(known) < 3 or any(
        len(entry.value.split()) > _MAX_VALUE_WORDS
        for entry in known
        if _FIELDS[entry.label] not in _LONG_TEXT
    ):
        # Above a story, stronger evidence: three labels such pages use, with short values.
        return None
    return _fields(known), consumed


def _fields(known: list[_Entry]) -> PageFields:
    fields = PageFields()
    for entry in known:
        name = _FIELDS[entry.label]
        if not name:
            continue
        if name in _LONG_TEXT:
            paragraphs = ([paragraph(entry.value)] if entry.value else []) + entry.blocks
            if paragraphs and name not in fields.long:
                fields.long[name] = paragraphs
            continue
        text = " ".join([entry.value, *(b.plain for b in entry.blocks)]).strip()
        if not text:
            continue
        if name in _LIST_FIELDS or name == "category":
            fields.lists.setdefault(name, []).extend(
                item for part in text.split(",") if (item := part.strip())
            )
        elif name == "series":
            fields.lists.setdefault(name, []).append(text)
        else:
            fields.values.setdefault(name, text)
    return fields


def apply(
    meta: Metadata, fields: PageFields, warnings: list[str], *, where: str, fill: bool = False
) -> Metadata:
    """`meta` with the page's fields in place of what it had for them.

    The page knows the work better than a package's keyword list, so when it names any
    tags, fandoms, characters or relationships, its tags replace `meta.tags`. With `fill`,
    only fields `meta` lacks are set (a second page, such as an update log, after the first).
    """
    changes: dict[str, object] = {}
    values = fields.values
    if "rating" in values:
        changes["rating"] = rating_field(values["rating"], warnings, where=where)
    for name in ("language", "published", "updated", "completed", "declared_chapters"):
        if name in values:
            changes[name] = values[name]
    for name in ("title", "author"):
        if name in values and not getattr(meta, name):
            changes[name] = values[name]
    if "url" in values and re.match(r"https?://\S+$", values["url"]) and not meta.url:
        changes["url"] = values["url"]
    digits = re.sub(r"\D", "", values.get("declared_words", ""))
    if digits:
        changes["declared_words"] = int(digits)
    lists = dict(fields.lists)
    category = lists.pop("category", [])
    if category and all(item.lower() in _AO3_CATEGORIES for item in category):
        changes["categories"] = tuple(category)
    elif category:
        lists.setdefault("fandoms", []).extend(category)
    for name, items in lists.items():
        changes[name] = tuple(dict.fromkeys(items))
    if {"tags", "fandoms", "characters", "relationships"} & lists.keys():
        changes.setdefault("tags", ())
    for name, paragraphs in fields.long.items():
        changes[name] = tuple(paragraphs)
    if fill:
        empty = Metadata(title="")
        changes = {
            name: value
            for name, value in changes.items()
            if getattr(meta, name) == getattr(empty, name)
        }
    return dataclasses.replace(meta, **changes)  # type: ignore[arg-type]
