"""The library as members browse it: `/library` listings, `/story` cards, `/search` hits.

The search index is kept in the database (`bot.library.search`): at start-up and after each
reload, a pass re-indexes the stories that are new or changed and drops those gone, in the
background, while searches use what is indexed. Which listings
still have live buttons is held here, in memory only, so after a restart every old listing
button is answered as expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.library.catalogue import Library
from bot.library.listing import (
    LISTING_PAGE_SIZE,
    ListingFilters,
    StoryCard,
    empty_listing_message,
    facet_choices,
    filter_stories,
    highlight,
    hit_label,
    hit_line,
    listing_line,
    listing_page,
    reader_progress,
    story_card,
    story_tags,
)
from bot.library.lookup import NotFound, resolve, story_choices
from bot.library.search import IndexPass, SearchIndex, searchable
from bot.reading.gate import Gate, is_gated, refusal, shown_in
from bot.reading.pages import relocate
from bot.reading.service import Refused, Viewer
from bot.text.formatting import clip, inline, is_link, page_count
from bot.text.story import StoryError

if TYPE_CHECKING:
    from bot.services import Services
    from bot.storage.server_stories import ServerStory

log = logging.getLogger(__name__)

HITS_SHOWN = 5
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
CHOICE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Listing:
    """What a `/library` found: story ids, with the filters and gate it was asked under."""

    story_ids: tuple[str, ...]
    filters: ListingFilters
    gate: Gate
    guild_id: int | None = None  # where it was asked: that server's own stories are in it

    @property
    def pages(self) -> int:
        return page_count(len(self.story_ids), LISTING_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class LibraryPage:
    """One page of a listing as markdown, within an embed's limits."""

    number: int
    total: int
    description: str
    footer: str

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.total


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A passage found: where it is, its line in the results and its button's label."""

    story_id: str
    position: int
    line: str
    label: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The passages a `/search` found, under a header naming what was looked for."""

    header: str
    hits: tuple[SearchHit, ...]

    @property
    def description(self) -> str:
        return self.header + "\n\n" + "\n\n".join(hit.line for hit in self.hits)


class LibraryService:
    """Lists, describes and searches the stories, for members and where they ask."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._index: IndexPass | None = None
        self._passes = 0
        self._indexing = asyncio.Lock()
        self._rebuilding: set[asyncio.Task[None]] = set()
        self._listings: set[str] = set()

    @property
    def _database(self):
        return self._services.database

    # --- the search index -------------------------------------------------------------------

    @property
    def _search(self) -> SearchIndex:
        return SearchIndex(self._database.search)

    @property
    def index(self) -> IndexPass | None:
        """What the last finished pass over the library did to the search index; None until
        `start`. Each pass gives a new one."""
        return self._index

    async def start(self) -> None:
        """Bring the search index to the library in the background: on a restart, only
        what changed since, so the bot answers at once."""
        await self.library_changed(self._services.shelves.everything())

    async def library_changed(self, library: Library) -> None:
        """Bring the index to a (reloaded) library in the background."""
        task = asyncio.create_task(self._build(library))
        self._rebuilding.add(task)
        task.add_done_callback(self._built)

    async def rebuilt(self) -> None:
        """Wait for the passes under way."""
        await asyncio.gather(*self._rebuilding, return_exceptions=True)

    async def shutdown(self) -> None:
        """Shutting down: stop the passes under way. Each story is written in one
        statement, so what was indexed stays whole and the next start carries on."""
        for task in self._rebuilding:
            task.cancel()
        await asyncio.gather(*self._rebuilding, return_exceptions=True)

    async def _build(self, library: Library) -> None:
        # One pass at a time, the newest library's: an older pass stops at its next story.
        self._passes += 1
        number = self._passes
        async with self._indexing:
            if number != self._passes:
                return
            done = await self._search.update(library, abandoned=lambda: number != self._passes)
            if done is not None:
                self._index = done

    def _built(self, task: asyncio.Task[None]) -> None:
        self._rebuilding.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("Updating the search index failed", exc_info=error)

    # --- listings ---------------------------------------------------------------------------

    async def listing(self, guild_id: int | None, filters: ListingFilters) -> Listing | Refused:
        """`/library`: the stories passing `filters`, in title order, or why there are none."""
        library = self._services.library_for(guild_id)
        stories = filter_stories(library, filters)
        if not stories:
            return Refused(empty_listing_message(filters, len(library)))
        settings = await self._database.settings.get(guild_id)
        return Listing(tuple(story.id for story in stories), filters, settings.gate, guild_id)

    async def library_page(self, listing: Listing, user_id: int, name: str,
                         number: int) -> LibraryPage:
        """Page `number` of a listing, with the progress of the member (`name`) who asked.

        Stories gone since the listing was made are left out; 🔞 marks the gated ones.
        """
        library = self._services.library_for(listing.guild_id)
        stories = [s for s in (library.get(sid) for sid in listing.story_ids) if s is not None]
        page = listing_page(stories, number)
        shelf = {p.story_id: p for p in await self._database.progress.shelf(user_id)}
        lines = [
            listing_line(page.start + k + 1, story, words=library.entry(story.id).words,
                       gated=is_gated(story.meta.rating, listing.gate),
                       progress=shelf.get(story.id),
                       own=library.entry(story.id).guild_id is not None)
            for k, story in enumerate(page.items)
        ]
        count = len(stories)
        header = f"**{count}** {'story' if count == 1 else 'stories'}"
        if listing.filters:
            header += f" matching {listing.filters.describe()}"
        description = header + "\n\n" + "\n\n".join(lines)
        if len(description) > DESCRIPTION_LIMIT:
            description = description[: DESCRIPTION_LIMIT - 1] + "…"
        footer = clip(f"Page {page.number}/{page.total} · sorted by title · progress shown "
                      f"for {name} · /story <id> for details", FOOTER_LIMIT)
        return LibraryPage(page.number, page.total, description, footer)

    def open_listing(self) -> str:
        """A new listing's id; its buttons are live until `close_listing`."""
        listing_id = secrets.token_hex(6)
        self._listings.add(listing_id)
        return listing_id

    def close_listing(self, listing_id: str) -> None:
        self._listings.discard(listing_id)

    def listing_live(self, listing_id: str) -> bool:
        """Whether a listing's buttons are still answered by its own controls."""
        return listing_id in self._listings

    def fandom_choices(self, guild_id: int | None, current: str) -> list[tuple[str, str]]:
        """Autocomplete (label, value) for the fandom filter."""
        library = self._services.library_for(guild_id)
        values = (fandom for story in library for fandom in story.meta.fandoms)
        return _facets(values, current)

    def tag_choices(self, guild_id: int | None, current: str) -> list[tuple[str, str]]:
        """Autocomplete (label, value) for the tag filter."""
        library = self._services.library_for(guild_id)
        values = (tag for story in library for tag in story_tags(story))
        return _facets(values, current)

    async def story_choices(self, guild_id: int | None, current: str) -> list[tuple[str, str]]:
        """Autocomplete (label, story id) for a story option; 🔞 marks what is gated."""
        settings = await self._database.settings.get(guild_id)
        return story_choices(self._services.library_for(guild_id), current, settings.gate)

    # --- story cards ------------------------------------------------------------------------

    async def card(self, viewer: Viewer, text: str, reader: str) -> StoryCard | Refused:
        """`/story`: the card of the story `text` names, with the viewer's progress.

        The summary of a story gated here is withheld; `reader` names whose progress it is.
        """
        library = self._services.library_for(viewer.guild_id)
        found = resolve(library, text)
        if isinstance(found, NotFound):
            return Refused(found.text)
        gate = (await self._database.settings.get(viewer.guild_id)).gate
        progress = await self._database.progress.get(viewer.user_id, found.id)
        pages = library.pages(found.id, self._services.page_chars)
        page = 1
        if progress:
            # The saved place, found again by its anchor if the story was edited since.
            position = progress.position
            with contextlib.suppress(StoryError):  # unreadable for now: the place as saved
                text = await library.open(found.id)
                position = relocate(text.story.plain, position, progress.anchor)
            page = pages.number_at(position)
        return story_card(
            found,
            words=library.entry(found.id).words,
            gated=is_gated(found.meta.rating, gate),
            show_text=shown_in(viewer.place, gate, found.meta.rating),
            link=found.meta.url if is_link(found.meta.url) else None,
            progress_line=reader_progress(progress, page, len(pages), found.id),
            progress_title=f"Progress — {inline(reader, 100)}",
            origin=origin_line(self._services.shelves.story(found.id)),
        )

    # --- search -----------------------------------------------------------------------------

    async def search(self, viewer: Viewer, text: str,
                     story: str | None = None) -> SearchResults | Refused:
        """`/search`: the first passages matching `text` that may show where the viewer is.

        With none, the answer says whether stories gated here hold matches.
        """
        if not searchable(text):
            return Refused("Search needs at least one letter or number.")
        library = self._services.library_for(viewer.guild_id)
        gate = (await self._database.settings.get(viewer.guild_id)).gate
        found = None
        if story is not None:
            found = resolve(library, story)
            if isinstance(found, NotFound):
                return Refused(found.text)
            if not shown_in(viewer.place, gate, found.meta.rating):
                return Refused(refusal(found.title, found.meta.rating, gate))

        scope = found.id if found else None

        def accept(story_id: str) -> bool:
            # Listed here (a story reachable only by id, another server's, is not searched)
            # and not gated here.
            if not (library.listed(story_id) or story_id == scope):
                return False
            candidate = library.get(story_id)
            return candidate is not None and shown_in(viewer.place, gate, candidate.meta.rating)

        index = self._search
        where = f" in **{inline(found.title, 100)}**" if found else ""
        # While a pass is under way, new and changed stories may not be searchable yet.
        pending = (" (The search index is still taking in new and changed stories; try "
                   "again in a minute for those.)") if self._rebuilding else ""
        hits = await index.search(text, story_id=scope, limit=HITS_SHOWN, accept=accept)
        if not hits:
            message = f"No passages match “{inline(text, 100)}”{where}."
            gated = await index.search(text, story_id=scope, limit=1,
                                       accept=lambda sid: library.listed(sid) or sid == scope)
            if gated:
                message += (f" Some {gate.describe()} match, but they show only in "
                            "age-restricted channels or in a DM with me.")
            return Refused(message + pending)
        found_hits = []
        for number, hit in enumerate(hits, 1):
            hit_story = library.get(hit.story_id)
            if hit_story is None:
                continue
            pages = library.pages(hit.story_id, self._services.page_chars)
            page = pages.number_at(hit.offset)
            line = hit_line(number, hit_story, chapter=hit.chapter, page=page,
                            pages=len(pages),
                            snippet_markdown=highlight(hit.snippet, hit.marks))
            found_hits.append(SearchHit(hit.story_id, hit.offset, line,
                                        hit_label(number, hit_story, page)))
        return SearchResults(f"Passages matching “{inline(text, 100)}”{where}:{pending}",
                             tuple(found_hits))


def origin_line(story: ServerStory | None) -> str | None:
    """Where a server's own story came from, for its card; None for a folder story."""
    if story is None:
        return None
    if story.work_id is None:
        return f"Added from `{inline(story.file_name, 100)}`."
    checked = (f", last checked <t:{int(story.checked_at)}:R>"
               if story.checked_at is not None else "")
    if story.gone:
        return (f"From AO3 work {story.work_id}, since deleted there: this is the last copy"
                f"{checked}.")
    state = "complete" if story.complete else "in progress, checked for new chapters"
    return f"From AO3 work {story.work_id} ({state}){checked}."


def _facets(values: Iterable[str], current: str) -> list[tuple[str, str]]:
    return [(clip(value, CHOICE_LIMIT), value[:CHOICE_LIMIT])
            for value in facet_choices(values, current)]
