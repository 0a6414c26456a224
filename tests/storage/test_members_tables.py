"""Bookmarks, stats and forgetting on a real database, SQLite and PostgreSQL."""

import pytest

from bot.storage.database import Database
from bot.storage.progress import PageMessage


async def read_in(db, guild, user, story, message, *, turns=2, words=100, finish=False):
    """Open a public reading in `guild` and turn `turns` pages on it."""
    await db.progress.record_page(user, story, position=0, anchor="", page_end=100, length=1000,
                         turned=False)
    await db.messages.save(PageMessage(message, 5, guild, user, story, 0, "reactions"))
    for n in range(1, turns + 1):
        last = finish and n == turns
        await db.progress.record_page(user, story, position=n * 100, anchor="",
                                      page_end=n * 100 + 100, length=1000, words=words,
                                      finished=last,
                                      message_id=message)


async def test_bookmarks_add_list_remove(db):
    first = await db.bookmarks.add(1, "tale", 120, "anchor", "note", now=10)
    second = await db.bookmarks.add(1, "other", 5, "", now=20)
    await db.bookmarks.add(2, "tale", 1, "")
    assert [b.id for b in await db.bookmarks.list(1)] == [second.id, first.id]
    assert await db.bookmarks.count(1) == 2
    assert (await db.bookmarks.get(1, first.id)).note == "note"
    assert await db.bookmarks.get(2, first.id) is None  # someone else's
    assert not await db.bookmarks.remove(2, first.id)
    assert await db.bookmarks.remove(1, first.id)
    assert [b.id for b in await db.bookmarks.list(1)] == [second.id]


async def test_reset_progress_deletes_one_story_only(db):
    await db.progress.record_page(1, "tale", position=0, anchor="", page_end=10, length=100)
    await db.progress.record_page(1, "other", position=0, anchor="", page_end=10, length=100)
    await db.bookmarks.add(1, "tale", 0, "")
    await db.bookmarks.add(1, "other", 0, "")
    assert await db.reset_progress(1, "tale") == (1, 1)
    assert await db.progress.get(1, "tale") is None
    assert await db.progress.get(1, "other") is not None
    assert await db.bookmarks.count(1) == 1
    assert await db.progress.count(1) == 1


async def test_guild_stats_count_turns_per_server(db):
    await read_in(db, 100, 1, "tale", 1001, turns=3, words=50, finish=True)
    await read_in(db, 100, 2, "tale", 1002, turns=1, words=70)
    await read_in(db, 100, 2, "other", 1003, turns=0)
    await read_in(db, 200, 3, "tale", 1004, turns=5, words=10)
    stats = await db.stats.guild(100)
    assert (stats.started, stats.finished, stats.words_read) == (3, 1, 220)
    assert [(s.story_id, s.readers, s.finished) for s in stats.stories] == [
        ("tale", 2, 1), ("other", 1, 0)]
    assert [(r.user_id, r.words_read, r.stories_finished) for r in stats.readers] == [
        (1, 150, 1), (2, 70, 0)]
    other = await db.stats.guild(200)
    assert (other.started, other.words_read) == (1, 50)


async def test_jumps_add_no_words(db):
    await read_in(db, 100, 1, "tale", 1001, turns=0)
    await db.progress.record_page(1, "tale", position=900, anchor="", page_end=1000, length=1000,
                         turned=False, words=0, message_id=1001)
    assert (await db.stats.guild(100)).words_read == 0


async def test_opting_out_removes_and_stops_recording(db):
    await read_in(db, 100, 1, "tale", 1001, turns=2)
    await read_in(db, 100, 2, "tale", 1002, turns=1)
    await db.stats.set_optout(1, True)
    assert await db.stats.optout(1)
    await db.progress.record_page(1, "tale", position=300, anchor="", page_end=400, length=1000,
                         words=100, message_id=1001)
    await read_in(db, 100, 1, "other", 1003, turns=1)
    stats = await db.stats.guild(100)
    assert [r.user_id for r in stats.readers] == [2]
    assert (stats.started, stats.words_read) == (1, 100)
    await db.stats.set_optout(1, False)
    assert not await db.stats.optout(1)
    await db.progress.record_page(1, "tale", position=400, anchor="", page_end=500, length=1000,
                         words=30, message_id=1001)
    assert [r.user_id for r in (await db.stats.guild(100)).readers] == [2, 1]


async def test_forget_member_removes_every_row_and_the_cache(db):
    await read_in(db, 100, 1, "tale", 1001, turns=2)
    await read_in(db, 100, 2, "tale", 1002, turns=1)
    await db.bookmarks.add(1, "tale", 100, "")
    await db.stats.set_optout(3, True)
    assert await db.messages.get(1001) is not None  # cached now
    forgotten = await db.forget_member(1)
    assert (forgotten.progress, forgotten.bookmarks, forgotten.readings) == (1, 1, 1)
    assert forgotten.stats == 2  # one guild_reads row and one member total
    assert await db.messages.get(1001) is None
    assert await db.progress.get(1, "tale") is None and await db.bookmarks.count(1) == 0
    for table in ("progress", "bookmarks", "readings", "guild_reads", "guild_member_totals",
                  "stats_optouts"):
        rows = await db._sql.fetch(f"SELECT COUNT(*) FROM {table} WHERE user_id = 1")
        assert rows[0][0] == 0, table
    stats = await db.stats.guild(100)
    assert (stats.started, stats.words_read) == (1, 100)
    assert await db.progress.get(2, "tale") is not None
    assert (await db.forget_member(1)).total == 0


async def test_a_failed_forget_changes_nothing(db, monkeypatch):
    await read_in(db, 100, 1, "tale", 1001, turns=1)

    async def broken(user_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(db.stats, "delete_member", broken)
    with pytest.raises(RuntimeError):
        await db.forget_member(1)
    assert await db.progress.get(1, "tale") is not None
    assert not db._sql.in_transaction


async def test_a_member_forgotten_through_one_process_is_forgotten_by_the_others(
        postgres_cluster):
    url = await postgres_cluster.create_database()
    one, other = await Database.open(url), await Database.open(url)
    try:
        await read_in(one, 100, 1, "tale", 1001, turns=1)
        assert (await other.messages.get(1001)).user_id == 1  # the other process read it
        await one.forget_member(1)
        # Its next page turn must not find the reading, and so write nothing back.
        assert await other.messages.get(1001) is None
    finally:
        await one.close()
        await other.close()
        await postgres_cluster.drop_database(url)
