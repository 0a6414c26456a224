"""Page state and reading rules, decided without Discord.

Which page a control leads to, where a saved place is in a story that has changed since,
and how many words a turn read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.text.pagination import Page, PagedStory

ANCHOR_CHARS = 48


class Action(enum.StrEnum):
    FIRST = "first"
    PREV = "prev"
    NEXT = "next"
    LAST = "last"


#: Reaction emoji -> what it does. Discord may send these with or without U+FE0F.
REACTIONS = {"⏮": Action.FIRST, "◀": Action.PREV, "▶": Action.NEXT, "⏭": Action.LAST}
BOOKMARK = "🔖"
REACTION_ORDER = ("⏮️", "◀️", "▶️", "⏭️", BOOKMARK)


def reaction_action(emoji: str) -> Action | str | None:
    """The action for a reaction emoji, `BOOKMARK`, or None for any other emoji."""
    bare = emoji.replace("\ufe0f", "")
    if bare == BOOKMARK:
        return BOOKMARK
    return REACTIONS.get(bare)


def turn(paged: PagedStory, position: int, action: Action) -> Page:
    """The page a control leads to from the page showing `position`."""
    current = paged.page_at(position).number - 1
    last = len(paged.pages) - 1
    index = {
        Action.FIRST: 0,
        Action.PREV: max(current - 1, 0),
        Action.NEXT: min(current + 1, last),
        Action.LAST: last,
    }[action]
    return paged.pages[index]


@dataclass(frozen=True, slots=True)
class Jump:
    page: Page
    clamped: bool  # the request was out of range and was brought inside it


def goto_page(paged: PagedStory, number: int) -> Jump:
    """Page `number` (1-based), clamped to the story."""
    index = min(max(number, 1), len(paged.pages)) - 1
    return Jump(paged.pages[index], clamped=index + 1 != number)


def goto_chapter(paged: PagedStory, chapter: int, page: int | None = None) -> Jump:
    """Page `page` (1-based, default 1) of chapter `chapter` (1-based), each clamped."""
    count = len(paged.story.chapters)
    index = min(max(chapter, 1), count) - 1
    pages = paged.chapter_pages(index)
    within = min(max(page or 1, 1), len(pages)) - 1
    clamped = index + 1 != chapter or (page is not None and within + 1 != page)
    return Jump(pages[within], clamped)


def anchor_at(plain: str, position: int) -> str:
    """The text at `position`, kept with a saved place so it can be found after edits."""
    return plain[position : position + ANCHOR_CHARS]


def page_anchor(paged: PagedStory, page: Page) -> str:
    """`anchor_at` for a page's start, read from its first block (no whole-story join)."""
    chapter = paged.story.chapters[page.chapter]
    if not chapter.blocks:
        return ""
    return chapter.blocks[page.first].plain[page.lo : page.lo + ANCHOR_CHARS]


def relocate(plain: str, position: int, anchor: str) -> int:
    """Where a saved place is now: the anchor's occurrence nearest the old offset.

    A story edited on disk shifts offsets; its words mostly stay. When the anchor is gone,
    the old offset (clamped to the story) is the best guess left.
    """
    position = min(max(position, 0), len(plain))
    if not anchor or plain.startswith(anchor, position):
        return position
    best = None
    for probe in (anchor, anchor[: ANCHOR_CHARS // 2]):
        if len(probe) < 8 and probe != anchor:
            continue
        after = plain.find(probe, position)
        before = plain.rfind(probe, 0, position + len(probe))
        candidates = [c for c in (after, before) if c >= 0]
        if candidates:
            best = min(candidates, key=lambda c: abs(c - position))
            break
    return position if best is None else best


def words_on(paged: PagedStory, page: Page, story_words: int) -> int:
    """About how many words a page holds, from the story's average word length."""
    length = paged.layout.chapters[-1].end if paged.layout.chapters else 0
    if length <= 0:
        return 0
    return round(story_words * (page.end - page.start) / length)
