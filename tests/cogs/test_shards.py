"""The bot as one of several processes, through SimCord's shards: a bot holding every shard
serves servers on each; one holding shard 0 alone (`SHARD_COUNT=2`, `SHARD_IDS=0`) posts
its own servers' scheduled quotes and checks its own servers' AO3 works, leaving the other
shard's rows to the process that holds it; and readings in DMs, which Discord sends to
shard 0, turn their pages.

A server on shard 1 that the shard-0 bot never hears of is what the other process's server
looks like from here; its rows are written straight to the shared database, as that
process would write them.
"""

from __future__ import annotations

from dataclasses import replace

import aiohttp
import discord
import pytest

from bot.ao3.client import Ao3Client
from bot.library.shelf import STORED_VERSION
from bot.reading.gate import Place
from bot.reading.service import Shown, Viewer
from tests.helpers import (
    HOUR,
    MINUTE,
    latest,
    page_number,
    posts,
    quote_text,
    schedule,
    total_pages,
)
from tests.library.test_updates import NamedWip

BOTH = (2, None)  # SHARD_COUNT=2, this process running both shards
SHARD_ZERO = (2, (0,))  # SHARD_COUNT=2, SHARD_IDS=0: shard 1 is another process's
SALT = "salt-roads-slowly"
CHECK = 12 * HOUR + 600  # AO3_CHECK_HOURS, and room for the checker loop's turn


@pytest.fixture
def shards() -> tuple[int, tuple[int, ...] | None]:
    return BOTH


@pytest.fixture
def config(config, shards, ao3):
    count, ids = shards
    return replace(config, shard_count=count, shard_ids=ids, ao3_url=ao3.base)


@pytest.fixture
def zero(env):
    return env.create_guild("Harbour Reading Room", shard_id=0)


@pytest.fixture
def one(env):
    return env.create_guild("Hill Book Club", shard_id=1)


def member_of(env, guild, name: str):
    return guild.add_member(env.create_user(name))


async def reads_and_turns(member, channel) -> None:
    """A member opens a story in `channel` and turns to page 2 by reaction."""
    result = await member.slash(channel, "read", story="lantern")
    message = result.response.message
    assert message.embeds[0].title == "The Lantern Keeper"
    await member.react(message, "▶️")
    assert page_number(latest(channel)) == 2


async def test_a_bot_holding_both_shards_serves_servers_on_each(env, zero, one):
    assert env.bot.shard_count == 2 and env.bot.own_shards.everything
    assert {g.id for g in env.bot.guilds} == {zero.id, one.id}
    assert {env.bot.get_guild(g.id).shard_id for g in (zero, one)} == {0, 1}
    for guild, name in ((zero, "alice"), (one, "carol")):
        await reads_and_turns(member_of(env, guild, name), guild.create_text_channel("reading"))

    # Both shards' schedules run in this one process, each once.
    channels = [guild.create_text_channel("quotes") for guild in (zero, one)]
    for guild, channel in zip((zero, one), channels, strict=True):
        await schedule(env, guild, channel, time="00:10")
    await env.advance_time(11 * MINUTE)
    assert [len(posts(channel)) for channel in channels] == [1, 1]


@pytest.mark.parametrize("shards", [SHARD_ZERO])
async def test_a_bot_holding_shard_zero_posts_only_its_own_servers_quotes(env, zero, one):
    assert env.bot.get_guild(zero.id) is not None
    assert env.bot.get_guild(one.id) is None  # another process's server
    here = zero.create_text_channel("quotes")
    there = one.create_text_channel("quotes")
    await schedule(env, zero, here, time="00:10")
    quotes = env.bot.database.quotes
    at = env.now().replace(minute=10, second=0, microsecond=0)
    theirs = await quotes.add_schedule(
        guild_id=one.id, channel_id=there.id, time_of_day="00:10", timezone="UTC",
        every="day", story_id=None, next_run=at, created_by=1)

    await env.advance_time(11 * MINUTE)
    assert len(posts(here)) == 1 and quote_text(posts(here)[0])
    # Shard 1's run is left to its own process: not posted, not paused as a channel this
    # process cannot see, not moved on.
    assert posts(there) == []
    assert await quotes.schedule(theirs.id) == theirs
    (mine,) = await quotes.schedules(zero.id)
    assert mine.next_run == theirs.next_run.replace(day=2) and mine.paused_reason is None

    await env.advance_time(24 * HOUR)
    assert len(posts(here)) == 2 and posts(there) == []
    assert await quotes.schedule(theirs.id) == theirs


@pytest.mark.parametrize("shards", [BOTH, SHARD_ZERO])
async def test_page_turns_by_reaction_in_a_dm_reach_a_sharded_bot(env, zero, one):
    # Carol shares a server with the bot on shard 1 alone; DMs come by shard 0 all the same.
    carol = member_of(env, one, "carol").user
    result = await carol.slash("read", story="night-watch")
    message = result.response.message
    assert message.embeds[0].title == "Night Watch"
    assert total_pages(message) > 2
    dm = carol.dm_channel
    await carol.set_reaction(message, "▶️", reacted=True)
    assert page_number(latest(dm)) == 2
    # The bot cannot remove a reaction in a DM, so taking it back turns the page too.
    await carol.set_reaction(message, "▶️", reacted=False)
    assert page_number(latest(dm)) == 3
    saved = await env.bot.database.progress.get(carol.id, "night-watch")
    assert saved is not None and saved.position > 0


# --- AO3 checks ----------------------------------------------------------------------------------


def unkept() -> aiohttp.ClientSession:
    """A session keeping no connection open: an idle one wakes aiohttp on SimCord's clock."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))


@pytest.fixture
async def fetcher(env, ao3, fake_time):
    """The running bot's AO3 client, on the fake clock."""
    stories = env.bot.services.stories
    await stories.ao3.close()
    stories.ao3 = Ao3Client(ao3.base, delay=5.0, clock=fake_time.clock,
                            sleep=fake_time.sleep, timeout=5.0, session_factory=unkept)
    yield stories.ao3
    await stories.ao3.close()


async def checked_at(env, story_id: str) -> float | None:
    rows = await env.bot.database.server_stories.catalogue(STORED_VERSION, 500)
    return next(r.story.checked_at for r in rows if r.story.story_id == story_id)


@pytest.mark.parametrize("shards", [SHARD_ZERO])
async def test_a_bot_holding_shard_zero_checks_only_its_own_servers_works(
        env, fetcher, ao3, zero, one):
    wip = NamedWip(ao3, rating="General Audiences")
    services = env.bot.services
    role = zero.create_role("mods", permissions=discord.Permissions(manage_guild=True))
    mod = zero.add_member(env.create_user("mod"), roles=[role])
    reading = zero.create_text_channel("reading")
    added = await mod.slash(reading, "stories add", link="https://archiveofourown.org/works/222")
    assert f"as `{SALT}`" in added.response.message.content
    opened = await mod.slash(reading, "read", story=SALT)
    assert opened.response.message.embeds[0].title == "Salt Roads, Slowly"
    # The same work in shard 1's server, added and read there through its own process.
    now = env.now().timestamp()
    theirs = (await services.stories.add_link(one.id, 7, "222", now=now)).story_id
    shown = await services.reading.open(Viewer(9, Place(one.id)), theirs)
    assert isinstance(shown, Shown)
    mine_before, theirs_before = await checked_at(env, SALT), await checked_at(env, theirs)

    wip.chapters = 2
    seen = len(ao3.seen)
    await env.advance_time(CHECK)
    # One check, of shard 0's copy, which fetched the new chapter; shard 1's copy is left
    # for its own process to check.
    assert ao3.paths()[seen:].count("/works/222") == 1
    assert await checked_at(env, SALT) > mine_before
    assert await checked_at(env, theirs) == theirs_before
    assert services.shelves.story(SALT).chapters_posted == 2
    assert services.shelves.story(theirs).chapters_posted == 1
