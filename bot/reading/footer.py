"""Progress arithmetic: how far through a story a page is, and how long is left."""

from __future__ import annotations

import math

from bot.text.formatting import bar, clip, fraction
from bot.text.pagination import Page, PagedStory

TITLE_CHARS = 80  # keeps the footer far inside Discord's 2048


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
        title = clip(story.chapters[page.chapter].title, TITLE_CHARS)
        label = f"Chapter {page.chapter + 1}"
        parts.append(f"{label} · {title} — " if title and title != label else f"{label} — ")
    parts.append(f"page {page.number}/{len(paged)} {bar(share)} {math.floor(share * 100)}%")
    left = minutes_left(page.end, length, minutes)
    parts.append(" · the end" if share >= 1.0 else f" · ~{max(left, 1)} min left")
    return "".join(parts)
