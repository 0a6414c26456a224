"""The shelf, bookmarks and forgetting through the real discord.py client."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.storage.database import Database
from tests.helpers import button, custom_ids, latest, page_number, restart, turn


@pytest.fixture
def bot_database(database_target):
    """This module's behaviour is seen on SQLite and on PostgreSQL."""
    return database_target


async def count_rows(config, table: str, user_id: int) -> int:
    database = await Database.open(config.database)
    try:
        rows = await database._sql.fetch(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?",
                                     (user_id,))
        return rows[0][0]
    finally:
        await database.close()


def description(result) -> str:
    return result.response.embeds[0].description or ""


# --- /progress -------------------------------------------------------------------------------


async def test_shelf_after_reading_two_stories(env, channel, alice):
    await alice.slash(channel, "read", story="lantern")
    await turn(alice, channel, 2)
    await alice.slash(channel, "read", story="short")
    await turn(alice, channel, 1, "⏭️")
    result = await alice.slash(channel, "progress")
    assert result.ephemeral
    rows = description(result).split("\n\n")
    assert rows[0].startswith("**A Short One** ✅\n▰▰▰▰▰▰▰ 100% · page 1/1")
    assert rows[1].startswith("**The Lantern Keeper**\n▰")
    assert "page 3/" in rows[1] and "last read just now" in rows[1]
    ids = custom_ids(result.response.message)
    assert ids == ["sb:shelf:go:short", "sb:shelf:go:lantern"]


async def test_continue_button_reopens_privately_after_a_restart(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern")
    await turn(alice, channel, 3)
    result = await alice.slash(channel, "progress")
    await restart(env, config)
    opened = await alice.click(result.response.message, custom_id="sb:shelf:go:lantern")
    assert opened.ephemeral
    assert page_number(opened.response.message) == 4


async def test_long_shelf_is_paged(env, guild, channel, alice):
    database = env.bot.database
    for number in range(12):
        await database.progress.record_page(alice.id, f"gone-{number:02}", position=0, anchor="",
                                   page_end=10, length=100, now=1000 + number)
    result = await alice.slash(channel, "progress")
    assert description(result).startswith("**gone-11**")
    assert result.response.embeds[0].footer.text == "12 stories · page 1/3"
    await alice.click(result.response.message, custom_id=f"sb:shelf:page:{alice.id}:2")
    assert result.response.embeds[0].description.startswith("**gone-06**")
    last = await alice.slash(channel, "progress", page=9)
    assert last.response.embeds[0].footer.text == "12 stories · page 3/3"


async def test_empty_shelf(env, channel, alice):
    result = await alice.slash(channel, "progress")
    assert "Your shelf is empty" in description(result)


# --- reset and forgetme ---------------------------------------------------------------------


async def test_reset_needs_the_confirm_button(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern")
    await alice.slash(channel, "bookmark add")
    asked = await alice.slash(channel, "progress", reset="lantern")
    assert asked.ephemeral and "Delete your place" in asked.response.content
    ids = custom_ids(asked.response.message)
    await alice.click(asked.response.message, custom_id=ids[1])  # Cancel
    assert "nothing was deleted" in asked.response.content
    assert await count_rows(config, "progress", alice.id) == 1
    assert await count_rows(config, "bookmarks", alice.id) == 1

    asked = await alice.slash(channel, "progress", reset="The Lantern Keeper")
    await alice.click(asked.response.message, custom_id=button(asked.response.message,
                                                               "sb:confirm"))
    assert "is forgotten, with 1 bookmark" in asked.response.content
    assert await count_rows(config, "progress", alice.id) == 0
    assert await count_rows(config, "bookmarks", alice.id) == 0


async def test_reset_of_an_unread_story_says_so(env, channel, alice):
    result = await alice.slash(channel, "progress", reset="short")
    assert "no progress in A Short One" in result.response.content


async def test_forgetme_deletes_everything_only_after_confirming(env, channel, alice, bob,
                                                                 config):
    await alice.slash(channel, "read", story="lantern")
    await turn(alice, channel, 2)
    await alice.react(latest(channel), "🔖")
    await bob.slash(channel, "read", story="short")
    tables = ("progress", "bookmarks", "readings", "guild_reads", "guild_member_totals")
    asked = await alice.slash(channel, "forgetme")
    assert asked.ephemeral
    for table in tables:
        assert await count_rows(config, table, alice.id) == 1, table
    await alice.click(asked.response.message, custom_id=button(asked.response.message,
                                                               "sb:confirm"))
    text = asked.response.content
    assert text.startswith("Done. I deleted 1 story's progress, 1 bookmark, 2 stats records "
                           "and 1 open reading message.")
    for table in tables:
        assert await count_rows(config, table, alice.id) == 0, table
    assert await count_rows(config, "progress", bob.id) == 1
    # Her old reading message is nobody's now: turning it does nothing.
    message = latest(channel)
    await alice.react(channel.history()[-2], "▶️")
    assert latest(channel).id == message.id


async def test_confirmation_expires_after_a_restart(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern")
    asked = await alice.slash(channel, "forgetme")
    await restart(env, config)
    await alice.click(asked.response.message, custom_id=button(asked.response.message,
                                                               "sb:confirm"))
    assert asked.response.content == "This confirmation has expired — run the command again."
    assert await count_rows(config, "progress", alice.id) == 1


async def test_confirmation_expires_after_a_while(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern")
    asked = await alice.slash(channel, "forgetme")
    await env.advance_time(301)
    await alice.click(asked.response.message, custom_id=button(asked.response.message,
                                                               "sb:confirm"))
    assert "expired" in asked.response.content
    assert await count_rows(config, "progress", alice.id) == 1


# --- bookmarks ---------------------------------------------------------------------------------


async def test_bookmark_by_command_list_and_jump(env, channel, alice):
    await alice.slash(channel, "read", story="lantern")
    page = await turn(alice, channel, 4)
    text = page.embeds[0].description
    added = await alice.slash(channel, "bookmark add", note="the storm")
    assert added.ephemeral and "Bookmarked page 5 of **The Lantern Keeper**" in (
        added.response.content)
    await turn(alice, channel, 3)
    listed = await alice.slash(channel, "bookmark list")
    assert "1. **The Lantern Keeper** — page 5 · “the storm”" in description(listed)
    (open_id,) = [c for c in custom_ids(listed.response.message) if ":open:" in c]
    opened = await alice.click(listed.response.message, custom_id=open_id)
    assert opened.ephemeral
    assert opened.response.message.embeds[0].description == text
    assert any("the storm" in f.content for f in opened.followups)


async def test_bookmark_by_reaction_only_for_the_reader(env, channel, alice, bob):
    await alice.slash(channel, "read", story="lantern")
    page = await turn(alice, channel, 2)
    await bob.react(page, "🔖")
    await alice.react(page, "🔖")
    marks = await env.bot.database.bookmarks.list(alice.id)
    assert len(marks) == 1 and marks[0].position > 0
    assert await env.bot.database.bookmarks.list(bob.id) == []
    # The bot has Manage Messages: the reader's 🔖 is tidied away, a stranger's stays.
    mark = next(r for r in latest(channel).reactions if str(r.emoji) == "🔖")
    assert mark.count == 2
    listed = await alice.slash(channel, "bookmark list")
    opened = await alice.click(listed.response.message,
                               custom_id=button(listed.response.message, "sb:marks:open"))
    assert opened.response.message.embeds[0].description == page.embeds[0].description


async def test_bookmark_button_on_a_button_reading(env, guild, channel, alice):
    await env.bot.database.settings.update(guild.id, paging="buttons")
    await alice.slash(channel, "read", story="lantern")
    message = latest(channel)
    await alice.click(message, custom_id=button(message, "sb:nav:next"))
    message = latest(channel)
    clicked = await alice.click(message, custom_id=button(message, "sb:mark:add"))
    assert clicked.ephemeral and "Bookmarked page 2" in clicked.response.content
    assert len(await env.bot.database.bookmarks.list(alice.id)) == 1


async def test_bookmark_survives_a_change_of_page_size(env, channel, alice, config):
    await alice.slash(channel, "read", story="lantern")
    page = await turn(alice, channel, 5)
    first_words = page.embeds[0].description[:40]
    await alice.slash(channel, "bookmark add")
    await restart(env, replace(config, page_chars=1500))
    listed = await alice.slash(channel, "bookmark list")
    opened = await alice.click(listed.response.message,
                               custom_id=button(listed.response.message, "sb:marks:open"))
    assert first_words in opened.response.message.embeds[0].description


async def test_bookmark_remove_with_autocomplete(env, channel, alice):
    await alice.slash(channel, "read", story="lantern")
    await alice.slash(channel, "bookmark add", note="keep")
    choices = await alice.autocomplete(channel, "bookmark remove", "bookmark", "keep")
    assert len(choices) == 1 and "The Lantern Keeper" in choices[0]["name"]
    removed = await alice.slash(channel, "bookmark remove", bookmark=choices[0]["value"])
    assert removed.response.content == "Bookmark deleted."
    again = await alice.slash(channel, "bookmark remove", bookmark=choices[0]["value"])
    assert "no such bookmark" in again.response.content


async def test_bookmark_add_before_reading(env, channel, alice):
    result = await alice.slash(channel, "bookmark add")
    assert "haven't started" in result.response.content
