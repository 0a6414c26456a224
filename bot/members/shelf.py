"""What a member's shelf and bookmarks say, decided without Discord.

A shelf row, a bookmark line and its autocomplete label, and what `/forgetme` deleted, in
words. `MemberService` gathers the rows; the members cog turns them into embeds and buttons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.storage.bookmarks import Bookmark
from bot.storage.database import Forgotten
from bot.storage.progress import Progress
from bot.text.formatting import bar, clip, fraction, inline, page_count, relative_time

PAGE_SIZE = 5  # rows per shelf or bookmark page: one row of buttons under them
NOTE_CHARS = 200
TITLE_CHARS = 80


def shown_title(title: str) -> str:
    """A story title as markdown: cut to `TITLE_CHARS` as on every shelf row, then escaped
    whole (escaping at most doubles a text)."""
    return inline(clip(title, TITLE_CHARS), 2 * TITLE_CHARS)


# --- shelf rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShelfRow:
    """One story on a member's shelf, ready to show."""

    story_id: str
    title: str  # plain text, for the continue button; `line` escapes it
    bar: str
    percent: int
    page: int | None  # None when the story has left the library
    pages: int | None
    last_read: str
    finished: bool
    available: bool

    def line(self) -> str:
        """`**Title** ✅\\n▰▰▰▱▱▱▱ 42% · page 3/12 · last read 2 hours ago`."""
        mark = " ✅" if self.finished else ""
        head = f"**{shown_title(self.title)}**{mark}"
        where = f"page {self.page}/{self.pages}" if self.page else "no longer in the library"
        return f"{head}\n{self.bar} {self.percent}% · {where} · last read {self.last_read}"


def shelf_row(progress: Progress, *, title: str | None, page: int | None,
              pages: int | None, now: float) -> ShelfRow:
    """A shelf row for saved progress; `title` None means the story left the library.

    The bar and percent are of the furthest place reached, so rereading an early chapter
    does not take progress away; a finished story is full.
    """
    share = 1.0 if progress.finished_at is not None else fraction(progress.furthest,
                                                                   progress.length)
    percent = math.floor(share * 100)
    return ShelfRow(
        story_id=progress.story_id,
        title=clip(title or progress.story_id, TITLE_CHARS),
        bar=bar(share),
        percent=percent,
        page=page,
        pages=pages,
        last_read=relative_time(progress.last_read_at, now),
        finished=progress.finished_at is not None,
        available=title is not None,
    )


def shelf_text(rows: list[ShelfRow], *, page: int, total: int) -> str:
    """The shelf embed's description; says what to do when the shelf is empty."""
    if not rows:
        return ("Your shelf is empty. `/library` shows the stories and `/read` opens one; "
                "what you read appears here.")
    return "\n\n".join(row.line() for row in rows)


def shelf_footer(page: int, total_items: int, size: int = PAGE_SIZE) -> str:
    """`12 stories · page 2/3`, or just the count when the shelf fits one page."""
    pages = page_count(total_items, size)
    stories = f"{total_items} stor{'y' if total_items == 1 else 'ies'}"
    return f"{stories} · page {page}/{pages}" if pages > 1 else stories


# --- bookmarks -------------------------------------------------------------------------------


def clean_note(note: str | None) -> str:
    """A bookmark note on one line, at most 200 characters."""
    return clip(note or "", NOTE_CHARS)


def shown_note(note: str) -> str:
    """A bookmark note as markdown, whole (escaping at most doubles a text)."""
    return inline(note, 2 * NOTE_CHARS)


def bookmark_line(index: int, bookmark: Bookmark, *, title: str | None, page: int | None,
                  now: float) -> str:
    """`3. **Title** — page 7 · “note” · 2 days ago`."""
    name = shown_title(title or bookmark.story_id)
    where = f"page {page}" if page else "no longer in the library"
    note = f" · “{shown_note(bookmark.note)}”" if bookmark.note else ""
    return f"{index}. **{name}** — {where}{note} · {relative_time(bookmark.created_at, now)}"


def bookmark_choice_name(bookmark: Bookmark, *, title: str | None, page: int | None) -> str:
    """An autocomplete label for a bookmark, at most 100 characters."""
    where = f"p. {page}" if page else "gone"
    note = f" — {bookmark.note}" if bookmark.note else ""
    return clip(f"{title or bookmark.story_id} ({where}){note}", 100)


# --- forgetting ------------------------------------------------------------------------------


def forgotten_text(forgotten: Forgotten) -> str:
    """What `/forgetme` removed, in words."""
    if forgotten.total == 0:
        return "I had nothing stored about you, so there was nothing to delete."
    parts = []
    for count, one, many in (
        (forgotten.progress, "story's progress", "stories' progress"),
        (forgotten.bookmarks, "bookmark", "bookmarks"),
        (forgotten.stats, "stats record", "stats records"),
        (forgotten.readings, "open reading message", "open reading messages"),
        (forgotten.optout, "stats opt-out", "stats opt-outs"),
        (forgotten.follows, "followed story", "followed stories"),
    ):
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    text = f"Done. I deleted {listed}. Nothing about you is stored any more."
    if forgotten.optout:
        text += (" Your stats opt-out went too: run `/stats privacy:opt out` again if you "
                 "read here later and want to stay out of the stats.")
    return text
