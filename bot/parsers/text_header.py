"""A block of metadata lines opening a plain-text story.

A block of `Label: value` lines opening the file, as FanFicFare's text
output and hand-made files have it (`Title:`, `Author:` or a `by …` line, `Rating:` or
`Rated:` with fanfiction.net's `Fiction M - English - Romance - Words: 5,000`, `Fandom:`,
`Summary:`, `Status:` and the like), is metadata when it has at least two labels it knows,
and is not story text.
"""

from __future__ import annotations

import re

from bot.parsers.headings import next_text
from bot.ratings import rating_field
from bot.story import paragraph
from bot.textio import LINE_EDGE

# Labels of the block, to what they give: a Metadata field, "rating", "category" (AO3's
# categories, or the fandom as fanfiction.net uses the word), "words"/"chapters" (declared
# counts), or "" for a label that is read and dropped.
_BLOCK_LABELS = {
    "title": "title",
    "story": "title",
    "author": "author",
    "authors": "author",
    "writer": "author",
    "rating": "rating",
    "rated": "rating",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "category": "category",
    "categories": "category",
    "summary": "summary",
    "description": "summary",
    "notes": "notes",
    "note": "notes",
    "author's note": "notes",
    "status": "",
    "genre": "tags",
    "genres": "tags",
    "tags": "tags",
    "additional tags": "tags",
    "language": "language",
    "character": "characters",
    "characters": "characters",
    "relationship": "relationships",
    "relationships": "relationships",
    "pairing": "relationships",
    "pairings": "relationships",
    "warning": "warnings",
    "warnings": "warnings",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "series": "series",
    "published": "published",
    "updated": "updated",
    "completed": "completed",
    "words": "words",
    "word count": "words",
    "chapters": "chapters",
    "url": "url",
    "story url": "url",
    "source": "url",
    "link": "url",
    "author url": "",
    "packaged": "",
    "publisher": "",
    "reviews": "",
    "favs": "",
    "follows": "",
    "id": "",
}
_BLOCK_LINE = re.compile(r"(?P<label>[^\W\d_][\w' ]{0,20}?)[ \t]*:[ \t]*(?P<value>.*)")
_BYLINE = re.compile(r"by[ \t]+(?P<author>\S.{0,80})", re.IGNORECASE)
_AO3_CATEGORIES = frozenset({"f/f", "f/m", "gen", "m/m", "multi", "other"})
# fanfiction.net's story line: `Rated: Fiction M - English - Romance - Words: 5,000 - …`.
_FFN_PARTS = re.compile(r"\s+[-–—]\s+")
_FFN_LABEL = re.compile(r"(?P<label>[A-Za-z][A-Za-z ]{0,15}):\s*(?P<value>.*)")
_END_FILE = "end file."  # FanFicFare's last line


def _block_label(line: str) -> tuple[str, str, str] | None:
    """`(field, label, value)` when `line` is a label the opening block knows."""
    match = _BLOCK_LINE.fullmatch(line.strip(LINE_EDGE))
    if not match:
        return None
    label = " ".join(match["label"].lower().split())
    if label not in _BLOCK_LABELS:
        return None
    return _BLOCK_LABELS[label], label, match["value"].strip(LINE_EDGE)


def _short_line(line: str) -> bool:
    text = line.strip(LINE_EDGE)
    return 0 < len(text) <= 100 and not text.endswith((".", ",", ";", ":"))


def opening_block(
    lines: list[str], warnings: list[str]
) -> tuple[dict[str, object], list[str]]:
    """Metadata from a block of labels opening the file, and the lines left for the story.

    The block is an optional title line and `by …` line, then `Label: value` lines up to a
    blank line; a `Summary:` or `Notes:` value runs on over the lines below it. It counts
    only with two labels the block knows (a `by` line is one, and the title line above it
    another); otherwise the file is all story.
    """
    start = next_text(lines, 0, len(lines))
    if start is None:
        return {}, lines
    found: list[tuple[str, str, str]] = []
    labels = 0
    end = start  # the line after the title and byline, where the labels may start
    if _block_label(lines[start]) is None and _short_line(lines[start]):
        below = next_text(lines, start + 1, 3)
        byline = _byline(lines[below]) if below is not None else None
        if byline is not None:
            found += [("title", "title", lines[start].strip(LINE_EDGE)), ("author", "by", byline)]
            labels, end = 2, below + 1
        elif below is not None and _block_label(lines[below]) is not None:
            found.append(("title", "title", lines[start].strip(LINE_EDGE)))
            end = below
        else:
            return {}, lines
    elif _byline(lines[start]) is not None:
        found.append(("author", "by", _byline(lines[start]) or ""))
        labels, end = 1, start + 1
    first_label = next_text(lines, end, 3)
    if first_label is not None and _block_label(lines[first_label]) is not None:
        end = first_label
        while end < len(lines) and lines[end].strip():
            label = _block_label(lines[end])
            if label is not None:
                found.append(label)
                labels += 1 + (_ffn_labels(label[2]) if label[0] == "rating" else 0)
            elif found[-1][0] in ("summary", "notes"):
                field, name, value = found[-1]
                found[-1] = (field, name, f"{value}\n{lines[end].strip(LINE_EDGE)}")
            else:
                return {}, lines  # a label block runs into story text: it is story text
            end += 1
    if labels < 2:
        return {}, lines
    rest = lines[end:]
    if found[0][1] == "title" and len(found) > 1 and found[1][1] == "by":
        last = next((k for k in range(len(rest) - 1, -1, -1) if rest[k].strip()), None)
        if last is not None and rest[last].strip().lower() == _END_FILE:
            rest = rest[:last]
    return _block_fields(found, warnings), rest


def _byline(line: str) -> str | None:
    """The author a `by …` line names, when the line is one."""
    match = _BYLINE.fullmatch(line.strip(LINE_EDGE))
    if match is None or not _short_line(line) or len(match["author"].split()) > 8:
        return None
    return match["author"].strip(LINE_EDGE)


def _ffn_labels(value: str) -> int:
    """How many labelled stats a fanfiction.net story line holds."""
    return sum(1 for part in _FFN_PARTS.split(value) if _FFN_LABEL.fullmatch(part))


def _block_fields(found: list[tuple[str, str, str]], warnings: list[str]) -> dict[str, object]:
    fields: dict[str, object] = {}
    lists: dict[str, list[str]] = {}

    def items(value: str) -> list[str]:
        return [item.strip() for item in value.split(",") if item.strip()]

    for field, _label_name, value in found:
        if not value:
            continue
        if field == "rating":
            rating, extra = _rating_line(value)
            fields["rating"] = rating_field(rating, warnings, where="header")
            for key, more in extra.items():
                if isinstance(more, list):
                    lists.setdefault(key, []).extend(more)
                else:
                    fields.setdefault(key, more)
        elif field == "category":
            parts = items(value)
            key = "categories" if all(p.lower() in _AO3_CATEGORIES for p in parts) else "fandoms"
            lists.setdefault(key, []).extend(parts)
        elif field in ("fandoms", "characters", "relationships", "warnings"):
            lists.setdefault(field, []).extend(items(value))
        elif field == "tags":
            lists.setdefault("tags", []).extend(_genres(value))
        elif field == "series":
            lists.setdefault("series", []).append(value)
        elif field in ("summary", "notes"):
            fields[field] = tuple(paragraph(part) for part in value.split("\n") if part)
        elif field == "author":
            fields["author"] = without_by(value)
        elif field in ("title", "language", "published", "updated", "completed"):
            fields[field] = value
        elif field == "words":
            digits = re.sub(r"\D", "", value)
            if digits:
                fields["declared_words"] = int(digits)
        elif field == "chapters":
            fields["declared_chapters"] = value
        elif field == "url" and re.match(r"https?://\S+$", value):
            fields["url"] = value
    for key, values in lists.items():
        if values:
            fields[key] = tuple(values)
    return fields


def _genres(value: str) -> list[str]:
    """Genres as fanfiction.net lists them, `Romance/Hurt/Comfort`, or separated by commas.

    Hurt/Comfort is one genre with a slash in its name.
    """
    text = re.sub(r"hurt\s*/\s*comfort", "Hurt\x00Comfort", value, flags=re.IGNORECASE)
    items = (item.strip().replace("\x00", "/") for item in re.split(r"[,/]", text))
    return [item for item in items if item]


def _rating_line(value: str) -> tuple[str, dict[str, object]]:
    """The rating in a `Rated:` value, and what else a fanfiction.net story line gives.

    `Fiction M - English - Romance/Drama - [Ann, Bo] - Chapters: 3 - Words: 5,000` gives the
    rating `Fiction M`, the language, the genres as tags, the bracketed pairing and the
    declared counts and dates.
    """
    parts = _FFN_PARTS.split(value)
    if len(parts) < 2:
        return value, {}
    if not parts[0].lower().startswith("fiction"):
        return parts[0], {}  # `M - for language`: the rating, then the writer's reasons
    extra: dict[str, object] = {}
    loose = 0
    for part in parts[1:]:
        labelled = _FFN_LABEL.fullmatch(part)
        if labelled:
            name, text = labelled["label"].lower(), labelled["value"].strip()
            if name == "words":
                digits = re.sub(r"\D", "", text)
                if digits:
                    extra["declared_words"] = int(digits)
            elif name == "chapters":
                extra["declared_chapters"] = text
            elif name in ("published", "updated"):
                extra[name] = text
            continue
        loose += 1
        if part.startswith("["):
            extra["relationships"] = [
                item.strip() for item in part.strip("[]").split(",") if item.strip()
            ]
        elif loose == 1 and part.isalpha():
            extra["language"] = part
        elif loose == 2 and "," not in part:
            extra["tags"] = _genres(part)
        else:
            extra["characters"] = [item.strip() for item in part.split(",") if item.strip()]
    return parts[0], extra



def without_by(text: str) -> str:
    """An author line without its leading `by`."""
    return re.sub(r"^by\s+", "", text, flags=re.IGNORECASE)
