"""The library kept in the story store, as members see it through the real bot.

A restart (or a reload) reads only the files that changed; readers keep their places in
edited stories, lose removed ones cleanly, and many readers share a text cache that stays
within its bound.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import discord
import pytest

from bot.library.catalogue import Library
from bot.library.shelf import text_cost
from tests.helpers import find, page_number, prose, restart, stored_progress, turn

INSERTED = ("Before any of it, there was the night the harbour froze, and the ferrywoman "
            "walked across to the lighthouse with a basket of bread.")


def summary_line(caplog) -> str:
    lines = [r.getMessage() for r in caplog.records
             if r.name == "bot.library.shelf" and r.getMessage().startswith("Library of ")]
    assert lines, "no summary line was logged"
    return lines[-1]


def description(message: discord.Message) -> str:
    return message.embeds[0].description or ""


async def make_owner(env, guild):
    role = guild.create_role("owners", permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user("olive"), roles=[role])
    env.bot.owner_id = member.id
    return member


# --- an edited story --------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["reload", "restart"])
async def test_an_edited_story_reopens_at_the_passage_being_read(
        env, guild, channel, alice, config, stories_dir, parses, caplog, how):
    await alice.slash(channel, "read", story="lantern")
    message = await turn(alice, channel, 5)
    assert page_number(message) == 6
    reading = description(message)
    before = await stored_progress(config, alice.id, "lantern")
    assert before.anchor and reading.startswith(before.anchor[:40])

    path = stories_dir / "lantern.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("# Chapter 1 Title\n\n", f"# Chapter 1 Title\n\n{INSERTED}\n\n",
                                 1), encoding="utf-8")
    caplog.set_level(logging.INFO, logger="bot.library.shelf")
    parses.clear()
    if how == "reload":
        owner = await make_owner(env, guild)
        result = await owner.slash(channel, "stories reload")
        assert "Updated: **The Lantern Keeper**." in result.response.message.content
    else:
        await restart(env, config)
    assert parses == ["lantern.md"]
    assert "1 files parsed, 0 known by their bytes, 2 unchanged, 0 gone" in summary_line(caplog)

    result = await alice.slash(channel, "continue")
    assert not result.ephemeral
    shown = result.response.message
    assert shown.embeds[0].title == "The Lantern Keeper"
    assert reading[:120] in description(shown)
    after = await stored_progress(config, alice.id, "lantern")
    assert after.anchor == before.anchor
    assert after.position > before.position  # the inserted paragraph moved the place on
    # From the start, the edited story shows the inserted paragraph first.
    first = await alice.slash(channel, "read", story="lantern")
    assert description(first.response.message).startswith(INSERTED)


# --- a removed story ---------------------------------------------------------------------------


async def test_a_removed_story_is_gone_after_a_restart_and_the_shelf_keeps_the_rest(
        env, channel, alice, config, stories_dir, parses):
    await alice.slash(channel, "read", story="lantern")
    await turn(alice, channel, 2)
    opened = await alice.slash(channel, "read", story="short")
    assert opened.response.message.embeds[0].title == "A Short One"
    assert await stored_progress(config, alice.id, "short") is not None
    (stories_dir / "short.md").unlink()
    parses.clear()

    bot = await restart(env, config)
    assert parses == []
    assert "short" not in bot.library
    assert "short.md" not in await bot.database.stories.files()

    listing = await alice.slash(channel, "library")
    text = description(listing.response.message)
    assert text.startswith("**2** stories")
    assert "**The Lantern Keeper**" in text and "**Night Watch**" in text
    assert "A Short One" not in text
    assert await alice.autocomplete(channel, "read", "story", "short") == []

    latest_read = await alice.slash(channel, "continue")
    assert latest_read.ephemeral
    assert latest_read.response.content == (
        "The story you read last is no longer in the library. `/progress` shows your other "
        "stories.")
    named = await alice.slash(channel, "continue", story="short")
    assert named.ephemeral and "There is no story called" in named.response.content

    shelf_result = await alice.slash(channel, "progress")
    assert shelf_result.ephemeral
    rows = description(shelf_result.response.message)
    assert "**The Lantern Keeper**" in rows and "page 3/" in rows
    assert "A Short One" not in rows
    assert rows.startswith("**short** ✅\n▰▰▰▰▰▰▰ 100% · no longer in the library")
    # The place in the other story still opens.
    again = await alice.slash(channel, "continue", story="lantern")
    assert page_number(again.response.message) == 3


# --- many readers, a small cache ----------------------------------------------------------------


READERS = 20


def tale_library(folder: Path) -> Path:
    """Twenty short stories, each with its own text."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(READERS):
        front = (f"---\ntitle: Tide Log {n:02}\nauthor: Keeper {n}\nrating: Teen\n"
                 f"fandoms: [Original Work]\n---\n\n")
        (folder / f"tide-{n:02}.md").write_text(
            front + f"# Chapter 1 Title\n\n{prose(100 + n, 5 + n % 3)}", encoding="utf-8")
    return folder


class TestManyReadersShareASmallCache:
    @pytest.fixture
    def stories_dir(self, tmp_path: Path) -> Path:
        return tale_library(tmp_path / "tales")

    @pytest.fixture
    def whole(self, stories_dir: Path) -> Library:
        return Library.load(stories_dir)

    @pytest.fixture
    def config(self, config, whole):
        largest = max(text_cost(entry.text) for entry in whole.entries())
        return replace(config, story_cache_bytes=largest * 3)

    async def test_every_reader_sees_their_own_pages(self, env, guild, channel, whole):
        texts = env.bot.texts
        readers = [guild.add_member(env.create_user(f"reader{n:02}")) for n in range(READERS)]
        expected = {entry.story.id: entry.text.paged(500) for entry in whole.entries()}

        def page_text(sid: str, number: int) -> str:
            paged = expected[sid]
            return paged.text(paged.pages[number - 1])

        def within_bound() -> None:
            assert texts.cache.total <= texts.cache.limit

        messages = {}
        for n, reader in enumerate(readers):
            sid = f"tide-{n:02}"
            result = await reader.slash(channel, "read", story=sid)
            message = result.response.message
            assert message.embeds[0].title == f"Tide Log {n:02}"
            assert description(message) == page_text(sid, 1)
            assert description(message).startswith(f"Paragraph {100 + n}.0.")
            messages[n] = message
            within_bound()
        assert len(texts.cache) < READERS  # the small cache let some go
        opened = texts.opened

        # Each reader turns a page in turn, the earliest first: their texts were let go.
        for n, reader in enumerate(readers):
            sid = f"tide-{n:02}"
            await reader.react(messages[n], "▶️")
            shown = find(channel, messages[n].id)
            assert page_number(shown) == 2, sid
            assert description(shown) == page_text(sid, 2)
            within_bound()
        assert texts.opened > opened  # let-go texts were read again from the store

        # Going back to the start, from the last reader to the first.
        for n in reversed(range(READERS)):
            sid = f"tide-{n:02}"
            await readers[n].react(messages[n], "⏮️")
            shown = find(channel, messages[n].id)
            assert page_number(shown) == 1 and description(shown) == page_text(sid, 1)
            within_bound()

        # Interleaved (SimCord runs one member's operation at a time; the core's test opens
        # texts concurrently): every reader opens the third page of their story.
        for n in [*range(0, READERS, 2), *range(1, READERS, 2)]:
            result = await readers[n].slash(channel, "read", story=f"tide-{n:02}", page=3)
            shown = result.response.message
            assert shown.embeds[0].title == f"Tide Log {n:02}"
            assert page_number(shown) == 3
            assert description(shown) == page_text(f"tide-{n:02}", 3)
            within_bound()
        assert 0 < texts.cache.total <= texts.cache.limit


# --- a text the store cannot give ---------------------------------------------------------------


async def test_a_text_missing_from_the_store_is_a_clear_answer_and_read_again(
        env, channel, alice, config, parses):
    await env.bot.database.stories._sql.execute("DELETE FROM story_bodies")
    env.bot.texts.cache.clear()
    result = await alice.slash(channel, "read", story="lantern")
    assert "couldn't open that story's text just now" in result.response.message.content
    assert not env.errors
    parses.clear()
    await restart(env, config)  # the file is read again, since its story was lost
    assert parses == ["lantern.md", "night-watch.md", "short.md"]
    result = await alice.slash(channel, "read", story="lantern")
    assert "Paragraph 1.0." in description(result.response.message)
