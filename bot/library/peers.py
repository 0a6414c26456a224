"""Keeping the shelves of every bot process sharing one database in step.

Each process holds the shelves it serves in memory (the folder's catalogue and each
server's own stories), built from the story store. When one process changes them (a
reload of the folder, a server adding, updating or removing a story, an AO3 check) it
commits, swaps in its new shelves and then tells the others (`Database.notify`):

- `library`: the folder's library was loaded again. A process hearing it reads the
  catalogue from the store (`stored_library`): cards, measures and page starts, with no
  file read or parsed and nothing forgotten or pruned, so it serves what the loading
  process recorded, under the same ids. All processes are assumed to see the same stories
  folder; the store, not the folder, is what a hearer trusts.
- `shelf GUILD_ID`: that server's own stories changed. The hearer reads that server's rows
  and cards from the store and replaces only its part of the shelves.
- `everything`: said by this process's own connection after it was lost and opened again,
  when notices may have been missed: the folder's catalogue and every server's stories are
  read from the store again.

On SQLite there is one process and no notice goes anywhere. A process never hears its own
notices. Notices heard while a refresh runs wait for it; several of one topic waiting
together are acted on once. A refresh that raced a change this process made itself (its
shelves moved while the store was read) reads again, so it never puts back an older view.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.library.servers import Shelves, stored_stories
from bot.library.shelf import stored_library
from bot.storage.postgres import EVERYTHING

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

#: What a refresh does to the shelves, once it has read the store.
Change = Callable[[Shelves], Shelves]

LIBRARY = "library"
SHELF = "shelf"
#: Reads of the store one refresh makes at most while this process keeps changing the same
#: shelves; the last one is used whatever happens meanwhile.
ATTEMPTS = 5


def shelf_topic(guild_id: int) -> str:
    """The notice that a server's own stories changed."""
    return f"{SHELF} {guild_id}"


class Peers:
    """Tells the other processes what this one changed, and follows what they change."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._refreshing = asyncio.Lock()
        self._waiting: set[str] = set()  # topics heard, their refresh not begun
        self._ready = asyncio.Event()
        self._closed = False
        self._sending: set[asyncio.Task[None]] = set()
        self.refreshed = 0  # refreshes done, for tests and the log

    async def listen(self) -> None:
        """Start hearing the other processes; what is heard is acted on once `ready`.
        A process that does not keep its library in the store has nothing to follow."""
        if self._services.texts is not None:
            await self._services.database.listen(self.heard)

    def ready(self) -> None:
        """The shelves are loaded: notices heard from now on (and before) are acted on."""
        self._ready.set()

    async def changed(self, topic: str) -> None:
        """Tell the others that `topic` changed here; call after the change committed."""
        await self._services.database.notify(topic)

    def changed_soon(self, topic: str) -> None:
        """`changed`, from code that cannot wait for it; `shutdown` sees it sent."""
        task = asyncio.get_running_loop().create_task(self._send(topic))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, topic: str) -> None:
        try:
            await self.changed(topic)
        except Exception:
            log.exception("Telling the other processes that %r changed failed", topic)

    async def shutdown(self) -> None:
        """Send the notices still on their way, and follow no more, before the database
        closes."""
        self._closed = True
        await asyncio.gather(*self._sending, return_exceptions=True)

    async def heard(self, topic: str) -> None:
        """Another process changed `topic`: bring this one's shelves up to date."""
        if topic in self._waiting:
            return  # a refresh not yet begun will read this change too
        self._waiting.add(topic)
        await self._ready.wait()
        async with self._refreshing:
            self._waiting.discard(topic)
            if not self._closed:
                await self._refresh(topic)

    async def _refresh(self, topic: str) -> None:
        kind, _, argument = topic.partition(" ")
        if kind == LIBRARY:
            await self._swap(self._library)
        elif kind == EVERYTHING:
            await self._swap(self._everything)
        elif kind == SHELF and argument.lstrip("-").isdigit():
            guild_id = int(argument)
            await self._swap(lambda: self._shelf(guild_id))
        else:  # from a newer storybot, perhaps: nothing this one keeps
            log.debug("Ignoring the notice %r", topic)
            return
        self.refreshed += 1
        log.info("Brought %s up to date with another process", topic)

    async def _swap(self, read: Callable[[], Awaitable[Change]]) -> None:
        services = self._services
        for _ in range(ATTEMPTS):
            before = services.shelves
            change = await read()
            if services.shelves is before:
                break
        await services.use_shelves(change(services.shelves))

    async def _library(self) -> Change:
        services = self._services
        assert services.texts is not None
        library = await stored_library(
            services.library.root, services.database.stories, services.texts,
            page_chars=services.page_chars,
            reserved=await services.database.server_stories.ids())
        return lambda shelves: shelves.with_folder(library)

    async def _everything(self) -> Change:
        folder = await self._library()
        servers, stories = await stored_stories(self._services.database,
                                                page_chars=self._services.page_chars)

        def change(shelves: Shelves) -> Shelves:
            return Shelves(folder(shelves).folder, servers, stories, self._services.texts)
        return change

    async def _shelf(self, guild_id: int) -> Change:
        entries, rows = await stored_stories(self._services.database,
                                             page_chars=self._services.page_chars,
                                             guild_id=guild_id)

        def change(shelves: Shelves) -> Shelves:
            return shelves.with_guild(guild_id, entries, rows)
        return change
