"""New chapters of a server's AO3 works through the real bot: the checker loop on SimCord's
clock, the post in the announcement channel, DMs to followers, /follow, /stories announce
and /stories update, fetching from the AO3 stand-in (`tests/ao3_site.py`) on localhost.

The config points the bot at the stand-in; once the bot is up its `Ao3Client` is swapped
for one on the stand-in's fake clock, so the five seconds between requests cost no real
time. SimCord's clock (`env.advance_time`) drives the loop that checks works.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import aiohttp
import discord
import pytest

from bot.ao3.client import Ao3Client
from bot.library.shelf import STORED_VERSION
from bot.storage.database import Database
from bot.storage.server_stories import ServerStory
from tests.ao3_site import WIP_DOWNLOAD
from tests.helpers import HOUR, custom_ids
from tests.library.test_updates import AUTHOR, NamedWip


@pytest.fixture
def bot_database(database_target):
    """This module's behaviour is seen on SQLite and on PostgreSQL."""
    return database_target


DELAY = 5.0
SALT = "salt-roads-slowly"  # work 222's story id
CHECK = 12 * HOUR + 600  # AO3_CHECK_HOURS (12), and room for the checker loop's turn
READ_IT = "📖 Read it"
MANAGERS_ONLY = "Only members with Manage Server can change this server's library."


@pytest.fixture
def config(config, ao3):
    """The conftest config, with AO3 at the stand-in."""
    return replace(config, ao3_url=ao3.base)


def unkept() -> aiohttp.ClientSession:
    """A session that keeps no connection open between requests: an idle kept connection
    wakes aiohttp every 15 s of SimCord's time."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))


@pytest.fixture
async def fetcher(env, ao3, fake_time):
    """The running bot's AO3 client, on the fake clock; every client closed at the end."""
    stories = env.bot.services.stories
    assert stories.ao3 is not None and stories.ao3.base_url == ao3.base
    await stories.ao3.close()
    stories.ao3 = Ao3Client(ao3.base, delay=DELAY, clock=fake_time.clock,
                            sleep=fake_time.sleep, timeout=5.0, session_factory=unkept)
    yield stories.ao3
    await stories.ao3.close()


@pytest.fixture
def wip(ao3) -> NamedWip:
    """Work 222, in progress, for everyone; chapter 2 is "The Ford", 3 "Toll Bridge"."""
    return NamedWip(ao3, rating="General Audiences")


@pytest.fixture
def mod(env, guild):
    """An admin of the server: a role with Manage Server."""
    role = guild.create_role("mods", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("mod"), roles=[role])


@pytest.fixture
def news(guild):
    return guild.create_text_channel("news")


def bot_posts(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.bot]


def dms(member) -> list[discord.Message]:
    dm = member.user.dm_channel
    return [] if dm is None else [m for m in dm.history() if m.author.bot]


def buttons(message: discord.Message) -> list[str]:
    return [child.label for row in message.components
            for child in getattr(row, "children", [row]) if getattr(child, "label", None)]


async def add_work(env, mod, channel) -> None:
    result = await mod.slash(channel, "stories add", link="https://archiveofourown.org/works/222")
    text = result.response.message.content
    assert text.startswith(f"Added **Salt Roads, Slowly** to this server's library as `{SALT}`")


async def announce_in(mod, channel, target) -> None:
    result = await mod.slash(channel, "stories announce", channel=target)
    assert result.ephemeral
    assert result.response.content.startswith(
        f"New chapters of this server's AO3 works will be announced in <#{target.id}>.")


async def follow(member, channel) -> None:
    result = await member.slash(channel, "follow", story=SALT)
    assert result.ephemeral
    assert result.response.content.startswith(
        "You will hear of new chapters of **Salt Roads, Slowly** in a DM from me.")


async def stored(config) -> ServerStory:
    database = await Database.open(config.database)
    try:
        rows = await database.server_stories.catalogue(STORED_VERSION, config.page_chars)
        return next(row.story for row in rows if row.story.story_id == SALT)
    finally:
        await database.close()


async def allow_stories_command(env, guild, member) -> None:
    """A server showing `/stories` to a member without Manage Server (Discord hides it by
    default): the bot must refuse by itself."""
    command = next(c for c in await env.bot.tree.fetch_commands() if c.name == "stories")
    guild.set_command_permissions(command, {member: True})


# --- 7. the checker announces a new chapter ---------------------------------------------------


async def test_a_new_chapter_is_announced_once_and_opens_privately(
        env, fetcher, ao3, wip, guild, channel, news, mod, alice, bob, config):
    await add_work(env, mod, channel)
    await announce_in(mod, channel, news)
    opened = await alice.slash(channel, "read", story=SALT)  # read: the work is due checks
    assert "Carts and bells, part 1." in opened.response.message.embeds[0].description
    await follow(alice, channel)

    # Nothing new yet: an interval on, a check of the work page alone, and no post.
    await env.advance_time(CHECK)
    assert "/works/222" in ao3.paths()[3:]
    assert WIP_DOWNLOAD not in ao3.paths()[3:]
    assert bot_posts(news) == [] and dms(alice) == []

    wip.chapters = 2
    seen = len(ao3.seen)
    await env.advance_time(CHECK)
    assert WIP_DOWNLOAD in ao3.paths()[seen:]
    (post,) = bot_posts(news)
    assert post.content.startswith(f"**Salt Roads, Slowly** by {AUTHOR}: chapter 2, “")
    assert "The Ford" in post.content
    assert post.content.endswith("”, is out (5 words).")
    assert buttons(post) == [READ_IT]
    assert custom_ids(post)[0].startswith(f"sb:hit:{SALT}:")
    (note,) = dms(alice)
    assert note.content == post.content
    assert buttons(note) == [READ_IT]
    assert dms(bob) == []
    assert (await stored(config)).chapters_posted == 2

    # Anyone clicking in the channel reads the new chapter, privately.
    clicked = await bob.click(post, label=READ_IT)
    assert clicked.ephemeral
    page = clicked.response.message.embeds[0]
    assert page.title == "Salt Roads, Slowly"
    assert "Carts and bells, part 2." in page.description
    assert "part 1." not in page.description
    assert bot_posts(news) == [post]
    # And alice from her DM.
    from_dm = await alice.user.click(note, label=READ_IT)
    assert "Carts and bells, part 2." in from_dm.response.message.embeds[0].description

    # Later checks find nothing new: nothing more is posted or sent.
    seen = len(ao3.seen)
    await env.advance_time(CHECK)
    assert "/works/222" in ao3.paths()[seen:]
    assert WIP_DOWNLOAD not in ao3.paths()[seen:]
    assert bot_posts(news) == [post]
    assert len(dms(alice)) == 1
    assert env.errors == []


async def test_a_work_nobody_reads_or_follows_is_not_checked(env, fetcher, ao3, wip, channel,
                                                             news, mod):
    await add_work(env, mod, channel)
    await announce_in(mod, channel, news)
    wip.chapters = 2
    seen = len(ao3.seen)
    for _ in range(2):
        await env.advance_time(CHECK)
    assert ao3.seen[seen:] == []
    assert bot_posts(news) == []


# --- 8. a gated work ------------------------------------------------------------------------


async def test_a_mature_work_is_announced_without_its_chapter_outside_age_restricted_channels(
        env, fetcher, ao3, guild, channel, news, mod, alice):
    wip = NamedWip(ao3, rating="Mature")
    await add_work(env, mod, channel)
    await announce_in(mod, channel, news)
    await follow(alice, channel)

    wip.chapters = 2
    await env.advance_time(CHECK)
    (gated,) = bot_posts(news)
    assert gated.content == (
        f"**Salt Roads, Slowly** by {AUTHOR}: chapter 2 is out (5 words). It is rated Mature: "
        f"read it in an age-restricted channel or in a DM with me (`/read {SALT}`).")
    assert "Ford" not in gated.content
    assert gated.components == []
    (note,) = dms(alice)  # a DM is a place the story may be shown
    assert "The Ford" in note.content and buttons(note) == [READ_IT]

    env.bot.get_channel(news.id).nsfw = True  # SimCord does not model the flag itself
    wip.chapters = 3
    await env.advance_time(CHECK)
    shown = bot_posts(news)[1]
    assert shown.content.startswith(f"**Salt Roads, Slowly** by {AUTHOR}: chapter 3, “")
    assert "Toll Bridge" in shown.content and "It is rated" not in shown.content
    assert buttons(shown) == [READ_IT]
    assert len(bot_posts(news)) == 2 and len(dms(alice)) == 2


# --- 9. /stories update ---------------------------------------------------------------------


async def test_update_announces_the_new_chapter_and_the_checker_does_not_again(
        env, fetcher, ao3, wip, channel, news, mod, alice):
    await add_work(env, mod, channel)
    await announce_in(mod, channel, news)
    await follow(alice, channel)

    wip.chapters = 2
    result = await mod.slash(channel, "stories update", story=SALT)
    assert result.response.message.content.startswith(
        f"Updated **Salt Roads, Slowly** in this server's library as `{SALT}`: 2 chapters, ")
    (post,) = bot_posts(news)
    assert "The Ford" in post.content and buttons(post) == [READ_IT]
    assert len(dms(alice)) == 1

    unchanged = await mod.slash(channel, "stories update", story=SALT)
    assert unchanged.response.message.content == (
        "**Salt Roads, Slowly** is as it was: 2 chapters.")
    seen = len(ao3.seen)
    await env.advance_time(CHECK)
    assert "/works/222" in ao3.paths()[seen:]  # the checker did look
    assert bot_posts(news) == [post]
    assert len(dms(alice)) == 1
    assert env.errors == []


# --- 10. /stories announce and a lost channel -----------------------------------------------


async def test_a_member_without_manage_server_cannot_choose_the_channel(env, guild, channel,
                                                                      news, alice):
    await allow_stories_command(env, guild, alice)
    result = await alice.slash(channel, "stories announce", channel=news)
    assert result.ephemeral and result.response.content == MANAGERS_ONLY
    settings = await env.bot.database.settings.get(guild.id)
    assert settings.announce_channel_id is None


@pytest.mark.parametrize(("overwrite", "lacking"), [
    (discord.PermissionOverwrite(send_messages=False), "Send Messages"),
    (discord.PermissionOverwrite(view_channel=False), "View Channel and Send Messages"),
])
async def test_a_channel_the_bot_cannot_post_in_is_refused(env, guild, channel, mod,
                                                           overwrite, lacking):
    locked = guild.create_text_channel("locked", overwrites={env.bot.user: overwrite})
    result = await mod.slash(channel, "stories announce", channel=locked)
    assert result.ephemeral
    assert result.response.content == (
        f"I can't post in <#{locked.id}>: I need {lacking} there.")
    settings = await env.bot.database.settings.get(guild.id)
    assert settings.announce_channel_id is None


async def test_announcements_can_be_stopped(env, guild, channel, news, mod):
    await announce_in(mod, channel, news)
    result = await mod.slash(channel, "stories announce")
    assert result.response.content == "New chapters are no longer announced in a channel here."
    assert (await env.bot.database.settings.get(guild.id)).announce_channel_id is None


async def test_a_deleted_announcement_channel_still_updates_and_tells_followers(
        env, fetcher, ao3, wip, guild, channel, news, mod, alice, config, caplog):
    await add_work(env, mod, channel)
    await announce_in(mod, channel, news)
    await follow(alice, channel)
    env.backend.delete_channel(news.id)

    wip.chapters = 2
    with caplog.at_level(logging.INFO, logger="cogs.stories.updates"):
        await env.advance_time(CHECK)
    assert (await stored(config)).chapters_posted == 2
    (note,) = dms(alice)
    assert "The Ford" in note.content
    lines = [r for r in caplog.records if r.name == "cogs.stories.updates"]
    assert [r.getMessage() for r in lines] == [
        f"Server {guild.id}'s announcement channel {news.id} is gone"]
    assert env.errors == []


async def test_follow_and_unfollow_through_the_bot(env, fetcher, wip, channel, mod, alice):
    await add_work(env, mod, channel)
    await follow(alice, channel)
    again = await alice.slash(channel, "follow", story=SALT)
    assert again.response.content == "You already follow **Salt Roads, Slowly**."
    folder_story = await alice.slash(channel, "follow", story="lantern")
    assert folder_story.ephemeral
    assert folder_story.response.content.startswith("**The Lantern Keeper** is not an AO3 work")
    offered = await alice.autocomplete(channel, "follow", "story", "salt")
    assert [choice["value"] for choice in offered] == [SALT]
    gone = await alice.slash(channel, "unfollow", story=SALT)
    assert gone.response.content == "You no longer follow **Salt Roads, Slowly**."
    assert await env.bot.database.follows.followers(SALT) == []



async def test_adding_a_work_again_announces_the_chapters_it_gained(
        env, fetcher, ao3, wip, channel, news, mod, alice):
    await add_work(env, mod, channel)
    await announce_in(mod, channel, news)
    await follow(alice, channel)
    wip.chapters = 2
    again = await mod.slash(channel, "stories add", link="https://archiveofourown.org/works/222")
    assert again.response.message.content.startswith(
        f"Updated **Salt Roads, Slowly** in this server's library as `{SALT}`: 2 chapters, ")
    await env.advance_time(CHECK)
    (post,) = bot_posts(news)
    assert "The Ford" in post.content
    assert len(dms(alice)) == 1
