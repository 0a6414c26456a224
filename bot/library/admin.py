"""`/stories`: a server's admins add and remove their own stories, decided without Discord.

An upload is checked before it is fetched (format, size), read by the folder's rules, and
answered with the story's card and what was found; a removal waits for its confirm button.
Readers' progress in a removed story is kept, for `/progress` to say it is gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import TYPE_CHECKING

from bot.ao3.client import DEFAULT_URL as AO3
from bot.ao3.client import Ao3Client, Ao3Error, Progress
from bot.ao3.links import NotAo3, SeriesLink, parse_link, work_url
from bot.ao3.pages import Problem
from bot.library.files import amount
from bot.library.listing import StoryCard, story_card
from bot.library.lookup import NotFound, resolve
from bot.library.peers import shelf_topic
from bot.library.scan import content_hash
from bot.library.servers import Linked, add_story
from bot.members.confirmations import ConfirmationKind, Confirmations
from bot.parsers import FORMATS
from bot.reading.service import Refused
from bot.text.formatting import clip_lines, inline, is_link, plural
from bot.text.story import StoryError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

EXPIRED = "This question has expired; run `/stories remove` again."
#: What an upload may be, for the answers that refuse one.
READ_FORMATS = "an AO3 HTML or EPUB download, an EPUB, a text file (.txt) or Markdown (.md)"


@dataclass(frozen=True, slots=True)
class AddedAnswer:
    """What `/stories add` says: a line on what happened, and the story's card."""

    text: str
    card: StoryCard
    story_id: str


@dataclass(frozen=True, slots=True)
class Question:
    """A removal waiting for its confirm button (the code its buttons carry)."""

    text: str
    code: str


class StoriesService:
    """A server's own stories: adding an upload, removing one."""

    def __init__(self, services: Services, *, max_bytes: int,
                 ao3: Ao3Client | None = None) -> None:
        self._services = services
        self._max_bytes = max_bytes
        self._confirmations = Confirmations()
        self._adding = asyncio.Lock()
        self.ao3 = ao3  # None when adding by link is turned off (`AO3_LINKS=0`)

    def upload_refusal(self, file_name: str, size: int) -> Refused | None:
        """Why an attachment will not be added, before it is fetched; None when it may be."""
        name = PurePath(file_name).name
        if PurePath(name).suffix.lower() not in FORMATS:
            return Refused(f"I can't add **{inline(name, 100)}**: it is not a story file I "
                           f"read. Send {READ_FORMATS}.")
        if size > self._max_bytes:
            return Refused(f"I can't add **{inline(name, 100)}**: it is {amount(size)}, over "
                           f"the {amount(self._max_bytes, 0)} limit for a story.")
        if size == 0:
            return Refused(f"I can't add **{inline(name, 100)}**: the file is empty.")
        return None

    async def add_file(self, guild_id: int, user_id: int, file_name: str, data: bytes, *,
                       rating: str | None = None, linked: Linked | None = None,
                       now: float | None = None) -> AddedAnswer | Refused:
        """`/stories add file:`: read the upload and add its story to the server."""
        services = self._services
        name = inline(PurePath(file_name).name, 100)
        # One add at a time: which story an upload replaces, and the id a new one takes,
        # are decided against the server's stories as the adds before it left them.
        async with self._adding:
            try:
                story, added = await add_story(
                    services.shelves, services.database, guild_id=guild_id,
                    file_name=file_name, data=data, rating=rating, added_by=user_id,
                    page_chars=services.page_chars, max_bytes=self._max_bytes, linked=linked,
                    now=time.time() if now is None else now)
            except StoryError as exc:
                return Refused(f"I can't add **{name}**: {exc}.")
            await services.use_shelves(services.shelves.with_story(story, added.entry))
        await services.peers.changed(shelf_topic(guild_id))
        entry = added.entry
        story = entry.story
        log.info("Server %d %s %s (%s)", guild_id, "replaced" if added.replaced else "added",
                 story.id, file_name)
        unrated = " (no rating found: it is gated like Not Rated; `rating:` sets one)" \
            if story.meta.rating == "Not Rated" and not rating else ""
        lines = [
            f"{'Updated' if added.replaced else 'Added'} **{inline(story.title, 200)}** "
            f"{'in' if added.replaced else 'to'} this server's library as `{story.id}`: "
            f"{plural(len(story.chapters), 'chapter')}, {entry.words:,} words, "
            f"rated {story.meta.rating}{unrated}."
        ]
        if added.replaced:
            lines.append("Readers keep their places.")
        if added.caveats:
            lines.append("Read with caveats:")
            lines.extend(f"- {inline(caveat, 200)}" for caveat in added.caveats)
        card = story_card(story, words=entry.words, gated=False, show_text=True,
                          link=story.meta.url if is_link(story.meta.url) else None,
                          progress_line=f"Added from `{name}`; only members here see it.",
                          progress_title="This server's")
        return AddedAnswer(clip_lines(lines, 1900), card, story.id)

    def link_refusal(self, text: str) -> Refused | None:
        """Why a link will not be fetched, seen before asking AO3; None when it may be."""
        if self.ao3 is None:
            return Refused("Adding stories by link is turned off on this bot; upload the "
                           "work's download with `file:` instead.")
        link = parse_link(text)
        return Refused(link.reason) if isinstance(link, NotAo3) else None

    async def add_link(self, guild_id: int, user_id: int, text: str,
                       progress: Progress | None = None, *,
                       now: float | None = None) -> AddedAnswer | Refused:
        """`/stories add link:`: fetch an AO3 work's HTML download and add it (a work the
        server has already is fetched again and updated in place)."""
        if refused := self.link_refusal(text):
            return refused
        assert self.ao3 is not None
        link = parse_link(text)
        assert not isinstance(link, NotAo3)
        if isinstance(link, SeriesLink):
            return await self._series(link.id, progress)
        try:
            fetched = await self.ao3.fetch_work(link.id, progress)
        except Ao3Error as exc:
            return Refused(str(exc))
        status = fetched.status
        linked = Linked(link.id, status.chapters_posted, status.complete)
        answer = await self.add_file(guild_id, user_id, fetched.file_name,
                                     fetched.html_download, linked=linked, now=now)
        if isinstance(answer, Refused):
            return answer
        total = status.chapters_total if status.chapters_total is not None else "?"
        state = ("complete" if status.complete else
                 f"a work in progress ({status.chapters_posted}/{total} chapters)")
        return replace(answer, text=f"{answer.text}\nFrom AO3: {state}.")

    async def update(self, guild_id: int, user_id: int, text: str,
                     progress: Progress | None = None, *,
                     now: float | None = None) -> AddedAnswer | Refused | str:
        """`/stories update`: fetch one of the server's linked works again now; the answer
        says what changed (readers keep their places)."""
        services = self._services
        found = resolve(services.library_for(guild_id), text)
        if isinstance(found, NotFound):
            return Refused(found.text)
        own = services.shelves.story(found.id)
        title = inline(found.title, 200)
        if own is None or own.guild_id != guild_id:
            return Refused(f"**{title}** is in the stories folder; only the bot's owner "
                           "updates it, with `/stories reload`.")
        if own.work_id is None:
            return Refused(f"**{title}** was uploaded, not added by link: upload the new "
                           "file with `/stories add file:` and it is updated in place.")
        if self.ao3 is None:
            return Refused("Fetching from AO3 is turned off on this bot.")
        now = time.time() if now is None else now
        try:
            fetched = await self.ao3.fetch_work(own.work_id, progress)
        except Ao3Error as exc:
            if exc.kind is Problem.DELETED:
                await services.database.server_stories.checked(own.story_id, at=now, gone=True)
                services.remember(replace(own, gone=True, checked_at=now))
                return (f"AO3 no longer has **{title}** (it may have been deleted); I keep "
                        "the last copy here.")
            return Refused(str(exc))
        status = fetched.status
        if content_hash(fetched.html_download, None) == own.content_hash:
            await services.database.server_stories.checked(
                own.story_id, at=now, chapters_posted=status.chapters_posted,
                complete=status.complete)
            services.remember(replace(own, checked_at=now, complete=status.complete,
                                      chapters_posted=status.chapters_posted))
            return (f"**{title}** is as it was: {plural(status.chapters_posted, 'chapter')}"
                    f"{', complete' if status.complete else ''}.")
        before = own.chapters_posted or 0
        answer = await self.add_file(guild_id, user_id, fetched.file_name,
                                     fetched.html_download,
                                     linked=Linked(own.work_id, status.chapters_posted,
                                                   status.complete), now=now)
        if isinstance(answer, Refused):
            return answer
        added = status.chapters_posted - before
        news = (f"{plural(added, 'new chapter')} since it was last fetched" if added > 0
                else "its text changed")
        return replace(answer, text=f"{answer.text}\nFrom AO3: {news}"
                                    f"{'; the work is complete' if status.complete else ''}.")

    async def _series(self, series_id: int, progress: Progress | None) -> Refused:
        assert self.ao3 is not None
        try:
            works = await self.ao3.series(series_id, progress)
        except Ao3Error as exc:
            return Refused(str(exc))
        if not works:
            return Refused(f"Series {series_id} shows no works I may fetch.")
        lines = [f"That is a series of {plural(len(works), 'work')}; add them one at a time "
                 "with `/stories add link:`:"]
        lines.extend(f"- {inline(title, 120)}: `{work_url(AO3, work_id)}`"
                     for work_id, title in works)
        return Refused(clip_lines(lines, 1900))

    def own_choices(self, guild_id: int | None, current: str) -> list[tuple[str, str]]:
        """Autocomplete (title, id) of the stories this server added."""
        if guild_id is None:
            return []
        needle = current.casefold().strip()
        library = self._services.library_for(guild_id)
        found = []
        for story in self._services.shelves.of_guild(guild_id):
            card = library.get(story.story_id)
            title = card.title if card else story.story_id
            if needle in title.casefold() or needle in story.story_id:
                found.append((f"{title} ({story.file_name})"[:100], story.story_id))
        return found[:25]

    async def ask_remove(self, guild_id: int, user_id: int, text: str, *,
                         now: float | None = None) -> Question | Refused:
        """`/stories remove`: ask before taking one of the server's stories away."""
        library = self._services.library_for(guild_id)
        found = resolve(library, text)
        if isinstance(found, NotFound):
            return Refused(found.text)
        own = self._services.shelves.story(found.id)
        if own is None or own.guild_id != guild_id:
            return Refused(f"**{inline(found.title, 200)}** is in the stories folder, not "
                           "one this server added; only the bot's owner can take it out.")
        code = self._confirmations.ask(ConfirmationKind.REMOVE_STORY, user_id, found.id,
                                       now=time.time() if now is None else now)
        return Question(f"Remove **{inline(found.title, 200)}** from this server's library? "
                        "Readers' places in it are kept, and it can be added again.", code)

    async def confirm_remove(self, guild_id: int | None, user_id: int, code: str, yes: bool,
                             *, now: float | None = None) -> str | Refused:
        """A confirm or cancel button under a removal: the question's new text, or a
        private answer when the button was someone else's."""
        pending = self._confirmations.find(code, now=time.time() if now is None else now)
        if pending is None or pending.kind is not ConfirmationKind.REMOVE_STORY:
            return EXPIRED
        if user_id != pending.user_id:
            return Refused("This question was for someone else.")
        self._confirmations.settle(code)
        if not yes:
            return "Cancelled; nothing was removed."
        assert pending.story_id is not None
        services = self._services
        own = services.shelves.story(pending.story_id)
        if guild_id is None or own is None or own.guild_id != guild_id:
            return "That story is no longer in this server's library."
        card = services.library_for(guild_id).get(own.story_id)
        title = inline(card.title if card else own.story_id, 200)
        await services.database.server_stories.remove(guild_id, own.story_id)
        await services.use_shelves(services.shelves.without(own.story_id))
        await services.peers.changed(shelf_topic(guild_id))
        log.info("Server %d removed %s", guild_id, own.story_id)
        return (f"Removed **{title}** from this server's library. Readers' places in it "
                "are kept; `/progress` shows it as gone.")
