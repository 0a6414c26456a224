"""Story metadata from a mapping: Markdown front matter and `NAME.toml` sidecars.

A sidecar sits beside a story file of any format, with the story's name and `.toml`
(`my-story.epub` → `my-story.toml`); what it gives wins over what the file says, so an admin
can rate, retitle or tag any story without editing it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import tomllib
from collections.abc import Mapping

from bot.parsers.inline_markdown import markdown_runs, split_paragraphs
from bot.text.cleaning import clean
from bot.text.decoding import decode
from bot.text.ratings import rating_field
from bot.text.story import Block, BlockKind, Metadata, StoryError

_TEXT_KEYS = ("title", "author", "rating", "language", "url", "published", "updated", "completed")
_LIST_KEYS = ("warnings", "categories", "fandoms", "relationships", "characters", "tags", "series")
_BLOCK_KEYS = ("summary", "notes", "end_notes")
_ALIASES = {
    "authors": "author",
    "warning": "warnings",
    "archive_warning": "warnings",
    "archive_warnings": "warnings",
    "category": "categories",
    "fandom": "fandoms",
    "relationship": "relationships",
    "character": "characters",
    "tag": "tags",
    "additional_tags": "tags",
    "end_note": "end_notes",
}
_DATE_KEYS = ("published", "updated", "completed")
_PARAGRAPH_GAP = re.compile(r"\n[ \t]*\n")


def _describe(value: object) -> str:
    if value is True or value is False:
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, Mapping):
        return "a table of keys"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date | datetime.time):
        return f"a date ({value.isoformat()})"
    return f"a {type(value).__name__}"


def _scalar_text(value: object) -> str | None:
    """Text from a scalar; numbers and dates count (`title: 1984`), true/false does not."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return None


def _list_items(value: object, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        # AO3 tags cannot contain commas, so a comma always separates two of them. A series
        # name can, and one string is one series.
        parts = [value] if key == "series" else value.split(",")
        return tuple(part.strip() for part in parts if part.strip())
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            text = _scalar_text(item)
            if text is None:
                raise StoryError(f"{where}: {key!r} should hold text items, not {_describe(item)}")
            if text:
                items.append(text)
        return tuple(items)
    raise StoryError(
        f"{where}: {key!r} should be a list or a comma-separated text, not {_describe(value)}"
    )


def _paragraphs(value: object, key: str, where: str) -> tuple[Block, ...]:
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, list | tuple):
        texts = []
        for item in value:
            if not isinstance(item, str):
                raise StoryError(
                    f"{where}: {key!r} paragraphs should be text, not {_describe(item)}"
                )
            texts.append(item)
    else:
        raise StoryError(
            f"{where}: {key!r} should be text or a list of paragraphs, not {_describe(value)}"
        )
    blocks = []
    for text in texts:
        for chunk in _PARAGRAPH_GAP.split(clean(text.replace("\r\n", "\n")).strip()):
            # `<p>one</p><p>two</p>` in a summary is two paragraphs, as it is on a page.
            for runs, _ in split_paragraphs(markdown_runs(chunk.split("\n"))):
                blocks.append(Block(BlockKind.PARAGRAPH, runs))
    return tuple(blocks)


def metadata_fields(
    mapping: Mapping, *, where: str, warnings: list[str] | None = None
) -> dict[str, object]:
    """The `Metadata` fields a mapping such as Markdown front matter or a TOML sidecar gives.

    Keys (case-insensitive, `-` or space may stand for `_`, singular forms accepted):
    `title`, `author` (text, or a list of co-authors), `rating` (any spelling
    `bot.ratings.read_rating` places; one it cannot is noted and read as Explicit),
    `warnings`, `categories`, `fandoms`, `relationships`, `characters`, `tags`, `series`
    (lists; one text is split on commas, except `series`, where one text is one series),
    `summary`, `notes`, `end_notes` (text with inline Markdown, paragraphs separated by blank
    lines, or a list of paragraphs), `language`, `url` (http or https), `published`,
    `updated`, `completed` (dates or text). Only the keys given, with a value, are returned.

    A value of the wrong type raises `StoryError` naming `where`, the key and what was
    expected. Unknown keys are ignored; they, and a URL that is not a web address, are noted
    in `warnings` when a list is given.
    """
    notes = warnings if warnings is not None else []
    values: dict[str, object] = {}
    given: dict[str, str] = {}
    for raw_key, value in mapping.items():
        key = str(raw_key).strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key not in (*_TEXT_KEYS, *_LIST_KEYS, *_BLOCK_KEYS):
            notes.append(f"{where}: unknown key {raw_key!r} ignored")
            continue
        if key in given:
            raise StoryError(f"{where}: {given[key]!r} and {raw_key!r} both give {key!r}")
        given[key] = str(raw_key)
        if value is None:
            continue
        if key in _LIST_KEYS:
            values[key] = _list_items(value, key, where)
        elif key in _BLOCK_KEYS:
            values[key] = _paragraphs(value, key, where)
        elif key == "author" and isinstance(value, list | tuple):
            values[key] = ", ".join(_list_items(value, key, where))
        else:
            text = _scalar_text(value)
            if text is None:
                expected = "a date or text" if key in _DATE_KEYS else "text"
                raise StoryError(f"{where}: {key!r} should be {expected}, not {_describe(value)}")
            values[key] = text

    if "rating" in values:
        values["rating"] = rating_field(str(values["rating"]), notes, where=where)
    url = values.get("url")
    if url and not re.match(r"https?://\S+$", str(url)):
        notes.append(f"{where}: 'url' is not a web address and was ignored")
        del values["url"]
    if not values.get("title"):
        values.pop("title", None)
    return values


def metadata_from_mapping(
    mapping: Mapping,
    *,
    fallback_title: str,
    where: str,
    warnings: list[str] | None = None,
) -> Metadata:
    """`Metadata` from a mapping (see `metadata_fields`), titled `fallback_title` when it
    gives no title."""
    values = metadata_fields(mapping, where=where, warnings=warnings)
    values.setdefault("title", fallback_title)
    return Metadata(**values)  # type: ignore[arg-type]


def sidecar_fields(data: bytes, *, where: str, warnings: list[str]) -> dict[str, object]:
    """The fields a `NAME.toml` sidecar gives (see `metadata_fields`).

    Raises `StoryError` naming `where` for a sidecar that is not UTF-8 TOML: TOML is UTF-8 by
    definition, and a sidecar in another encoding is an error to fix, not to guess at.
    """
    try:
        mapping = tomllib.loads(decode(data)) if data.strip() else {}
    except (StoryError, tomllib.TOMLDecodeError) as exc:
        raise StoryError(f"{where}: {exc}") from None
    return metadata_fields(mapping, where=where, warnings=warnings)


def with_fields(meta: Metadata, fields: Mapping[str, object]) -> Metadata:
    """`meta` with `fields` (from a sidecar) put over what the file itself said."""
    return dataclasses.replace(meta, **fields) if fields else meta
