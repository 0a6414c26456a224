"""Each server's own stories, added from Discord, on top of the folder's library.

A server story is parsed by the folder's rules (formats, size cap, budget, ratings) and
kept in the story store like a folder file, with the bytes it came from so a new parser
version can read it again. It is visible only in its server: `Shelves.for_guild` is the
folder's library with that server's stories listed first; in a DM (no server) a server
story is reachable by its id, for a reading already open there, but never listed or
searched. Ids are unique across the bot, so members' progress, bookmarks and schedules
name one story whichever server it came from.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from pathlib import PurePath

from bot.library import codec
from bot.library.catalogue import Entry, Library, story_id
from bot.library.files import amount, parse_file
from bot.library.scan import content_hash
from bot.library.shelf import STORED_VERSION, StoredTexts, kept_of, page_starts
from bot.parsers import FORMATS
from bot.parsers.budget import PARSE_BUDGET_S, Budget
from bot.storage.server_stories import ServerCatalogueRow, ServerStory
from bot.storage.stories import KeptStory, StoredCard
from bot.text.pagination import PageIndex
from bot.text.story import StoryError

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Added:
    """A story a server added (or replaced, when it uploaded the same file again)."""

    entry: Entry
    replaced: bool
    caveats: tuple[str, ...]


class Shelves:
    """The folder's library and every server's own stories, and each place's view of them."""

    def __init__(self, folder: Library, servers: dict[str, Entry],
                 stories: dict[str, ServerStory], texts: StoredTexts | None) -> None:
        self.folder = folder
        self._servers = servers  # id -> entry, every server's
        self._stories = stories  # id -> its row
        self._texts = texts
        self._guilds = {entry.guild_id for entry in servers.values()}
        self._views: dict[int | None, Library] = {}  # one per server with stories of its own

    def story(self, story_id: str) -> ServerStory | None:
        """The row of a server story; None for a folder story or an unknown id."""
        return self._stories.get(story_id)

    def taken(self, sid: str) -> bool:
        return sid in self.folder or sid in self._servers

    def for_guild(self, guild_id: int | None) -> Library:
        """What members see in a server: its own stories first (by title), then the
        folder's. In a DM, the folder's, with every server story reachable by id only."""
        if guild_id is not None and guild_id not in self._guilds:
            guild_id = 0  # a server with none of its own: one view serves them all
        view = self._views.get(guild_id)
        if view is None:
            own = {sid: entry for sid, entry in self._servers.items()
                   if guild_id and entry.guild_id == guild_id and sid not in self.folder}
            hidden = {} if guild_id is not None else {
                sid: entry for sid, entry in self._servers.items() if sid not in self.folder}
            view = self._views[guild_id] = self.folder.view(_by_title(own), hidden, self._texts)
        return view

    def everything(self) -> Library:
        """Every story, every server's included: what the search index holds."""
        view = self._views.get(-1)
        if view is None:
            extra = {sid: e for sid, e in self._servers.items() if sid not in self.folder}
            view = self._views[-1] = self.folder.view(_by_title(extra), {}, self._texts)
        return view

    def with_folder(self, folder: Library) -> Shelves:
        """The shelves after a reload of the folder."""
        return Shelves(folder, self._servers, self._stories, self._texts)

    def with_story(self, story: ServerStory, entry: Entry) -> Shelves:
        return Shelves(self.folder, {**self._servers, story.story_id: entry},
                       {**self._stories, story.story_id: story}, self._texts)

    def with_guild(self, guild_id: int, servers: dict[str, Entry],
                   stories: dict[str, ServerStory]) -> Shelves:
        """The shelves with one server's stories replaced by `stories` (their entries in
        `servers`): that server's shelf as the store has it now."""
        kept = {sid for sid, story in self._stories.items() if story.guild_id != guild_id}
        return Shelves(self.folder,
                       {**{sid: e for sid, e in self._servers.items() if sid in kept}, **servers},
                       {**{sid: s for sid, s in self._stories.items() if sid in kept}, **stories},
                       self._texts)

    def without(self, story_id: str) -> Shelves:
        return Shelves(self.folder, {k: v for k, v in self._servers.items() if k != story_id},
                       {k: v for k, v in self._stories.items() if k != story_id}, self._texts)

    def of_guild(self, guild_id: int) -> list[ServerStory]:
        """A server's own stories, by title."""
        return [self._stories[story.id] for story in self.for_guild(guild_id)
                if story.id in self._stories and self._stories[story.id].guild_id == guild_id]


def _by_title(entries: dict[str, Entry]) -> dict[str, Entry]:
    return dict(sorted(entries.items(), key=lambda kv: (kv[1].story.title.casefold(), kv[0])))


async def load_shelves(folder: Library, database, texts: StoredTexts, *,
                       page_chars: int) -> Shelves:
    """Every server's stories from the store, beside the folder's library; a story the
    store keeps for another parser version is read again from its upload."""
    servers, stories = await stored_stories(database, page_chars=page_chars)
    if servers:
        log.info("%d stories added in %d servers", len(servers),
                 len({s.guild_id for s in stories.values()}))
    return Shelves(folder, servers, stories, texts)


async def stored_stories(database, *, page_chars: int, guild_id: int | None = None
                         ) -> tuple[dict[str, Entry], dict[str, ServerStory]]:
    """Servers' stories as the store has them (one server's, given `guild_id`): entries
    and rows by id. Only a story kept for another parser version is parsed, from its
    upload; one whose stored copy cannot be used is left out, with a log line."""
    servers: dict[str, Entry] = {}
    stories: dict[str, ServerStory] = {}
    for row in await database.server_stories.catalogue(STORED_VERSION, page_chars, guild_id):
        try:
            story, entry = await _entry(row, database, page_chars)
        except StoryError as exc:
            log.warning("Server story %s (server %d) cannot be read: %s", row.story.story_id,
                        row.story.guild_id, exc)
            continue
        servers[story.story_id] = entry
        stories[story.story_id] = story
    return servers, stories


async def _entry(row: ServerCatalogueRow, database,
                 page_chars: int) -> tuple[ServerStory, Entry]:
    story = row.story
    if row.card is None:  # kept for another parser version, or lost: read the upload again
        source = await database.server_stories.source(story.story_id)
        if source is None:
            raise StoryError("its upload is gone")
        kept, _ = await asyncio.to_thread(_read, source, story.file_name, story.rating,
                                          PARSE_BUDGET_S, page_chars)
        story = replace(story, content_hash=content_hash(source, None),
                        parser_version=STORED_VERSION)
        if not await database.server_stories.save(story, source, kept):
            raise StoryError("its id belongs to another server")
        return story, _entry_of(story, kept.card, kept.pages[1], page_chars)
    pages = row.pages
    if pages is None:  # another page size than when it was added
        body = await database.stories.body(story.content_hash, STORED_VERSION)
        if body is None:
            raise StoryError("its text is gone")
        pages = await asyncio.to_thread(page_starts, body, page_chars)
        await database.stories.record_pages(story.content_hash, STORED_VERSION, page_chars,
                                            pages)
    return story, _entry_of(story, row.card, pages, page_chars)


def _entry_of(story: ServerStory, card: StoredCard, pages: bytes, page_chars: int) -> Entry:
    try:
        shown = codec.decode(card.card, id=story.story_id)
        index = PageIndex.from_bytes(pages)
    except (codec.CodecError, ValueError) as exc:
        raise StoryError(f"its stored card cannot be read ({exc})") from None
    return Entry(story=shown, file=story.file_name, words=card.words, minutes=card.minutes,
                 length=card.length, quotes=card.quotes, content_hash=story.content_hash,
                 pages={page_chars: index}, guild_id=story.guild_id)


def _read(data: bytes, file_name: str, rating: str | None, parse_budget: float,
          page_chars: int) -> tuple[KeptStory, tuple[str, ...]]:
    """Parse an upload by the folder's rules (blocking): what the store keeps of it, and
    its caveats."""
    budget = Budget(parse_budget)
    story = parse_file(data, None, file_name, budget)
    if rating:
        story = replace(story, meta=replace(story.meta, rating=rating))
    entry = Entry.of(story, file_name, content_hash(data, None))
    budget.check_time()
    return kept_of(entry, page_chars), story.warnings


@dataclass(frozen=True, slots=True)
class Linked:
    """Where a story added by link came from: its AO3 work, as the fetch found it."""

    work_id: int
    chapters_posted: int
    complete: bool


async def add_story(shelves: Shelves, database, *, guild_id: int, file_name: str,
                    data: bytes, rating: str | None, added_by: int, page_chars: int,
                    max_bytes: int, parse_budget: float = PARSE_BUDGET_S,
                    linked: Linked | None = None,
                    now: float | None = None) -> tuple[ServerStory, Added]:
    """Read a file and add its story to a server, as `shelves` has the server's stories
    (the caller adds it to the current shelves, one add at a time). The same file uploaded
    again (by name), or the same AO3 work fetched again, replaces that story, readers
    keeping their places. Raises `StoryError` saying why a file cannot be added."""
    name = PurePath(file_name).name
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise StoryError("it is not a story file I read: send an AO3 HTML or EPUB download, "
                         "an EPUB, a text file (.txt) or Markdown (.md)")
    if len(data) > max_bytes:
        raise StoryError(f"it is {amount(len(data))}, over the {amount(max_bytes, 0)} limit")
    if not data:
        raise StoryError("the file is empty")
    kept, caveats = await asyncio.to_thread(_read, data, name, rating, parse_budget,
                                            page_chars)
    now = time.time() if now is None else now
    same = next((s for s in shelves.of_guild(guild_id) if _same_source(s, name, linked)),
                None)
    if same is not None:
        sid, added_at, first_by = same.story_id, same.added_at, same.added_by
    else:
        sid = _free_id(shelves, story_id(PurePath(name).stem))
        added_at, first_by = now, added_by
    story = ServerStory(sid, guild_id, name, content_hash(data, None), STORED_VERSION, rating,
                        "\n".join(caveats), first_by, added_at, now)
    if linked is not None:
        # A work just added has nothing to announce; one fetched again announces what it
        # gained since its last announcement.
        announced = (same.announced_chapters if same is not None
                     and same.announced_chapters is not None else linked.chapters_posted)
        story = replace(story, work_id=linked.work_id, chapters_posted=linked.chapters_posted,
                        complete=linked.complete, checked_at=now, announced_chapters=announced)
    if not await database.server_stories.save(story, data, kept):
        raise StoryError("another server has a story under that id; please try again")
    entry = _entry_of(story, kept.card, kept.pages[1], page_chars)
    return story, Added(entry, same is not None, caveats)


def _same_source(story: ServerStory, name: str, linked: Linked | None) -> bool:
    if linked is not None:
        return story.work_id == linked.work_id
    return story.work_id is None and story.file_name == name


def _free_id(shelves: Shelves, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`…: an id no story anywhere has."""
    if not shelves.taken(wanted):
        return wanted
    number = 2
    while shelves.taken(f"{wanted}-{number}"):
        number += 1
    return f"{wanted}-{number}"
