"""Works in progress: checking linked works for new chapters, announcing them, following.

A server's works added by AO3 link that are not complete are checked every
`AO3_CHECK_HOURS`, each from when it was last fetched (so checks spread out as the works
were added), and only while someone has read or followed it. A check asks AO3 for the work's
page; only a work with more chapters is downloaded (the link is on that same page) and
updated in place, readers keeping their places. A work that became complete stops being
checked; one AO3 deleted keeps its last copy. With several bot processes a work is checked by
the process holding its server's shard, and each check is claimed in the database before
AO3 is asked, so a work is never asked about twice for one interval.

New chapters are announced once: the count is claimed in the database before anything is
posted, so a restart or a second check never announces them again. The post goes to the
server's announcement channel (`/stories announce`) and, by DM, to members who `/follow`ed
the story. Whether a post may name the chapter in a channel is the server's age gate's call.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.ao3.client import Ao3Error
from bot.ao3.pages import Problem, WorkStatus
from bot.library.lookup import NotFound, resolve
from bot.library.servers import Linked
from bot.reading.gate import Place, shown_in
from bot.reading.service import Refused, Viewer
from bot.text.formatting import inline
from bot.text.words import count_words

if TYPE_CHECKING:
    from bot.services import Services
    from bot.storage.server_stories import ServerStory

log = logging.getLogger(__name__)

#: The checking loop's shortest and longest sleep, in seconds, and its sleep with nothing to
#: check.
MIN_SLEEP = 60.0
MAX_SLEEP = 3 * 3600.0
IDLE_SLEEP = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class NewChapter:
    number: int  # 1-based
    title: str
    words: int
    position: int  # plain offset where it starts, for a button that opens it


@dataclass(frozen=True, slots=True)
class Announcement:
    """New chapters of one server's story, to post in its channel and send its followers."""

    guild_id: int
    story_id: str
    title: str
    author: str
    rating: str
    chapters: tuple[NewChapter, ...]
    channel_id: int | None  # the server's announcement channel, if it chose one
    followers: tuple[int, ...]

    @property
    def first(self) -> NewChapter:
        return self.chapters[0]

    def text(self, *, shown: bool) -> str:
        """The post: `**Title** by Author: chapter 12, “Name”, is out (3,210 words).` When the
        story may not show where it goes, the chapter's name stays out and the way to read
        it is said instead."""
        by = f" by {inline(self.author, 100)}" if self.author else ""
        title = f"**{inline(self.title, 200)}**{by}"
        if len(self.chapters) == 1:
            chapter = self.first
            named = f", “{inline(chapter.title, 150)}”," if chapter.title and shown else ""
            what = f"chapter {chapter.number}{named} is out ({chapter.words:,} words)"
        else:
            words = sum(c.words for c in self.chapters)
            what = (f"chapters {self.first.number}–{self.chapters[-1].number} are out "
                    f"({words:,} words)")
        if not shown:
            return (f"{title}: {what}. It is rated {self.rating}: read it in an "
                    f"age-restricted channel or in a DM with me (`/read {self.story_id}`).")
        return f"{title}: {what}."


class UpdatesService:
    """Checks linked works, announces new chapters, and keeps members' follows."""

    def __init__(self, services: Services, *, check_hours: float) -> None:
        self._services = services
        self.interval = check_hours * 3600

    @property
    def _database(self):
        return self._services.database

    # --- checking ---------------------------------------------------------------------------

    async def due(self, now: float) -> list[str]:
        """Linked works due a check: of this process's servers, in progress, not gone,
        last fetched an interval ago, and read or followed by someone."""
        if self._services.stories.ao3 is None:
            return []
        return await self._database.server_stories.due_checks(now - self.interval,
                                                              self._services.shards)

    async def sleep_after(self, now: float) -> float:
        """How long the checking loop may sleep: until the next check falls due, at least
        `MIN_SLEEP` and at most `MAX_SLEEP` (a work someone starts reading meanwhile is
        checked by then); `IDLE_SLEEP` when no work in progress is followed at all (adding
        one wakes the loop)."""
        stored, shards = self._database.server_stories, self._services.shards
        if self._services.stories.ao3 is None or not await stored.any_in_progress(shards):
            return IDLE_SLEEP
        last = await stored.oldest_check(shards)
        if last is None:
            return MAX_SLEEP
        return min(max(last + self.interval - now, MIN_SLEEP), MAX_SLEEP, self.interval)

    async def check(self, story_id: str, *, now: float | None = None) -> Announcement | None:
        """Ask AO3 how far a work is; when it has new chapters, fetch and update it. The
        announcement of its new chapters, once, when there are any.

        The check is claimed first by marking the work checked `now` in the database, so
        a work is asked about once an interval however many passes or processes find it
        due; a check the bot dies in the middle of waits for the next interval.
        """
        now = time.time() if now is None else now
        services = self._services
        own = services.shelves.story(story_id)
        ao3 = services.stories.ao3
        if own is None or own.work_id is None or ao3 is None:
            return None
        if not await self._database.server_stories.claim_check(story_id, now - self.interval,
                                                               now):
            log.info("Work %d of server %d was checked meanwhile", own.work_id, own.guild_id)
            return None
        try:
            fetched = await ao3.check_work(own.work_id, own.chapters_posted or 0)
        except Ao3Error as exc:
            await self._failed(own, exc, now)
            return None
        if isinstance(fetched, WorkStatus):  # no new chapter: nothing was downloaded
            await self._database.server_stories.checked(
                story_id, at=now, chapters_posted=fetched.chapters_posted,
                complete=fetched.complete)
            self._services.remember(replace(own, checked_at=now, complete=fetched.complete,
                                            chapters_posted=fetched.chapters_posted))
            return None
        answer = await services.stories.add_file(
            own.guild_id, own.added_by, fetched.file_name, fetched.html_download,
            linked=Linked(own.work_id, fetched.status.chapters_posted, fetched.status.complete),
            now=now)
        if isinstance(answer, Refused):
            log.warning("Work %d of server %d could not be updated: %s", own.work_id,
                        own.guild_id, answer.text)
            await self._database.server_stories.checked(story_id, at=now)
            return None
        return await self.announcement(story_id)

    async def _failed(self, own: ServerStory, exc: Ao3Error, now: float) -> None:
        if exc.kind is Problem.DELETED:
            log.info("Work %d of server %d is gone from AO3; its last copy is kept",
                     own.work_id, own.guild_id)
            await self._database.server_stories.checked(own.story_id, at=now, gone=True)
            self._services.remember(replace(own, gone=True, checked_at=now))
        else:  # AO3 down or refusing: the next interval tries again
            log.warning("Checking work %d of server %d: %s", own.work_id, own.guild_id, exc)
            await self._database.server_stories.checked(own.story_id, at=now)

    # --- announcing -------------------------------------------------------------------------

    async def announcement(self, story_id: str) -> Announcement | None:
        """The chapters of a linked work not yet announced, claimed so that nobody else
        announces them; None when there are none."""
        services = self._services
        own = services.shelves.story(story_id)
        if own is None or own.work_id is None or own.chapters_posted is None:
            return None
        before = own.announced_chapters
        if before is None or own.chapters_posted <= before:
            return None
        if not await self._database.server_stories.claim_announcement(
                story_id, before, own.chapters_posted):
            return None
        self._services.remember(replace(own, announced_chapters=own.chapters_posted))
        text = await services.library_for(own.guild_id).open(story_id)
        story = text.story
        chapters = tuple(
            NewChapter(number, chapter_name(story.chapters[number - 1].title, number),
                       sum(count_words(block.plain).words
                           for block in story.chapters[number - 1].blocks),
                       text.layout.chapters[number - 1].start)
            for number in range(before + 1, min(own.chapters_posted, len(story.chapters)) + 1))
        if not chapters:
            return None
        settings = await self._database.settings.get(own.guild_id)
        followers = await self._database.follows.followers(story_id)
        meta = story.meta
        return Announcement(own.guild_id, story_id, story.title, meta.author, meta.rating,
                            chapters, settings.announce_channel_id, tuple(followers))

    async def shown_in_channel(self, announcement: Announcement, *,
                               age_restricted: bool) -> bool:
        """Whether the announcement may name its chapter in its channel."""
        gate = (await self._database.settings.get(announcement.guild_id)).gate
        return shown_in(Place(announcement.guild_id, age_restricted), gate,
                        announcement.rating)

    async def set_channel(self, guild_id: int, channel_id: int | None) -> str:
        """`/stories announce`: where new chapters of this server's works are announced."""
        await self._database.settings.update(guild_id, announce_channel_id=channel_id)
        if channel_id is None:
            return "New chapters are no longer announced in a channel here."
        return (f"New chapters of this server's AO3 works will be announced in "
                f"<#{channel_id}>. Stories gated here are announced without their chapter "
                "names in channels that are not age-restricted.")

    # --- following --------------------------------------------------------------------------

    async def follow(self, viewer: Viewer, text: str, *, now: float | None = None) -> str:
        """`/follow`: hear of a work's new chapters by DM."""
        found = self._linked(viewer, text)
        if isinstance(found, Refused):
            return found.text
        story, title = found
        added = await self._database.follows.follow(
            viewer.user_id, story.story_id, story.guild_id,
            now=time.time() if now is None else now)
        if not added:
            return f"You already follow **{title}**."
        note = " It is complete, so no more chapters are expected." if story.complete else ""
        return (f"You will hear of new chapters of **{title}** in a DM from me. `/unfollow` "
                f"stops it.{note}")

    async def unfollow(self, viewer: Viewer, text: str) -> str:
        """`/unfollow`: stop hearing of a work's new chapters."""
        library = self._services.library_for(viewer.guild_id)
        found = resolve(library, text)
        story_id = found.id if not isinstance(found, NotFound) else text.strip()
        if await self._database.follows.unfollow(viewer.user_id, story_id):
            title = found.title if not isinstance(found, NotFound) else story_id
            return f"You no longer follow **{inline(title, 200)}**."
        if isinstance(found, NotFound):
            return found.text
        return f"You don't follow **{inline(found.title, 200)}**."

    async def follow_choices(self, guild_id: int | None, current: str) -> list[tuple[str, str]]:
        """Autocomplete (title, id) of the works this server follows on AO3."""
        if guild_id is None:
            return []
        needle = current.casefold().strip()
        library = self._services.library_for(guild_id)
        return [(card.title[:100], card.id) for card in library
                if (own := self._services.shelves.story(card.id)) is not None
                and own.work_id is not None and needle in card.title.casefold()][:25]

    def _linked(self, viewer: Viewer, text: str) -> tuple[ServerStory, str] | Refused:
        if viewer.guild_id is None:
            return Refused("Follow a story in the server that added it.")
        library = self._services.library_for(viewer.guild_id)
        found = resolve(library, text)
        if isinstance(found, NotFound):
            return Refused(found.text)
        own = self._services.shelves.story(found.id)
        title = inline(found.title, 200)
        if own is None or own.work_id is None:
            return Refused(f"**{title}** is not an AO3 work this server follows, so there "
                           "are no new chapters to hear of.")
        return own, title


_NUMBERED = re.compile(r"^\s*chapter\s+(\d+)\s*(?:[:.\-–—]\s*(.*))?$", re.IGNORECASE | re.DOTALL)


def chapter_name(title: str, number: int) -> str:
    """A chapter's own name: `Chapter 2: The Ford` is `The Ford`, a bare `Chapter 2` has
    none (the announcement says the number already)."""
    match = _NUMBERED.match(title)
    if match and int(match.group(1)) == number:
        return (match.group(2) or "").strip()
    return title.strip()
