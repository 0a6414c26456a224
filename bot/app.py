"""Building and running the bot.

`create_bot(config)` makes the `commands.Bot` without connecting; its `setup_hook` opens the
database, loads the library and the cogs, registers the persistent controls and, when
`DEV_GUILD_ID` is set, syncs the commands there. `run(config)` is `python -m bot`.
"""

from __future__ import annotations

import asyncio
import logging
import pkgutil
import sys

import discord
from discord.ext import commands

from bot.config import Config
from bot.library.catalogue import Library
from bot.services import Services
from bot.storage.database import Database

log = logging.getLogger(__name__)

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


class StoryBot(commands.Bot):
    """The bot, holding its configuration, database and library."""

    database: Database
    services: Services

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
        )
        self.config = config
        self._given_database = database
        self._given_library = library
        self._sync_globally = sync_globally

    async def setup_hook(self) -> None:
        self.database = self._given_database or await Database.open(self.config.database_path)
        library = self._given_library or await asyncio.to_thread(self.load_library)
        self.services = Services(self.database, library, page_chars=self.config.page_chars)
        await self.services.start()
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

    @property
    def library(self) -> Library:
        """The stories being served; swapped whole on reload."""
        return self.services.library

    def load_library(self) -> Library:
        """Read the stories folder (blocking; runs in a worker thread)."""
        return Library.load(self.config.stories_dir, max_bytes=self.config.max_story_bytes)

    async def reload_library(self) -> Library:
        """Load the stories folder again and swap it in; readers keep their places."""
        await self.services.use_library(await asyncio.to_thread(self.load_library))
        self.dispatch("library_reloaded", self.library)
        return self.library

    async def close(self) -> None:
        await super().close()
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
    """Run the bot until it is stopped; with `sync_globally`, register commands and exit."""
    discord.utils.setup_logging(level=config.log_level_number, root=True)
    bot = create_bot(config, sync_globally=sync_globally)
    if sync_globally:

        @bot.event
        async def on_ready() -> None:
            await bot.close()

    try:
        bot.run(config.token, log_handler=None)
    except discord.LoginFailure:
        print("Discord refused DISCORD_TOKEN; copy the token again from the Developer "
              "Portal's Bot page.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("Discord asked for a privileged intent this bot does not use; check that "
              "you run an unmodified storybot.", file=sys.stderr)
        return 2
    return 0
