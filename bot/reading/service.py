"""Reading a story, decided without Discord: open it at a place, turn and jump its pages.

Every path that shows a page (a command, a reaction, a button, the go-to-page form, the
chapter menu, a continue, bookmark, quote or search button) ends in `ReadingService._show`,
so one age-gate check guards them all, against the server's settings, the channel and the
story's rating as they are at that moment. What comes back is a `Shown` page to display or
a `Refused` answer to give the member privately.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.library.catalogue import Library
from bot.library.lookup import NotFound, resolve
from bot.reading.gate import Place, refusal, shown_in
from bot.reading.pages import (
    Action,
    goto_chapter,
    goto_page,
    page_anchor,
    relocate,
    turn,
    words_on,
)
from bot.storage.progress import PageMessage, Paging
from bot.text.formatting import inline
from bot.text.pagination import Page, PagedStory
from bot.text.story import Story, StoryError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

GONE = "That story is no longer in the library."
UNREADABLE = ("I couldn't open that story's text just now; the library is being reloaded "
              "or needs it read again. Try again in a minute.")
CLOSED_HERE = ("This reading is closed here: the story may no longer be shown in this channel. "
               "Your place is kept; `/continue` in a DM with me or in an age-restricted "
               "channel goes on from it.")


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking, and where the answer would appear."""

    user_id: int
    place: Place

    @property
    def guild_id(self) -> int | None:
        return self.place.guild_id


@dataclass(frozen=True, slots=True)
class Shown:
    """A page to show: whose reading it is, and a private note to add, if any."""

    story_id: str
    owner: int
    page: Page
    paged: PagedStory
    minutes: float  # reading time of the whole story, for the footer
    note: str = ""

    @property
    def total(self) -> int:
        return len(self.paged.pages)


@dataclass(frozen=True, slots=True)
class Refused:
    """A private answer instead of a page.

    `gated` says the story may not show here at all (the age gate, as it is now): a
    reading message already showing it in this place is closed rather than left up.
    """

    text: str
    gated: bool = False


Outcome = Shown | Refused


def closes_message(outcome: Outcome, row: PageMessage | None, story_id: str, *,
                   private: bool) -> bool:
    """Whether an outcome takes down the message whose control or reaction asked for it.

    Only a gate refusal does, and only on that story's reading: its saved reading message,
    or the member's own private reading. A control id is whatever the client sends, so one
    naming another story closes nothing.
    """
    if not isinstance(outcome, Refused) or not outcome.gated:
        return False
    return row.story_id == story_id if row is not None else private


class ReadingService:
    """Opens stories and turns their pages for members, saving every place."""

    def __init__(self, services: Services) -> None:
        self._services = services

    @property
    def _database(self):
        return self._services.database

    def _library(self, viewer: Viewer) -> Library:
        """The library as the viewer sees it where they are."""
        return self._services.library_for(viewer.guild_id)

    async def _paged(self, viewer: Viewer, story_id: str) -> PagedStory | Refused:
        """The story's pages, its text opened; or why it cannot be read."""
        library = self._library(viewer)
        if story_id not in library:
            return Refused(GONE)
        try:
            return await library.paged(story_id, self._services.page_chars)
        except StoryError as exc:
            log.warning("Could not open %s: %s", story_id, exc)
            return Refused(UNREADABLE)

    # --- opening ----------------------------------------------------------------------------

    async def open(self, viewer: Viewer, text: str, *, chapter: int | None = None,
                   page: int | None = None) -> Outcome:
        """`/read`: a story named by `text`, at a chapter and page or at its start."""
        found = resolve(self._library(viewer), text)
        if isinstance(found, NotFound):
            return Refused(found.text)
        paged = await self._paged(viewer, found.id)
        if isinstance(paged, Refused):
            return paged
        note = ""
        if chapter is not None:
            jump = goto_chapter(paged, chapter, page)
            if jump.clamped:
                note = (f"{inline(found.title, 200)} has {len(found.chapters)} chapters; "
                        f"showing chapter {jump.page.chapter + 1}, page {jump.page.number}.")
        elif page is not None:
            jump = goto_page(paged, page)
            if jump.clamped:
                note = (f"{inline(found.title, 200)} has {len(paged.pages)} pages; "
                        f"showing page {jump.page.number}.")
        else:
            jump = goto_page(paged, 1)
        return await self._show(viewer, found, jump.page, owner=viewer.user_id, note=note)

    async def continue_(self, viewer: Viewer, text: str | None = None) -> Outcome:
        """`/continue`: the member's place in a story, or in the one read last."""
        progress = self._database.progress
        if text is None:
            latest = await progress.latest(viewer.user_id)
            if latest is None:
                return Refused("You haven't started a story yet. `/library` shows the shelf "
                               "and `/read` opens one.")
            story = self._library(viewer).get(latest.story_id)
            if story is None and self._services.shelves.story(latest.story_id) is not None:
                return Refused("The story you read last is another server's; `/continue` "
                               "there, or in a DM with me. `/progress` shows your stories.")
            if story is None:
                return Refused("The story you read last is no longer in the library. "
                               "`/progress` shows your other stories.")
            return await self._show_saved(viewer, story, latest.position, latest.anchor)
        found = resolve(self._library(viewer), text)
        if isinstance(found, NotFound):
            return Refused(found.text)
        saved = await progress.get(viewer.user_id, found.id)
        if saved is None:
            paged = await self._paged(viewer, found.id)
            if isinstance(paged, Refused):
                return paged
            return await self._show(viewer, found, paged.pages[0], owner=viewer.user_id,
                                    note=f"You hadn't started {inline(found.title, 200)}; "
                                         "here is the first page.")
        return await self._show_saved(viewer, found, saved.position, saved.anchor)

    async def open_saved(self, viewer: Viewer, story_id: str) -> Outcome:
        """A continue button: the member's saved place in a story, or its first page."""
        story = self._library(viewer).get(story_id)
        if story is None:
            return Refused(GONE)
        saved = await self._database.progress.get(viewer.user_id, story_id)
        if saved is None:
            return await self.open_at(viewer, story_id, 0)
        return await self._show_saved(viewer, story, saved.position, saved.anchor)

    async def open_at(self, viewer: Viewer, story_id: str, position: int, *, anchor: str = "",
                      note: str = "") -> Outcome:
        """The page holding a place (a quote, a search hit, a bookmark), for the viewer."""
        story = self._library(viewer).get(story_id)
        if story is None:
            return Refused(GONE)
        return await self._show_saved(viewer, story, position, anchor, note=note)

    async def _show_saved(self, viewer: Viewer, story: Story, position: int, anchor: str,
                          *, note: str = "") -> Outcome:
        paged = await self._paged(viewer, story.id)
        if isinstance(paged, Refused):
            return paged
        page = paged.page_at(relocate(paged.story.plain, position, anchor))
        return await self._show(viewer, story, page, owner=viewer.user_id, note=note)

    # --- turning ----------------------------------------------------------------------------

    async def may_turn(self, viewer: Viewer, owner: int) -> Refused | None:
        """Only the reader turns pages, unless the server is in reading-club mode."""
        if viewer.user_id == owner:
            return None
        settings = await self._database.settings.get(viewer.guild_id)
        if settings.club:
            return None
        return Refused(f"These pages belong to <@{owner}>. Open your own copy with `/read` "
                       "to read along.")

    async def _turnable(self, viewer: Viewer, story_id: str,
                        owner: int) -> tuple[Story, PagedStory] | Refused:
        """The story a control on `owner`'s reading points at, once `viewer` may use it."""
        if refused := await self.may_turn(viewer, owner):
            return refused
        story = self._library(viewer).get(story_id)
        if story is None:
            return Refused(GONE)
        paged = await self._paged(viewer, story_id)
        if isinstance(paged, Refused):
            return paged
        return story, paged

    async def turn(self, viewer: Viewer, story_id: str, owner: int, position: int,
                   action: Action, *, message_id: int | None = None) -> Outcome:
        """A ⏮ ◀ ▶ ⏭ control on the page showing `position`."""
        found = await self._turnable(viewer, story_id, owner)
        if isinstance(found, Refused):
            return found
        story, paged = found
        before = paged.page_at(position)
        page = turn(paged, position, action)
        words = 0
        if action is Action.NEXT:
            words = words_on(paged, before, self._library(viewer).entry(story_id).words)
        return await self._show(viewer, story, page, owner=owner, turned=page is not before,
                                words=words, message_id=message_id)

    async def jump(self, viewer: Viewer, story_id: str, owner: int, *,
                   page: int | None = None, chapter: int | None = None,
                   message_id: int | None = None) -> Outcome:
        """The go-to-page form or the chapter menu."""
        found = await self._turnable(viewer, story_id, owner)
        if isinstance(found, Refused):
            return found
        story, paged = found
        jump = goto_chapter(paged, chapter) if chapter is not None else goto_page(paged, page or 1)
        note = (f"There are {len(paged.pages)} pages; showing page {jump.page.number}."
                if jump.clamped else "")
        return await self._show(viewer, story, jump.page, owner=owner, note=note,
                                message_id=message_id)

    async def pages_for_form(self, viewer: Viewer, story_id: str, owner: int) -> int | Refused:
        """How many pages the go-to-page form offers, once the member may use it here."""
        found = await self._turnable(viewer, story_id, owner)
        if isinstance(found, Refused):
            return found
        story, paged = found
        if refused := await self._refusal(viewer, story):
            return refused
        return len(paged.pages)

    async def reaction(self, viewer: Viewer, message_id: int,
                       action: Action) -> tuple[PageMessage, Outcome | None] | None:
        """A page reaction on a reading message.

        None when it is nobody's to act on (not a reading, or not this member's and no
        reading club): such a reaction is left alone. The outcome is None when the
        reaction was the reader's but leads nowhere new (the story is gone, or the page
        is already the first or last).
        """
        message = await self._database.messages.get(message_id)
        if message is None or await self.may_turn(viewer, message.user_id):
            return None
        paged = await self._paged(viewer, message.story_id)
        if isinstance(paged, Refused) or turn(paged, message.position, action) is paged.page_at(
                message.position):
            return message, None
        outcome = await self.turn(viewer, message.story_id, message.user_id, message.position,
                                  action, message_id=message_id)
        return message, outcome

    # --- the one way a page is shown --------------------------------------------------------

    async def _refusal(self, viewer: Viewer, story: Story) -> Refused | None:
        settings = await self._database.settings.get(viewer.guild_id)
        if shown_in(viewer.place, settings.gate, story.meta.rating):
            return None
        return Refused(refusal(story.title, story.meta.rating, settings.gate), gated=True)

    async def _show(self, viewer: Viewer, story: Story, page: Page, *, owner: int,
                    turned: bool = False, words: int = 0, message_id: int | None = None,
                    note: str = "") -> Outcome:
        """Check the gate, save the member's place, and return the page to show."""
        if refused := await self._refusal(viewer, story):
            return refused
        paged = await self._paged(viewer, story.id)
        if isinstance(paged, Refused):
            return paged
        entry = self._library(viewer).entry(story.id)
        await self._database.progress.record_page(
            viewer.user_id, story.id,
            position=page.start,
            anchor=page_anchor(paged, page),
            page_end=page.end,
            length=entry.length,
            words=words,
            turned=turned,
            finished=page is paged.pages[-1],
            message_id=message_id,
        )
        return Shown(story.id, owner, page, paged, entry.minutes, note=note)

    # --- reading messages -------------------------------------------------------------------

    async def paging(self, guild_id: int | None) -> Paging:
        """How a server's public readings turn their pages."""
        return (await self._database.settings.get(guild_id)).paging

    async def message(self, message_id: int) -> PageMessage | None:
        return await self._database.messages.get(message_id)

    async def remember(self, message: PageMessage) -> None:
        """A public reading message was sent (or its controls changed)."""
        await self._database.messages.save(message)

    async def forget(self, message_id: int) -> None:
        """A reading message is gone from Discord."""
        await self._database.messages.delete(message_id)
