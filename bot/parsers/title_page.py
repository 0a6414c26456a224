"""`Label: value` lines that describe a story instead of telling it.

This module is the one place that knows the labels and what they give. Tools that download
fan fiction put the work's metadata on a page of its own before the story: FanFicFare's
title page (`<b>Rating:</b> Explicit<br/>`, then Warnings, Category, Genre, Characters,
Relationships, Status, Published, Updated, Words, Chapters, Summary…), its update log, and
fanfiction.net's stats line
(`Rated: Fiction M - English - Romance/Hurt/Comfort - [Ann, Bo] Cy - Chapters: 3 - …`).
Hand-made files and FanFicFare's text output open with the same lines; finding where such
a block starts and ends in a plain-text file is `bot.parsers.text_header`'s job.

A page is recognised by its shape, not its file name: a few lines at most before the first
label, at least three labelled lines of which two or more are labels such pages use (other
than Summary and Notes, whose free text proves nothing), and hardly any other text. A
summary may run over several paragraphs after its label.

`label_pieces` reads one line, `page_fields` turns labelled lines into `PageFields`, and
`metadata_fields` those into `Metadata` values, the rating through `bot.ratings.rating_field`
so that a rating nobody can place is noted and counts as Explicit. `read_page` and
`read_header` find a page, or a header above the story, among a book's blocks; `apply` puts
what they read on `Metadata`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.text.ratings import rating_field
from bot.text.story import Block, BlockKind, Metadata, paragraph

# `Label: value`; a label is a short phrase that starts with a letter.
_LABEL_LINE = re.compile(r"^\s*(?P<label>[^\W\d_][^:：\n]{0,39}?)\s*[:：]\s*(?P<value>.*)$")
# Several `Label: value` pieces on one line, as fanfiction.net writes its stats. These
# separators are matched from the first space of a run only: trying every space of a long
# run is quadratic.
_SEGMENT_SPLIT = re.compile(r"(?<!\s)\s+[-–—|·]\s+")
# The parts of a fanfiction.net rating: `Fiction M - English - Romance - [Ann, Bo] Cy`.
_RATING_PARTS = re.compile(r"(?<!\s)\s+[-–—]\s+")
# A bracketed pairing; brackets do not nest, so a search ends at the next one either way.
_PAIRING = re.compile(r"\[([^\[\]]*)\]")

# Labels, lower case, to the `Metadata` field they fill ("" when the value is not kept).
# "category" is AO3's category or, for FanFicFare and fanfiction.net, the fandom;
# `metadata_fields` tells them apart.
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
    "note": "notes",
    "author's note": "notes",
    "author's notes": "notes",
    "author’s note": "notes",
    "author’s notes": "notes",
    "title": "title",
    "story": "title",
    "author": "author",
    "authors": "author",
    "writer": "author",
    "story url": "url",
    "url": "url",
    "source": "url",
    "link": "url",
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
_LIST_FIELDS = frozenset({"warnings", "fandoms", "characters", "relationships"})
_AO3_CATEGORIES = frozenset({"f/f", "f/m", "m/m", "gen", "multi", "other"})
# fanfiction.net's genres: a slash between two of them separates them, while a slash in any
# other tag is part of it (`M/M`, `Aziraphale/Crowley`).
_FFN_GENRES = frozenset({
    "adventure", "angst", "crime", "drama", "family", "fantasy", "friendship", "general",
    "horror", "humor", "hurt/comfort", "mystery", "parody", "poetry", "romance", "sci-fi",
    "spiritual", "supernatural", "suspense", "tragedy", "western",
})
# Most lines a page may have before its first label: a title, a byline, a heading.
_MAX_PREAMBLE = 4
_MAX_PREAMBLE_WORDS = 40
# A page may hold a little unlabelled text (fanfiction.net's summary after its stats).
_MAX_LOOSE_WORDS = 300
# Values in a header above a story are a few words: a rating, a fandom, a date.
_MAX_ITEM_WORDS = 6  # one tag in a list of them
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
class Entry:
    """One labelled value: the label as `label_pieces` gives it, the text after it on its
    line, and the paragraphs under it (a summary's)."""

    label: str
    value: str
    blocks: list[Block] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Lines and labels
# --------------------------------------------------------------------------------------------


def field_of(label: str) -> str | None:
    """The `Metadata` field a label fills: "" for a label that is read and dropped, None for
    one that is not a label of story metadata."""
    return _FIELDS.get(label)


def is_free_text(label: str) -> bool:
    """Whether a label's value may run on over the lines or paragraphs below it."""
    return _FIELDS.get(label) in _LONG_TEXT


def is_evidence(label: str) -> bool:
    """Whether a label shows that its lines are metadata: a known one other than Summary and
    Notes, whose free text could open any story (`Note: the kettle was broken.`)."""
    return label in _FIELDS and not is_free_text(label)


def reads_as_value(label: str, value: str) -> bool:
    """Whether `value` reads as what `label` gives rather than as prose with a colon in it:
    a few words, or a list of short items (`Tags: Found Family, Slow Burn, …`), unless the
    label takes free text.

    A fanfiction.net rating counts without the stats that follow it.
    """
    if is_free_text(label):
        return True
    if _FIELDS.get(label) == "rating" and value.lower().startswith("fiction"):
        value = _RATING_PARTS.split(value)[0]
    if len(value.split()) <= _MAX_VALUE_WORDS:
        return True
    # A long list of tags is still a value; a sentence with commas ends like one.
    items = value.split(",")
    return (len(items) >= 3 and not value.rstrip().endswith((".", "!", "?"))
            and all(len(item.split()) <= _MAX_ITEM_WORDS for item in items))


def _label_of(line: str) -> tuple[str, str] | None:
    match = _LABEL_LINE.match(line)
    if match is None:
        return None
    label = " ".join(match["label"].split()).lower()
    value = match["value"].strip()
    if len(label.split()) > 4 or value.startswith("//"):  # a sentence, or a bare URL
        return None
    return label, value


def label_pieces(line: str, *, opening: bool = False) -> list[tuple[str, str]] | None:
    """The `(label, value)` pieces of a line, or None when it holds no label. Labels are
    lower case with their spaces collapsed.

    A line with two labels or more between ` - `, ` | ` or ` · ` is several pieces, as
    fanfiction.net writes its stats; the unlabelled parts after a rating stay in its value
    (`Fiction M - English - Romance`, see `page_fields`), other unlabelled parts are dropped.
    With `opening`, a line whose first part is not labelled holds no label.
    """
    parts = _SEGMENT_SPLIT.split(line)
    if len(parts) > 1:
        labelled = [_label_of(part) for part in parts]
        if sum(piece is not None for piece in labelled) >= 2:
            if opening and labelled[0] is None:
                return None
            pieces: list[tuple[str, str]] = []
            for part, piece in zip(parts, labelled, strict=True):
                if piece is not None:
                    pieces.append(piece)
                elif pieces and _FIELDS.get(pieces[-1][0]) == "rating":
                    label, value = pieces[-1]
                    pieces[-1] = (label, f"{value} - {part.strip()}")
            return pieces
    piece = _label_of(line)
    return [piece] if piece is not None else None


# --------------------------------------------------------------------------------------------
# Pages and headers in blocks
# --------------------------------------------------------------------------------------------


def read_page(blocks: Sequence[Block]) -> PageFields | None:
    """The fields of a page of `Label: value` lines, or None when the page is not one."""
    found = _read(blocks, whole=True)
    return found[0] if found else None


def read_header(blocks: Sequence[Block]) -> tuple[PageFields, int] | None:
    """The fields of `Label: value` lines that open a text, and how many blocks they take;
    None when the text does not open with them.

    The lines end at the first paragraph that is not a label's value. A summary whose
    paragraphs follow its label belongs to the header only when another label comes after
    it: otherwise nothing tells where it ends and the story begins. Above a story the
    evidence must be stronger than on a page of its own: three labels that are not free
    text, each value reading as one (`reads_as_value`).
    """
    return _read(blocks, whole=False)


def _read(blocks: Sequence[Block], *, whole: bool) -> tuple[PageFields, int] | None:
    entries: list[Entry] = []
    preamble = 0  # lines before the first label: a title, a byline
    preamble_words = 0
    loose = 0  # lines that are neither labels nor a label's value
    loose_words = 0
    long_words = 0
    consumed = 0
    pending: list[tuple[Entry, Block]] = []  # values after the last label, not yet kept
    for index, block in enumerate(blocks):
        if block.kind is BlockKind.BREAK:
            continue
        lines = [line for line in block.plain.split("\n") if line.strip()]
        pieces = [label_pieces(line) for line in lines]
        if not any(pieces):
            current = entries[-1] if entries else None
            if current is None:
                preamble += len(lines)
                preamble_words += len(block.plain.split())
                if preamble > _MAX_PREAMBLE or preamble_words > _MAX_PREAMBLE_WORDS:
                    return None
            elif is_free_text(current.label) or not current.value:
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
                entries.extend(Entry(label, value) for label, value in found)
            elif entries:
                entries[-1].blocks.append(paragraph(line.strip()))
            else:
                preamble += 1
        consumed = index + 1
    if whole:
        for entry, value in pending:
            entry.blocks.append(value)
        consumed = len(blocks)
    evidence = sum(is_evidence(entry.label) for entry in entries)
    if len(entries) < 3 or preamble > _MAX_PREAMBLE:
        return None
    if whole:
        if evidence < 2 or loose > len(entries) or loose_words > _MAX_LOOSE_WORDS:
            return None
    elif evidence < 3 or not all(
        reads_as_value(entry.label, entry.value) for entry in entries if entry.label in _FIELDS
    ):
        return None
    return page_fields(entries), consumed


# --------------------------------------------------------------------------------------------
# From labels to fields
# --------------------------------------------------------------------------------------------


def page_fields(entries: Iterable[Entry]) -> PageFields:
    """The fields labelled entries give, in their order; labels not known are skipped.

    A list is split at commas; fanfiction.net's `Romance/Hurt/Comfort` is two genres. A
    rating's value may carry fanfiction.net's stats (`Fiction M - English - Romance -
    [Ann, Bo] Cy`): the language, the genres, the bracketed pairing and the other characters.
    """
    fields = PageFields()
    for entry in entries:
        name = _FIELDS.get(entry.label)
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
        if name == "rating":
            text = _rating(text, fields)
        if name == "tags":
            _extend(fields, "tags", [tag for item in _items(text) for tag in _genres(item)])
        elif name in _LIST_FIELDS or name == "category":
            _extend(fields, name, _items(text))
        elif name == "series":
            _extend(fields, name, [text])
        else:
            fields.values.setdefault(name, text)
    return fields


def _items(text: str) -> list[str]:
    return [item for part in text.split(",") if (item := part.strip())]


def _extend(fields: PageFields, name: str, items: list[str]) -> None:
    if items:
        fields.lists.setdefault(name, []).extend(items)


def _genres(item: str) -> list[str]:
    """fanfiction.net's `Romance/Hurt/Comfort` as its genres; any other tag as it is."""
    joined = re.sub(r"hurt\s*/\s*comfort", "Hurt\x00Comfort", item, flags=re.IGNORECASE)
    genres = [genre.strip().replace("\x00", "/") for genre in joined.split("/")]
    if len(genres) > 1 and all(genre.lower() in _FFN_GENRES for genre in genres):
        return genres
    return [item]


def _rating(text: str, fields: PageFields) -> str:
    """The rating in a rating's value, putting what fanfiction.net's stats add in `fields`.

    `M - for language` is the rating, then the writer's reasons.
    """
    parts = _RATING_PARTS.split(text)
    if not parts[0].lower().startswith("fiction"):
        return parts[0]
    for number, part in enumerate(parts[1:]):
        genres = _genres(part)
        if genres[0].lower() in _FFN_GENRES:
            _extend(fields, "tags", genres)
        elif number == 0 and part.isalpha():
            fields.values.setdefault("language", part)
        else:
            pairings = _PAIRING.findall(part)
            _extend(fields, "relationships", [name for one in pairings for name in _items(one)])
            _extend(fields, "characters", _items(_PAIRING.sub(",", part)))
    return parts[0]


def metadata_fields(
    fields: PageFields, warnings: list[str], *, where: str
) -> dict[str, object]:
    """The `Metadata` field values that `fields` give, by field name.

    The rating goes through `rating_field`, which notes in `warnings` (naming `where`) one it
    cannot place; a URL counts only as one, and an author loses a leading `by`.
    """
    changes: dict[str, object] = {}
    values = fields.values
    if "rating" in values:
        changes["rating"] = rating_field(values["rating"], warnings, where=where)
    for name in ("title", "language", "published", "updated", "completed", "declared_chapters"):
        if name in values:
            changes[name] = values[name]
    if "author" in values:
        changes["author"] = without_by(values["author"])
    if "url" in values and re.match(r"https?://\S+$", values["url"]):
        changes["url"] = values["url"]
    digits = re.sub(r"\D", "", values.get("declared_words", ""))
    if digits:
        changes["declared_words"] = int(digits)
    lists = {name: list(items) for name, items in fields.lists.items()}
    category = lists.pop("category", [])
    if category and all(item.lower() in _AO3_CATEGORIES for item in category):
        changes["categories"] = tuple(category)
    elif category:
        lists.setdefault("fandoms", []).extend(category)
    for name, items in lists.items():
        changes[name] = tuple(dict.fromkeys(items))
    for name, paragraphs in fields.long.items():
        changes[name] = tuple(paragraphs)
    return changes


def apply(
    meta: Metadata, fields: PageFields, warnings: list[str], *, where: str, fill: bool = False
) -> Metadata:
    """`meta` with the page's fields in place of what it had for them.

    The page knows the work better than a package's keyword list, so when it names any
    tags, fandoms, characters or relationships, its tags replace `meta.tags`. The title,
    author and URL only fill what `meta` lacks. With `fill`, so does every field (a second
    page, such as an update log, after the first).
    """
    changes = metadata_fields(fields, warnings, where=where)
    if {"tags", "fandoms", "characters", "relationships"} & changes.keys():
        changes.setdefault("tags", ())
    empty = Metadata(title="")
    changes = {
        name: value
        for name, value in changes.items()
        if getattr(meta, name) == getattr(empty, name)
        or not (fill or name in ("title", "author", "url"))
    }
    return dataclasses.replace(meta, **changes)  # type: ignore[arg-type]


def without_by(text: str) -> str:
    """An author line without its leading `by`."""
    return re.sub(r"^by\s+", "", text, flags=re.IGNORECASE)
