"""A member's own things, decided without Discord: their shelf, bookmarks, forgetting them.

Deleting a place or everything about a member waits for a confirm button; the question's
code is held here, in memory only (`bot.members.confirmations`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.library.lookup import NotFound, resolve
from bot.members.confirmations import ConfirmationKind, Confirmations
from bot.members.shelf import (
    PAGE_SIZE,
    ShelfRow,
    bookmark_choice_name,
    bookmark_line,
    clean_note,
    forgotten_text,
    shelf_footer,
    shelf_row,
    shelf_text,
    shown_note,
)
from bot.reading.pages import page_anchor
from bot.reading.service import GONE, Outcome, Refused, Viewer
from bot.text.formatting import clamp_page, clip, inline, page_count, page_offset
from bot.text.numbers import whole_number
from bot.text.pagination import Page, PagedStory
from bot.text.story import StoryError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CHOICES = 25
EXPIRED = "This confirmation has expired — run the command again."
FORGET_QUESTION = ("Delete everything I store about you: your progress in every story, your "
                   "bookmarks, your reading stats and your open reading messages? This cannot "
                   "be undone.")


@dataclass(frozen=True, slots=True)
class ShelfPage:
    """One page of a member's shelf."""

    rows: list[ShelfRow]
    page: int
    pages: int
    text: str
    footer: str


@dataclass(frozen=True, slots=True)
class ListedBookmark:
    """A bookmark on a page of the list: its id, its number there, and its story page."""

    id: int
    index: int
    page: int | None  # None when its story has left the library


@dataclass(frozen=True, slots=True)
class BookmarkPage:
    """One page of a member's bookmarks."""

    marks: list[ListedBookmark]
    page: int
    pages: int
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    """A deletion to confirm: what to ask, and the code its buttons carry."""

    text: str
    code: str


def _clock(now: float | None) -> float:
    return time.monotonic() if now is None else now


class MemberService:
    """The shelf, bookmarks and deletions, as a member sees them."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._confirmations = Confirmations()

    @property
    def _database(self):
        return self._services.database

    def _title(self, story_id: str) -> str:
        story = self._services.shelves.everything().get(story_id)
        return story.title if story else story_id

    def _place(self, story_id: str, position: int) -> tuple[int, int] | None:
        """The number of the page holding a place and the story's page count, from the
        catalogue; None when the story left the library."""
        library = self._services.shelves.everything()
        if story_id not in library:
            return None
        pages = library.pages(story_id, self._services.page_chars)
        return pages.number_at(position), len(pages)

    async def _page(self, story_id: str, position: int) -> tuple[PagedStory, Page] | None:
        """The paged story and the page holding a place, its text opened; None when the
        story left the library or its text cannot be opened now."""
        library = self._services.shelves.everything()
        if story_id not in library:
            return None
        try:
            paged = await library.paged(story_id, self._services.page_chars)
        except StoryError as exc:
            log.warning("Could not open %s: %s", story_id, exc)
            return None
        return paged, paged.page_at(position)

    def _page_number(self, story_id: str, position: int) -> int | None:
        found = self._place(story_id, position)
        return found[0] if found else None

    # --- the shelf --------------------------------------------------------------------------

    async def shelf(self, user_id: int, page: int, *, now: float | None = None) -> ShelfPage:
        """`/progress`: one page of the member's stories, newest first."""
        progress = self._database.progress
        total = await progress.count(user_id)
        page = clamp_page(page, total, PAGE_SIZE)
        saved = await progress.shelf(user_id, limit=PAGE_SIZE,
                                     offset=page_offset(page, PAGE_SIZE))
        now = time.time() if now is None else now
        rows = []
        for item in saved:
            found = self._place(item.story_id, item.position)
            story = self._services.shelves.everything().get(item.story_id)
            rows.append(shelf_row(
                item, title=story.title if story else None,
                page=found[0] if found else None,
                pages=found[1] if found else None, now=now,
            ))
        return ShelfPage(rows, page, page_count(total, PAGE_SIZE),
                         shelf_text(rows, page=page, total=total), shelf_footer(page, total))

    async def reset_choices(self, user_id: int, current: str) -> list[tuple[str, str]]:
        """(title, story id) of the member's stories matching what they typed so far."""
        rows = await self._database.progress.shelf(user_id, limit=200)
        needle = current.casefold().strip()
        choices = []
        for row in rows:
            title = self._title(row.story_id)
            if needle in title.casefold() or needle in row.story_id:
                choices.append((clip(title, 100), row.story_id))
            if len(choices) == CHOICES:
                break
        return choices

    # --- deleting, behind a confirm button --------------------------------------------------

    async def ask_reset(self, user_id: int, text: str, *,
                        now: float | None = None) -> Question | Refused:
        """`/progress reset`: ask before forgetting the member's place in a story."""
        progress = self._database.progress
        story_id = text.strip()
        if await progress.get(user_id, story_id) is None:
            story = resolve(self._services.shelves.everything(), text)
            if isinstance(story, NotFound):
                return Refused(story.text)
            story_id = story.id
            if await progress.get(user_id, story_id) is None:
                return Refused(f"You have no progress in {inline(story.title, 200)}; "
                               "there is nothing to reset.")
        code = self._confirmations.ask(ConfirmationKind.RESET, user_id, story_id,
                                       now=_clock(now))
        title = inline(self._title(story_id), 200)
        return Question(f"Delete your place and your bookmarks in **{title}**? This cannot "
                        "be undone.", code)

    def ask_forget(self, user_id: int, *, now: float | None = None) -> Question:
        """`/forgetme`: ask before deleting everything stored about the member."""
        code = self._confirmations.ask(ConfirmationKind.FORGET, user_id, None,
                                       now=_clock(now))
        return Question(FORGET_QUESTION, code)

    async def confirm(self, user_id: int, code: str, yes: bool, *,
                      now: float | None = None) -> str | Refused:
        """A confirm or cancel button: the question's new text, or a private answer when
        the button was someone else's."""
        pending = self._confirmations.find(code, now=_clock(now))
        if pending is None:
            return EXPIRED
        if user_id != pending.user_id:
            return Refused("This question was for someone else.")
        self._confirmations.settle(code)
        if not yes:
            return "Cancelled; nothing was deleted."
        if pending.kind is ConfirmationKind.RESET:
            assert pending.story_id is not None
            _, marks = await self._database.reset_progress(user_id, pending.story_id)
            title = inline(self._title(pending.story_id), 200)
            return (f"Done. Your place in **{title}** is forgotten"
                    + (f", with {marks} bookmark{'s' if marks != 1 else ''}." if marks
                       else "."))
        forgotten = await self._database.forget_member(user_id)
        log.info("Forgot member %s (%d rows)", user_id, forgotten.total)
        return forgotten_text(forgotten)

    async def set_stats_optout(self, user_id: int, opting_out: bool) -> str:
        """Take the member out of every server's stats (deleting what was counted), or back."""
        await self._database.stats.set_optout(user_id, opting_out)
        return ("You are out of the stats: what was recorded is deleted and nothing more is "
                "counted or shown." if opting_out else "You are back in the stats from now on.")

    # --- bookmarks --------------------------------------------------------------------------

    def _bookmarked(self, story_id: str, number: int | None) -> str:
        where = f"page {number} of " if number else ""
        title = inline(self._title(story_id), 200)
        return f"🔖 Bookmarked {where}**{title}**. `/bookmark list` takes you back."

    async def bookmark_latest(self, user_id: int, note: str | None = None) -> str:
        """`/bookmark add`: bookmark the member's place in the story they read last."""
        latest = await self._database.progress.latest(user_id)
        if latest is None:
            return ("You haven't started a story yet, so there is no place to bookmark. "
                    "`/read` opens one.")
        await self._database.bookmarks.add(user_id, latest.story_id, latest.position,
                                           latest.anchor, clean_note(note))
        return self._bookmarked(latest.story_id,
                                self._page_number(latest.story_id, latest.position))

    async def bookmark_at(self, user_id: int, story_id: str, position: int) -> str:
        """The 🔖 button: bookmark the page holding `position`; what to tell the member."""
        found = await self._page(story_id, position)
        if found is None:
            return GONE
        paged, page = found
        await self._database.bookmarks.add(user_id, story_id, page.start,
                                           page_anchor(paged, page))
        return self._bookmarked(story_id, page.number)

    async def bookmark_reading(self, user_id: int, message_id: int) -> bool:
        """A 🔖 reaction: bookmark the page a reading message shows, for its reader only.

        False when the message is not the member's reading, so the reaction is left alone.
        """
        reading = await self._database.messages.get(message_id)
        if reading is None or reading.user_id != user_id:
            return False
        found = await self._page(reading.story_id, reading.position)
        if found is not None:
            paged, page = found
            await self._database.bookmarks.add(user_id, reading.story_id, reading.position,
                                               page_anchor(paged, page))
        return True

    async def bookmarks(self, user_id: int, page: int, *,
                        now: float | None = None) -> BookmarkPage:
        """`/bookmark list`: one page of the member's bookmarks, newest first."""
        bookmarks = self._database.bookmarks
        total = await bookmarks.count(user_id)
        page = clamp_page(page, total, PAGE_SIZE)
        offset = page_offset(page, PAGE_SIZE)
        found = await bookmarks.list(user_id, limit=PAGE_SIZE, offset=offset)
        now = time.time() if now is None else now
        marks, lines = [], []
        for index, mark in enumerate(found, offset + 1):
            number = self._page_number(mark.story_id, mark.position)
            story = self._services.shelves.everything().get(mark.story_id)
            lines.append(bookmark_line(index, mark, title=story.title if story else None,
                                       page=number, now=now))
            marks.append(ListedBookmark(mark.id, index, number))
        text = "\n".join(lines) or ("You have no bookmarks. `/bookmark add` or 🔖 on a page "
                                    "keeps your place.")
        return BookmarkPage(marks, page, page_count(total, PAGE_SIZE), text)

    async def open_bookmark(self, viewer: Viewer, bookmark_id: int) -> Outcome:
        """An open button on the list: the bookmarked page, with its note."""
        mark = await self._database.bookmarks.get(viewer.user_id, bookmark_id)
        if mark is None:
            return Refused("That bookmark is gone (or is someone else's).")
        return await self._services.reading.open_at(
            viewer, mark.story_id, mark.position, anchor=mark.anchor,
            note=f"🔖 {shown_note(mark.note)}" if mark.note else "")

    async def remove_bookmark(self, user_id: int, bookmark: str) -> str:
        """`/bookmark remove`: delete one of the member's bookmarks, chosen by its id."""
        number = whole_number(bookmark, signed=False)
        removed = number is not None and await self._database.bookmarks.remove(user_id, number)
        return ("Bookmark deleted." if removed else
                "You have no such bookmark; pick one from the list that appears as you type, "
                "or see `/bookmark list`.")

    async def bookmark_choices(self, user_id: int, current: str) -> list[tuple[str, str]]:
        """(label, bookmark id) of the member's bookmarks matching what they typed so far."""
        marks = await self._database.bookmarks.list(user_id, limit=200)
        needle = current.casefold().strip()
        choices = []
        for mark in marks:
            story = self._services.shelves.everything().get(mark.story_id)
            name = bookmark_choice_name(mark, title=story.title if story else None,
                                        page=self._page_number(mark.story_id, mark.position))
            if needle in name.casefold():
                choices.append((name, str(mark.id)))
            if len(choices) == CHOICES:
                break
        return choices
