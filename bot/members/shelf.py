"""The reader's shelf, bookmarks, server stats and settings, decided without Discord.

What a shelf row says, how a long shelf is cut into pages, how stats are ranked and written,
and what a `/settings` change means. The shelf cog turns these into embeds and buttons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.reading.gate import AgeThreshold
from bot.storage.bookmarks import Bookmark
from bot.storage.database import Forgotten
from bot.storage.progress import Progress
from bot.storage.settings import GuildSettings
from bot.storage.stats import GuildStats
from bot.text.formatting import bar, fraction

PAGE_SIZE = 5  # rows per shelf or bookmark page: one row of buttons under them
NOTE_CHARS = 200
TITLE_CHARS = 80

PAGING_LABELS = {
    "reactions": "reactions",
    "buttons": "buttons",
    "both": "reactions and buttons",
}


# --- time and numbers ------------------------------------------------------------------------


def relative_time(then: float, now: float) -> str:
    """`just now`, `5 minutes ago`, `yesterday`, `3 weeks ago`… for a past timestamp."""
    seconds = max(now - then, 0.0)
    if seconds < 60:
        return "just now"
    steps = (
        (3600, 60, "minute"),
        (86400, 3600, "hour"),
        (7 * 86400, 86400, "day"),
        (30 * 86400, 7 * 86400, "week"),
        (365 * 86400, 30 * 86400, "month"),
    )
    for below, unit, name in steps:
        if seconds < below:
            count = int(seconds // unit)
            if name == "day" and count == 1:
                return "yesterday"
            return f"{count} {name}{'s' if count != 1 else ''} ago"
    years = int(seconds // (365 * 86400))
    return f"{years} year{'s' if years != 1 else ''} ago"


def number(value: int) -> str:
    """`12,345`: thousands separated, as people read them."""
    return f"{value:,}"


def short(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- paging a list ---------------------------------------------------------------------------


def page_count(items: int, size: int = PAGE_SIZE) -> int:
    """How many pages `items` rows fill; an empty list still has one (empty) page."""
    return max(math.ceil(items / size), 1)


def clamp_page(page: int, items: int, size: int = PAGE_SIZE) -> int:
    """A 1-based page number brought inside the list."""
    return min(max(page, 1), page_count(items, size))


def page_offset(page: int, size: int = PAGE_SIZE) -> int:
    """The row offset of 1-based `page`."""
    return (max(page, 1) - 1) * size


# --- shelf rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShelfRow:
    """One story on a member's shelf, ready to show."""

    story_id: str
    title: str
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
        head = f"**{self.title}**{mark}"
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
        title=short(title or progress.story_id, TITLE_CHARS),
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
    pages = page_count(total_items, size)
    stories = f"{total_items} stor{'y' if total_items == 1 else 'ies'}"
    return f"{stories} · page {page}/{pages}" if pages > 1 else stories


# --- bookmarks -------------------------------------------------------------------------------


def clean_note(note: str | None) -> str:
    """A bookmark note on one line, at most 200 characters."""
    return short(note or "", NOTE_CHARS)


def bookmark_line(index: int, bookmark: Bookmark, *, title: str | None, page: int | None,
                  now: float) -> str:
    """`3. **Title** — page 7 · “note” · 2 days ago`."""
    name = short(title or bookmark.story_id, TITLE_CHARS)
    where = f"page {page}" if page else "no longer in the library"
    note = f" · “{bookmark.note}”" if bookmark.note else ""
    return f"{index}. **{name}** — {where}{note} · {relative_time(bookmark.created_at, now)}"


def bookmark_choice_name(bookmark: Bookmark, *, title: str | None, page: int | None) -> str:
    """An autocomplete label for a bookmark, at most 100 characters."""
    where = f"p. {page}" if page else "gone"
    note = f" — {bookmark.note}" if bookmark.note else ""
    return short(f"{title or bookmark.story_id} ({where}){note}", 100)


# --- stats -----------------------------------------------------------------------------------


def stats_text(stats: GuildStats, titles: dict[str, str]) -> list[tuple[str, str]]:
    """(heading, body) sections for `/stats`; readers appear as mentions (they never ping)."""
    if stats.started == 0:
        return [("Nothing yet", "Nobody has read here yet. Open a story with `/read`.")]
    sections = [(
        "This server",
        f"{number(stats.started)} stories started · {number(stats.finished)} finished · "
        f"{number(stats.words_read)} words read",
    )]
    if stats.stories:
        lines = []
        for rank, story in enumerate(stats.stories, 1):
            title = short(titles.get(story.story_id, story.story_id), TITLE_CHARS)
            readers = f"{story.readers} reader{'s' if story.readers != 1 else ''}"
            lines.append(f"{rank}. **{title}** — {readers}, {story.finished} finished")
        sections.append(("Most read", "\n".join(lines)))
    if stats.readers:
        lines = []
        for rank, reader in enumerate(stats.readers, 1):
            done = reader.stories_finished
            lines.append(f"{rank}. <@{reader.user_id}> — {number(reader.words_read)} words, "
                         f"{done} stor{'y' if done == 1 else 'ies'} finished")
        sections.append(("Top readers", "\n".join(lines)))
    return sections


# --- settings --------------------------------------------------------------------------------


def describe_settings(settings: GuildSettings) -> list[tuple[str, str]]:
    """(name, value) lines showing a server's settings."""
    gate = settings.gate
    held = ("off: every story opens everywhere" if gate.threshold == "off" else
            f"{gate.describe()[:1].upper()}{gate.describe()[1:]} only in age-restricted "
            "channels and DMs")
    return [
        ("Paging controls", PAGING_LABELS.get(settings.paging, settings.paging)),
        ("Reading-club mode", "on: anyone may turn pages" if settings.club_mode
         else "off: only the reader turns pages"),
        ("Age gating", held),
        ("Not Rated stories", "shown everywhere, like General" if settings.not_rated_open
         else "gated like Mature, as on AO3"),
        ("Stats", "on" if settings.stats_enabled else "off"),
    ]


def settings_changes(*, paging: str | None = None, club_mode: bool | None = None,
                     age_threshold: str | None = None,
                     stats_enabled: bool | None = None,
                     not_rated_open: bool | None = None) -> dict[str, object]:
    """The settings a `/settings` call changes; ValueError for a value that is not allowed."""
    changes: dict[str, object] = {}
    if paging is not None:
        if paging not in PAGING_LABELS:
            raise ValueError(f"paging must be one of {', '.join(PAGING_LABELS)}")
        changes["paging"] = paging
    if club_mode is not None:
        changes["club_mode"] = bool(club_mode)
    if age_threshold is not None:
        if age_threshold not in tuple(AgeThreshold):
            raise ValueError(f"age gating must be one of {', '.join(tuple(AgeThreshold))}")
        changes["age_threshold"] = age_threshold
    if stats_enabled is not None:
        changes["stats_enabled"] = bool(stats_enabled)
    if not_rated_open is not None:
        changes["not_rated_open"] = bool(not_rated_open)
    return changes


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
    ):
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    text = f"Done. I deleted {listed}. Nothing about you is stored any more."
    if forgotten.optout:
        text += (" Your stats opt-out went too: run `/stats privacy:opt out` again if you "
                 "read here later and want to stay out of the stats.")
    return text
