"""Progress arithmetic: how far through a story a page is, and how long is left."""

from __future__ import annotations

import math

from bot.text.pagination import Page, PagedStory

BAR_SEGMENTS = 7
TITLE_CHARS = 80  # keeps the footer far inside Discord's 2048


def fraction(position: int, length: int) -> float:
    """How far `position` (a plain offset) is through a text of `length` characters, 0-1."""
    if length <= 0:
        return 1.0
    return min(max(position / length, 0.0), 1.0)


def bar(share: float, segments: int = BAR_SEGMENTS) -> str:
    """A bar such as `▰▰▰▱▱▱▱`; full only at the very end, empty only at the very start."""
    filled = round(share * segments)
    if share < 1.0:
        filled = min(filled, segments - 1)
    if share > 0.0:
        filled = max(filled, 1)
    return "▰" * filled + "▱" * (segments - filled)


def minutes_left(position: int, length: int, minutes: float) -> int:
    """Reading time left from `position` in a story read in `minutes`, rounded up.

    `minutes` is the whole story's reading time (`bot.words.WordCount.minutes`).
    """
    if length <= 0 or minutes <= 0:
        return 0
    return math.ceil(round(minutes * (1.0 - fraction(position, length)), 6))


def footer(paged: PagedStory, page: Page, minutes: float) -> str:
    """The page embed's footer.

    `Chapter 3 · The Storm — page 12/40 ▰▰▰▱▱▱▱ 30% · ~14 min left`; one-chapter stories
    leave the chapter out, and the last page says it is the end.
    """
    story = paged.story
    length = paged.layout.chapters[-1].end if paged.layout.chapters else 0
    share = fraction(page.end, length) if page is not paged.pages[-1] else 1.0
    parts = []
    if len(story.chapters) > 1:
        title = " ".join(story.chapters[page.chapter].title.split())
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1].rstrip() + "…"
        label = f"Chapter {page.chapter + 1}"
        parts.append(f"{label} · {title} — " if title and title != label else f"{label} — ")
    parts.append(f"page {page.number}/{len(paged)} {bar(share)} {math.floor(share * 100)}%")
    left = minutes_left(page.end, length, minutes)
    parts.append(" · the end" if share >= 1.0 else f" · ~{max(left, 1)} min left")
    return "".join(parts)
