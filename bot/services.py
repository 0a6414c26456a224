"""The core's services, one per feature, sharing the database and the current shelves.

Cogs call these and show what they return; nothing here knows Discord. The shelves (the
folder's library and each server's own stories) are swapped on a reload or when a server
adds or removes a story, so services ask for them each time instead of keeping them:
`library_for(guild_id)` is what members see in a server (or a DM).
"""

from __future__ import annotations

from bot.ao3.client import Ao3Client
from bot.library.admin import StoriesService
from bot.library.catalogue import DEFAULT_MAX_BYTES, Library
from bot.library.peers import LIBRARY, Peers, shelf_topic
from bot.library.servers import Shelves, load_shelves
from bot.library.service import LibraryService
from bot.library.shelf import StoredTexts
from bot.library.updates import UpdatesService
from bot.members.service import MemberService
from bot.quotes.service import QuoteService
from bot.reading.service import ReadingService
from bot.server.service import ServerService
from bot.shards import EVERY_SHARD, Shards
from bot.storage.database import Database
from bot.storage.server_stories import ServerStory


class Services:
    """Everything a cog may ask of the core."""

    def __init__(self, database: Database, library: Library, *, page_chars: int,
                 texts: StoredTexts | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, ao3: Ao3Client | None = None,
                 check_hours: float = 12.0, shards: Shards = EVERY_SHARD) -> None:
        self.database = database
        # The servers whose scheduled work (quote runs, AO3 checks) this process does.
        self.shards = shards
        self.page_chars = page_chars
        self.texts = texts
        self.shelves = Shelves(library, {}, {}, texts)
        self.reading = ReadingService(self)
        self.catalogue = LibraryService(self)
        self.members = MemberService(self)
        self.server = ServerService(self)
        self.quotes = QuoteService(self)
        self.stories = StoriesService(self, max_bytes=max_bytes, ao3=ao3)
        self.updates = UpdatesService(self, check_hours=check_hours)
        self.peers = Peers(self)  # the other processes on the database

    @property
    def library(self) -> Library:
        """The stories folder's library, every server's to read."""
        return self.shelves.folder

    def library_for(self, guild_id: int | None) -> Library:
        """The library as members see it in a server (its own stories first) or a DM."""
        return self.shelves.for_guild(guild_id)

    def remember(self, story: ServerStory) -> None:
        """A server story's row changed (a check, a work gone from AO3), not its text."""
        entry = self.library_for(story.guild_id).entry(story.story_id)
        self.shelves = self.shelves.with_story(story, entry)
        self.peers.changed_soon(shelf_topic(story.guild_id))

    def _features(self) -> list[object]:
        return [self.reading, self.catalogue, self.members, self.server, self.quotes,
                self.stories, self.updates, self.peers]

    async def start(self) -> None:
        """Read the servers' own stories, then let each service prepare what it derives
        from the library (after start-up). Other processes' changes are heard from the
        start, and followed once everything is loaded."""
        await self.peers.listen()
        if self.texts is not None:
            self.shelves = await load_shelves(self.library, self.database, self.texts,
                                              page_chars=self.page_chars)
        for service in self._features():
            if (start := getattr(service, "start", None)) is not None:
                await start()
        self.peers.ready()

    async def shutdown(self) -> None:
        """Let each service end its background work before the database closes."""
        for service in self._features():
            if (shutdown := getattr(service, "shutdown", None)) is not None:
                await shutdown()
        if self.stories.ao3 is not None:
            await self.stories.ao3.close()

    async def use_library(self, library: Library) -> None:
        """Swap in a reloaded folder library; each service rebuilds what it derives, and
        the other processes read it from the store."""
        await self.use_shelves(self.shelves.with_folder(library))
        await self.peers.changed(LIBRARY)

    async def use_shelves(self, shelves: Shelves) -> None:
        """Swap in changed shelves (a reload, or a server's story added or removed)."""
        self.shelves = shelves
        for service in self._features():
            if (changed := getattr(service, "library_changed", None)) is not None:
                await changed(shelves.everything())
