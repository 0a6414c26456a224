"""/stories reload: the owner reads the stories folder again without a restart.

SimCord reports the bot itself as the application's owner; setting `owner_id` on the bot
is how discord.py is told who owns it, as the application info would on Discord.
"""

from __future__ import annotations

import discord
import pytest

from tests.helpers import find, latest, page_number, prose, write_story


@pytest.fixture
def owner(env, guild):
    """The bot's owner, a server admin here (the command shows to Manage Server)."""
    role = guild.create_role("owners", permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user("olive"), roles=[role])
    env.bot.owner_id = member.id
    return member


async def test_the_owner_reloads_and_sees_what_changed(env, channel, owner, alice, stories_dir):
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await alice.react(message, "▶️")
    write_story(stories_dir, "new-tide", title="New Tide", rating="General Audiences",
                chapters=1, paragraphs=2)
    (stories_dir / "short.md").unlink()
    (stories_dir / "empty.md").write_text("")

    result = await owner.slash(channel, "stories reload")
    assert result.ephemeral
    text = await _final(result)
    assert "Reloaded the library: 3 stories." in text
    assert "New: **New Tide**." in text and "Gone: **A Short One**." in text
    assert "Skipped 1 file" in text and "empty.md: the file is empty" in text

    opened = await alice.slash(channel, "read", story="new-tide")
    assert opened.response.message.embeds[0].title == "New Tide"
    gone = await alice.slash(channel, "read", story="short")
    assert gone.ephemeral and "There is no story called" in gone.response.content
    # The reader's place went through the reload.
    await alice.react(message, "▶️")
    assert page_number(find(channel, message.id)) == 3


async def _final(result) -> str:
    """The reload's answer as last edited."""
    message = result.response.message if result.response else None
    return message.content if message is not None else ""


async def test_nothing_changed_says_so(env, channel, owner):
    result = await owner.slash(channel, "stories reload")
    assert "Nothing changed since the last load." in await _final(result)


async def test_the_owner_can_reload_from_a_dm(env, owner, stories_dir):
    write_story(stories_dir, "new-tide", title="New Tide", rating="General Audiences",
                chapters=1, paragraphs=2)
    result = await owner.user.slash("stories reload")
    assert "New: **New Tide**." in await _final(result)


async def test_an_edited_story_is_listed_as_updated(env, channel, owner, stories_dir):
    path = stories_dir / "lantern.md"
    path.write_text(path.read_text() + "\n\n" + prose(9, 2))
    result = await owner.slash(channel, "stories reload")
    assert "Updated: **The Lantern Keeper**." in await _final(result)


async def test_a_manager_who_is_not_the_owner_is_refused(env, guild, channel, owner,
                                                         stories_dir):
    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[role])
    write_story(stories_dir, "new-tide", title="New Tide", rating="General Audiences",
                chapters=1, paragraphs=2)
    result = await admin.slash(channel, "stories reload")
    assert result.ephemeral and "Only the bot's owner" in result.response.content
    assert "new-tide" not in env.bot.library


async def test_a_second_reload_waits_for_the_first(env, channel, owner):
    async with env.bot._reload_lock:
        result = await owner.slash(channel, "stories reload")
    assert result.ephemeral and "already under way" in result.response.content


async def test_titles_and_file_names_in_the_answer_are_escaped(env, channel, owner,
                                                               stories_dir):
    write_story(stories_dir, "lure", title="[Free Nitro](https://evil.example/claim)",
                rating="General Audiences", chapters=1, paragraphs=1)
    (stories_dir / "<@123>.txt").write_text("")
    text = await _final(await owner.slash(channel, "stories reload"))
    assert "](https://evil.example" not in text.replace("\\]", "")
    assert "<@123>" not in text.replace("\\<", "")
