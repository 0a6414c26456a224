"""The story store on SQLite and PostgreSQL, and upgrading a SQLite database made before it
existed."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.database import Database, migrations
from bot.storage.stories import KeptStory, StoredCard

RELEASED = 5  # the schema of the last release without the story store


def card(words: int = 10) -> StoredCard:
    return StoredCard(b"card", words, words / 250, words * 6, 3)


def kept(body: bytes, stored: StoredCard, pages: tuple[int, bytes] | None = None) -> KeptStory:
    return KeptStory(body, stored, pages=pages)



async def test_a_read_file_keeps_its_body_and_a_skipped_one_its_reason(db):
    await db.stories.record("a.md", "10:1", "h1", 1, story=kept(b"story one", card()),
                            warnings=["w1", "w2"], now=5.0)
    await db.stories.record("bad.txt", "3:1", "h2", 1, error="the file is empty", now=6.0)
    files = await db.stories.files()
    assert set(files) == {"a.md", "bad.txt"}
    assert files["a.md"].caveats == ["w1", "w2"] and files["a.md"].error is None
    assert files["bad.txt"].error == "the file is empty" and files["bad.txt"].caveats == []
    assert await db.stories.body("h1", 1) == b"story one"
    assert await db.stories.body("h1", 2) is None  # another parser version reads it again
    assert await db.stories.body("h2", 1) is None


async def test_a_changed_file_replaces_its_row_and_copies_share_a_body(db):
    await db.stories.record("a.md", "10:1", "h1", 1, story=kept(b"one", card()))
    await db.stories.record("copy/a.md", "10:9", "h1", 1, story=kept(b"one", card()))
    await db.stories.record("a.md", "12:2", "h3", 1, story=kept(b"three", card()))
    files = await db.stories.files()
    assert (files["a.md"].stamp, files["a.md"].content_hash) == ("12:2", "h3")
    assert await db.stories.prune() == 0  # h1 is still the copy's
    await db.stories.forget(["copy/a.md"])
    assert await db.stories.prune() == 1
    assert await db.stories.body("h1", 1) is None
    assert await db.stories.body("h3", 1) == b"three"


async def test_a_file_gives_a_story_or_an_error_never_both(db):
    with pytest.raises(ValueError):
        await db.stories.record("a.md", "1:1", "h", 1, story=kept(b"x", card()), error="why")
    assert await db.stories.files() == {}


async def test_forgetting_many_files_at_once(db):
    for number in range(1200):
        await db.stories.record(f"s{number}.md", "1:1", f"h{number}", 1, story=kept(b"x", card()))
    assert await db.stories.forget(f"s{number}.md" for number in range(1100)) == 1100
    assert len(await db.stories.files()) == 100
    assert await db.stories.prune() == 1100


async def test_the_catalogue_has_each_file_with_its_card_and_pages_for_one_size(db):
    await db.stories.record("b.md", "1:1", "h1", 1,
                            story=kept(b"one", card(12), pages=(500, b"p500")), warnings=["odd"])
    await db.stories.record("a.md", "1:1", "h2", 1, error="the file is empty")
    await db.stories.record("old.md", "1:1", "h3", 0, story=kept(b"old", card()))
    await db.stories.record("c.md", "2:2", "h1", 1)  # the same bytes as b.md: no new body
    rows = await db.stories.catalogue(1, 500)
    assert [row.path for row in rows] == ["a.md", "b.md", "c.md"]  # parser version 1 only
    a, b, c = rows
    assert (a.error, a.card, a.pages) == ("the file is empty", None, None)
    assert b.card == card(12) and b.pages == b"p500" and b.caveats == ["odd"]
    assert c.card == card(12) and c.pages == b"p500"
    assert [row.pages for row in await db.stories.catalogue(1, 900)] == [None, None, None]
    await db.stories.record_pages("h1", 1, 900, b"p900")
    assert (await db.stories.catalogue(1, 900))[1].pages == b"p900"


async def test_pruning_drops_cards_and_pages_with_their_body(db):
    await db.stories.record("a.md", "1:1", "h1", 1, story=kept(b"one", card(), pages=(500, b"p")))
    await db.stories.forget(["a.md"])
    assert await db.stories.prune() == 1
    assert not await db.stories.has_body("h1", 1)
    await db.stories.record("a.md", "1:2", "h1", 1)  # the bytes come back: nothing is kept
    assert (await db.stories.catalogue(1, 500))[0].card is None


async def test_restamping_keeps_everything_else(db):
    await db.stories.record("a.md", "10:1", "h1", 1, story=kept(b"one", card()), now=5.0)
    await db.stories.restamp("a.md", "10:2")
    stored = (await db.stories.files())["a.md"]
    assert (stored.stamp, stored.content_hash, stored.read_at) == ("10:2", "h1", 5.0)


def _rows(path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as raw:
        tables = [name for (name,) in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {table: sorted(raw.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in tables}


async def test_a_database_from_the_last_release_is_upgraded_without_losing_a_row(tmp_path):
    path = tmp_path / "bot.sqlite3"
    released = [m for m in migrations() if m[0] <= RELEASED]
    with sqlite3.connect(path) as raw:
        raw.executescript("\n".join(sql for _, _, sql in released)
                          + f"\nPRAGMA user_version = {RELEASED};")
    with sqlite3.connect(path) as raw:  # rows in every kind of table a member fills
        raw.execute("INSERT INTO guild_settings (guild_id, paging, age_threshold, club_mode) "
                    "VALUES (5, 'buttons', 'Explicit', 1)")
        raw.execute("INSERT INTO progress (user_id, story_id, position, anchor, furthest, "
                    "length, pages_turned, words_read, started_at, last_read_at) "
                    "VALUES (7, 'tale', 120, 'the lamp', 900, 5000, 3, 400, 1.0, 2.0)")
        raw.execute("INSERT INTO readings VALUES (11, 6, 5, 7, 'tale', 120, 'both', 2.0)")
        raw.execute("INSERT INTO bookmarks (user_id, story_id, position, anchor, note, "
                    "created_at) VALUES (7, 'tale', 120, 'the lamp', 'the storm', 3.0)")
        raw.execute("INSERT INTO quote_schedules (guild_id, channel_id, time, timezone, "
                    "every, next_run, created_by, created_at) "
                    "VALUES (5, 6, '09:00', 'UTC', 'day', 1800000000.0, 7, 4.0)")
        raw.execute("INSERT INTO stats_optouts VALUES (8, 5.0)")
    before = _rows(path)
    assert all(before[table] for table in ("progress", "readings", "bookmarks",
                                           "quote_schedules", "guild_settings"))

    upgraded = await Database.open(path)
    assert await upgraded.schema_version() == migrations()[-1][0]
    assert (await upgraded.progress.get(7, "tale")).anchor == "the lamp"
    assert (await upgraded.settings.get(5)).club
    await upgraded.close()
    after = _rows(path)
    for table, rows in before.items():
        # Every row and value kept; columns added since come after the old ones.
        width = len(rows[0]) if rows else 0
        assert [row[:width] for row in after[table]] == rows, table
    assert after["story_files"] == [] and after["story_bodies"] == []
