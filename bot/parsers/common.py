"""Pieces every story parser shares: scene-break lines, file names, chapters, line joining."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from bot.parsers import FORMATS
from bot.text.story import Block, BlockKind, Chapter, Run, StoryError

# A line that is nothing but a scene-break ornament: `* * *`, `***`, `~~~`, `---`, `⁂`,
# `# # #`, `o0o`, `~*~`, `-x-`, `+++`, `___`, `===`, `•••`.
_BREAK_LINE = re.compile(
    r"^\s*(?:(?:[*~\-_=+#•·⁂※§◇◆✦✧❖]\s*){3,}|⁂|[*~]\s*[*~]|o0o|0o0|xXx|-x-|~\*~)\s*$",
    re.IGNORECASE,
)


def is_break_line(text: str) -> bool:
    """Whether a paragraph's whole text is a scene-break ornament rather than prose."""
    return bool(_BREAK_LINE.match(text)) if len(text) <= 40 else False


def title_from_filename(name: str) -> str:
    """A readable title from a file name: `the_long-road home.txt` -> `The Long Road Home`."""
    stem = file_stem(name)
    words = re.sub(r"[_\-.]+", " ", stem).split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or stem


def file_stem(name: str) -> str:
    """The file name without its folder and its story extension; `name` may be a bare stem.

    Only a story extension goes: `PurePath.stem` would cut `the.long.road` to `the.long`.
    """
    base = PurePath(name).name
    suffix = PurePath(base).suffix
    if suffix.lower() in FORMATS and len(base) > len(suffix):
        return base[: -len(suffix)]
    return base


# --------------------------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------------------------


# AO3's labels for work metadata, singular and plural as it writes them, to `Metadata`
# fields; the HTML download's `dt`s and the text export's header lines use the same words.
AO3_LABELS = {
    "rating": "rating",
    "ratings": "rating",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "category": "categories",
    "categories": "categories",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "relationship": "relationships",
    "relationships": "relationships",
    "character": "characters",
    "characters": "characters",
    "additional tag": "tags",
    "additional tags": "tags",
    "language": "language",
    "series": "series",
    "stats": "stats",
}


def tidy_breaks(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """Blocks without scene breaks at either end and without two breaks in a row."""
    out: list[Block] = []
    for block in blocks:
        if block.kind is BlockKind.BREAK and (not out or out[-1].kind is BlockKind.BREAK):
            continue
        out.append(block)
    while out and out[-1].kind is BlockKind.BREAK:
        out.pop()
    return tuple(out)


def finish_chapters(
    drafts: Iterable[tuple[str, Sequence[Block]]], warnings: list[str]
) -> tuple[Chapter, ...]:
    """Chapters from `(title, blocks)` drafts, tidied the same way for every format.

    Scene breaks never open or close a chapter and never follow one another. A chapter left
    with no blocks (a "Part One" heading straight before a chapter heading) is folded into the
    next chapter as a heading, so its words are not lost; an empty last chapter is dropped
    with a warning. Raises `StoryError` when no story text remains at all.
    """
    chapters: list[Chapter] = []
    carried: list[Block] = []
    for title, blocks in drafts:
        body = list(tidy_breaks(blocks))
        if not body:
            if title:
                carried.append(Block(BlockKind.HEADING, (Run(title),)))
            continue
        chapters.append(Chapter(title, (*carried, *body)))
        carried = []
    for heading in carried:
        warnings.append(f"chapter {heading.plain!r} has no text and was left out")
    has_text = any(
        block.kind in (BlockKind.PARAGRAPH, BlockKind.HEADING)
        for chapter in chapters
        for block in chapter.blocks
    )
    if not has_text:
        raise StoryError("the file has no story text")
    return tuple(chapters)


# --------------------------------------------------------------------------------------------
# Joining lines
# --------------------------------------------------------------------------------------------

# Scripts written without spaces between words, where a wrapped line joins with no space.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd]"
)


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced editor: CJK characters count twice."""
    return len(text) + len(_WIDE.findall(text))


def soft_join(left: str, right: str) -> str:
    """What stands between two wrapped lines: a space, or nothing between CJK characters."""
    if left and right and _WIDE.match(left[-1]) and _WIDE.match(right[0]):
        return ""
    return " "
