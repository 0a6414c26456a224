"""SimCord fixtures: the real bot on a temporary library and database."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot import Config, create_bot
from tests.helpers import write_small_library


@pytest.fixture
def stories_dir(tmp_path: Path) -> Path:
    return write_small_library(tmp_path / "stories")


@pytest.fixture
def bot_database(tmp_path: Path) -> Path | str:
    """The bot's database: a SQLite file. A module whose behaviour should be seen on both
    databases overrides this with `database_target`, which is parametrized over them."""
    return tmp_path / "bot.sqlite3"


@pytest.fixture
def config(tmp_path: Path, stories_dir: Path, bot_database: Path | str) -> Config:
    # One shard: the bot shards itself, and SimCord, having no Discord to recommend a
    # count, must be told one.
    if isinstance(bot_database, Path):
        where = {"database_path": bot_database}
    else:
        where = {"database_path": tmp_path / "unused.sqlite3", "database_url": bot_database}
    return Config(token="", stories_dir=stories_dir, page_chars=500, shard_count=1, **where)


@pytest.fixture
def simcord_bot(config: Config):
    return create_bot(config)


@pytest.fixture
async def env(simcord_env):
    await simcord_env.bot.tree.sync()
    await simcord_env.bot.services.catalogue.rebuilt()  # searches find every story
    yield simcord_env
    # SimCord detaches bots without calling close(); an open aiosqlite connection would keep
    # its worker thread, and the test run, alive.
    await simcord_env.bot.database.close()


@pytest.fixture
def guild(env):
    return env.create_guild("Reading Room")


@pytest.fixture
def channel(guild):
    return guild.create_text_channel("reading")


@pytest.fixture
def alice(env, guild):
    return guild.add_member(env.create_user("alice"))


@pytest.fixture
def bob(env, guild):
    return guild.add_member(env.create_user("bob"))


@pytest.fixture
def mod(env, guild):
    """An admin of the first server: a role with Manage Server."""
    role = guild.create_role("mods", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("mod"), roles=[role])


@pytest.fixture
def other_guild(env):
    return env.create_guild("Harbour Club")


@pytest.fixture
def other_channel(other_guild):
    return other_guild.create_text_channel("books")


@pytest.fixture
def carol(env, other_guild):
    return other_guild.add_member(env.create_user("carol"))
