"""WATCH_STORIES=1: a change in the stories folder reloads the library by itself."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from bot.library.watch import counts
from tests.helpers import write_story


@pytest.fixture
def config(config):
    return dataclasses.replace(config, watch_stories=True)


@pytest.fixture(autouse=True)
async def stop_watching(env):
    yield
    await env.bot.stop_watching()  # SimCord detaches the bot without closing it


async def until(condition, seconds: float = 15.0) -> bool:
    """Wait, in real time, for the watcher's thread to see a change and the reload to end."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def test_a_new_file_is_picked_up_and_a_removed_one_dropped(env, channel, alice,
                                                                 stories_dir):
    await asyncio.sleep(0.3)  # let the watcher start
    write_story(stories_dir, "new-tide", title="New Tide", rating="General Audiences",
                chapters=1, paragraphs=2)
    assert await until(lambda: "new-tide" in env.bot.library)
    opened = await alice.slash(channel, "read", story="new-tide")
    assert opened.response.message.embeds[0].title == "New Tide"

    (stories_dir / "short.md").unlink()
    assert await until(lambda: "short" not in env.bot.library)


async def test_files_that_are_not_stories_change_nothing(env, stories_dir):
    await asyncio.sleep(0.3)
    before = env.bot.library
    (stories_dir / ".lantern.md.swp").write_text("an editor's swap file")
    (stories_dir / "notes.docx").write_bytes(b"PK")
    (stories_dir / ".hidden").mkdir()
    write_story(stories_dir / ".hidden", "secret", title="Secret", rating="Teen", chapters=1,
                paragraphs=1)
    await asyncio.sleep(2.5)  # longer than the watcher's quiet time
    assert env.bot.library is before


@pytest.mark.parametrize(("name", "counted"), [
    ("tale.md", True), ("sub/tale.EPUB", True), ("tale.toml", True), ("tale.txt", True),
    (".tale.md", False), (".git/tale.md", False), ("tale.md.swp", False), ("tale.md~", False),
    ("notes.docx", False),
])
def test_which_changes_count(tmp_path, name, counted):
    assert counts(tmp_path, str(tmp_path / name)) is counted
