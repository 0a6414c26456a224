"""The core's services, one per feature, sharing the database and the current library.

Cogs call these and show what they return; nothing here knows Discord. The library is
swapped on reload, so services read `services.library` each time instead of keeping it.
"""

from __future__ import annotations

from bot.library.catalogue import Library
from bot.library.service import LibraryService
from bot.members.service import MemberService
from bot.quotes.service import QuoteService
from bot.reading.service import ReadingService
from bot.server.service import ServerService
from bot.storage.database import Database


class Services:
    """Everything a cog may ask of the core."""

    def __init__(self, database: Database, library: Library, *, page_chars: int) -> None:
        self.database = database
        self.library = library
        self.page_chars = page_chars
        self.reading = ReadingService(self)
        self.catalogue = LibraryService(self)
        self.members = MemberService(self)
        self.server = ServerService(self)
        self.quotes = QuoteService(self)

    def _features(self) -> list[object]:
        return [value for name, value in vars(self).items()
                if name not in ("database", "library", "page_chars")]

    async def start(self) -> None:
        """Let each service prepare what it derives from the library (after start-up)."""
        for service in self._features():
            if (start := getattr(service, "start", None)) is not None:
                await start()

    async def shutdown(self) -> None:
        """Let each service end its background work before the database closes."""
        for service in self._features():
            if (shutdown := getattr(service, "shutdown", None)) is not None:
                await shutdown()

    async def use_library(self, library: Library) -> None:
        """Swap in a reloaded library; each service rebuilds what it derives from it."""
        self.library = library
        for service in self._features():
            if (changed := getattr(service, "library_changed", None)) is not None:
                await changed(library)
