"""Building and running the bot.

`create_bot(config)` makes the bot, a `commands.AutoShardedBot` running this process's
shards, without connecting; its `setup_hook` opens the database (unless one is given), opens
the library from the story store (reading only the files new or changed since the last
start), loads the cogs, registers the persistent controls and, when `DEV_GUILD_ID` is set,
syncs the commands there.

`run(config)` is `python -m bot`: it opens the database first, so a file the bot cannot use
stops it with one message before anything goes over the network, then connects, trying
again with growing waits while Discord cannot be reached, as a bot under a process
supervisor should. SIGINT and SIGTERM stop it cleanly at any point.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlsplit

import aiohttp
import discord
from discord.ext import commands

from bot.ao3.client import Ao3Client
from bot.backoff import Backoff
from bot.config import Config
from bot.library.catalogue import Library
from bot.library.shelf import StoredTexts, open_library
from bot.library.watch import FolderWatcher
from bot.services import Services
from bot.shards import Shards
from bot.storage.database import Database, DatabaseUnusable

log = logging.getLogger(__name__)

#: What failing to reach Discord looks like: no network, no DNS, a refused or dropped
#: connection, a timeout, or Discord answering with a server error.
UNREACHABLE = (aiohttp.ClientError, TimeoutError, discord.DiscordServerError,
               discord.GatewayNotFound)
#: Waits between attempts to reach Discord: 5 s, doubling, at most 5 minutes.
START_RETRY = Backoff()


def extensions() -> list[str]:
    """Every feature package in `cogs` (each has a `setup`); `cogs.shared` is their glue."""
    import cogs

    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__)
                  if m.name != "shared")


def intents() -> discord.Intents:
    """Guilds and reactions; no privileged intent."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_reactions = True
    chosen.dm_reactions = True
    return chosen


class StoryBot(commands.AutoShardedBot):
    """The bot, holding its configuration, database and library.

    It runs this process's shards (`SHARD_COUNT`, `SHARD_IDS`): every shard, as many as
    Discord recommends, when neither is set. Its scheduled work (quote runs, AO3 checks)
    is for the servers on those shards alone (`Services.shards`), so processes sharing a
    database each do their own servers' and none twice.
    """

    database: Database
    services: Services
    texts: StoredTexts  # the story texts open, shared by every library loaded

    def __init__(
        self,
        config: Config,
        *,
        database: Database | None = None,
        library: Library | None = None,
        sync_globally: bool = False,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            proxy=config.proxy,
            shard_count=config.shard_count,
            shard_ids=list(config.shard_ids) if config.shard_ids is not None else None,
        )
        self.config = config
        self.own_shards = Shards.of(config.shard_count, config.shard_ids)
        self._reload_lock = asyncio.Lock()
        self._watcher: FolderWatcher | None = None
        self._reloads: set[asyncio.Task[Library]] = set()
        self._given_database = database
        self._given_library = library
        self._sync_globally = sync_globally

    async def setup_hook(self) -> None:
        self.database = self._given_database or await Database.open(self.config.database)
        self.texts = StoredTexts(self.database.stories, self.config.story_cache_bytes)
        library = self._given_library or await self.load_library()
        ao3 = (Ao3Client(self.config.ao3_url, delay=self.config.ao3_delay_s,
                         turns=self.database.turns)
               if self.config.ao3_links else None)
        self.services = Services(self.database, library, page_chars=self.config.page_chars,
                                 texts=self.texts, max_bytes=self.config.max_story_bytes,
                                 ao3=ao3, check_hours=self.config.ao3_check_hours,
                                 shards=self.own_shards)
        await self.database.stories.prune()
        await self.services.start()
        if self.config.watch_stories:
            loop = asyncio.get_running_loop()
            self._watcher = FolderWatcher(
                self.config.stories_dir,
                lambda files: loop.call_soon_threadsafe(self._folder_changed, files))
            self._watcher.start()
        for extension in extensions():
            await self.load_extension(extension)
        if self._sync_globally:
            synced = await self.tree.sync()
            log.info("Registered %d commands globally", len(synced))
        elif self.config.dev_guild_id:
            guild = discord.Object(self.config.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to the development server", len(synced))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False
                                   ) -> None:
        # Called as each shard connects, once the shard count is known (Discord's
        # recommendation when none was set): the log says which shards this process runs.
        if initial:
            log.info("This process runs %s", self.own_shards.describe(self.shard_count))
        log.info("Connecting shard %s of %s", shard_id, self.shard_count)
        await super().before_identify_hook(shard_id, initial=initial)

    @property
    def library(self) -> Library:
        """The stories being served; swapped whole on reload."""
        return self.services.library

    async def load_library(self, progress: Callable[[int, int], None] | None = None
                           ) -> Library:
        """The stories folder's library from the story store, once the files that are new
        or changed since the last load are read (in a worker thread)."""
        return await open_library(
            self.config.stories_dir, self.database.stories, self.texts,
            page_chars=self.config.page_chars, max_bytes=self.config.max_story_bytes,
            progress=progress, reserved=await self.database.server_stories.ids())

    @property
    def reloading(self) -> bool:
        """Whether a reload is under way."""
        return self._reload_lock.locked()

    async def reload_library(self, progress: Callable[[int, int], None] | None = None
                             ) -> Library:
        """Load the stories folder again and swap it in; readers keep their places.

        Reloads run one at a time. `progress(done, total)` hears about the files being
        read, about every two seconds of a long load.
        """
        async with self._reload_lock:
            library = await self.load_library(progress)
            await self.services.use_library(library)
            # Only now that no reader is served from the old library can its texts go.
            await self.database.stories.prune()
        self.dispatch("library_reloaded", self.library)
        return self.library

    def _folder_changed(self, files: int) -> None:
        """The watcher saw story files change: reload (after any reload under way)."""
        log.info("%d story %s changed in %s; reloading the library", files,
                 "file" if files == 1 else "files", self.config.stories_dir)
        task = asyncio.create_task(self.reload_library())
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def stop_watching(self) -> None:
        """Stop watching the stories folder, if it was watched."""
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            await asyncio.to_thread(watcher.stop)

    async def close(self) -> None:
        await self.stop_watching()
        if getattr(self, "services", None) is not None:
            await self.services.shutdown()
        if isinstance(self.loop, asyncio.AbstractEventLoop):
            await super().close()
        else:
            # The sharded client can close only once set up (logged in, or entered with
            # `async with`); one that never was holds no connection, but its cogs' loops
            # stop only as their extensions unload.
            for name in tuple(self.extensions):
                await self.unload_extension(name)
        if getattr(self, "database", None) is not None and self._given_database is None:
            await self.database.close()


def create_bot(
    config: Config,
    *,
    database: Database | None = None,
    library: Library | None = None,
    sync_globally: bool = False,
) -> StoryBot:
    """The bot for `config`, not connected. A database or library passed in is used as is."""
    return StoryBot(config, database=database, library=library, sync_globally=sync_globally)


def run(config: Config, *, sync_globally: bool = False) -> int:
    """Run the bot until it is stopped; with `sync_globally`, register commands and exit.

    The exit status: 0 when stopped by SIGTERM or after syncing, 130 after Ctrl-C, 2 when
    the database or the token cannot be used.
    """
    discord.utils.setup_logging(level=config.log_level_number, root=True)
    try:
        return asyncio.run(serve(config, sync_globally=sync_globally))
    except KeyboardInterrupt:
        log.info("Stopped (Ctrl-C)")
        return 130
    except asyncio.CancelledError:
        log.info("Stopped (SIGTERM)")
        return 0


async def serve(config: Config, *, sync_globally: bool = False,
                backoff: Backoff = START_RETRY) -> int:
    """Open the database, then keep trying to connect until the bot runs; the exit status."""
    with _stop_on_sigterm():
        try:
            database = await Database.open(config.database)
        except DatabaseUnusable as exc:
            print(f"storybot cannot start: {exc}", file=sys.stderr)
            return 2
        try:
            return await _connect(config, database, sync_globally=sync_globally,
                                  backoff=backoff)
        finally:
            await database.close()


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Cancel the running task on SIGTERM, as Ctrl-C does, where the platform allows it."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None, "called from a coroutine asyncio runs"
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _connect(config: Config, database: Database, *, sync_globally: bool,
                   backoff: Backoff) -> int:
    attempt = 0
    while True:
        attempt += 1
        # A fresh bot each time: a bot that failed to log in cannot be started again.
        bot = create_bot(config, database=database, sync_globally=sync_globally)
        if sync_globally:
            bot.add_listener(bot.close, "on_ready")
        try:
            async with bot:
                await bot.start(config.token)
            return 0
        except discord.LoginFailure:
            print("Discord refused DISCORD_TOKEN; copy the token again from the Developer "
                  "Portal's Bot page.", file=sys.stderr)
            return 2
        except discord.PrivilegedIntentsRequired:
            print("Discord asked for a privileged intent this bot does not use; check that "
                  "you run an unmodified storybot.", file=sys.stderr)
            return 2
        except UNREACHABLE as exc:
            wait = backoff.wait(attempt)
            at = time.strftime("%H:%M:%S", time.localtime(time.time() + wait))
            log.warning("Could not reach Discord (attempt %d): %s; next try in %.0f s, at %s",
                        attempt, _describe(exc, config.proxy), wait, at)
            await asyncio.sleep(wait)


def _describe(exc: BaseException, proxy: str | None) -> str:
    """The error for a log line, without the proxy's password (aiohttp names the proxy)."""
    text = str(exc).strip() or "no details"
    password = urlsplit(proxy).password if proxy else None
    if password:
        for form in {password, unquote(password)}:
            text = text.replace(form, "***")
    return f"{type(exc).__name__}: {text}"
