"""The database layer on real databases: SQLite files and PostgreSQL."""

import asyncio
import os
import sqlite3
import threading

import asyncpg
import pytest

from bot.storage import postgres
from bot.storage.database import Database, DatabaseUnusable, migrations
from bot.storage.progress import PageMessage
from bot.storage.settings import GuildSettings


async def test_migrations_set_the_schema_version(db, backend, tmp_path):
    assert db.dialect == backend
    assert await db.schema_version() == migrations()[-1][0]
    assert await db.integrity_check() == "ok"
    if backend == "sqlite":
        with sqlite3.connect(tmp_path / "bot.sqlite3") as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_each_database_has_every_schema_version():
    # A schema change is a file of the same number in each folder.
    assert migrations()[-1][0] == migrations(postgres.MIGRATIONS)[-1][0]


async def test_reopening_does_not_migrate_twice(database_target):
    first = await Database.open(database_target)
    await first.progress.record_page(1, "tale", position=0, anchor="", page_end=100, length=1000)
    await first.close()
    second = await Database.open(database_target)
    assert (await second.progress.get(1, "tale")).furthest == 100
    await second.close()


async def test_processes_starting_together_migrate_once(postgres_cluster):
    url = await postgres_cluster.create_database()
    opened = await asyncio.gather(*(Database.open(url) for _ in range(4)))
    try:
        for database in opened:
            assert await database.schema_version() == migrations()[-1][0]
        await opened[0].progress.record_page(1, "tale", position=0, anchor="", page_end=9,
                                             length=90)
        assert (await opened[3].progress.get(1, "tale")).furthest == 9
    finally:
        for database in opened:
            await database.close()
        await postgres_cluster.drop_database(url)


async def test_a_server_that_cannot_be_reached_is_named_without_its_password():
    with pytest.raises(DatabaseUnusable) as caught:
        await Database.open("postgresql://reader:hunter2@127.0.0.1:1/storybot")
    message = str(caught.value)
    assert "postgresql://reader:***@127.0.0.1:1/storybot cannot be used" in message
    assert "hunter2" not in message and "DATABASE_URL" in message


async def test_a_postgres_database_from_a_newer_version_is_refused_untouched(postgres_cluster):
    url = await postgres_cluster.create_database()
    known = migrations()[-1][0]
    raw = await asyncpg.connect(url)
    try:
        await raw.execute("CREATE TABLE storybot_schema (version INTEGER NOT NULL)")
        await raw.execute("INSERT INTO storybot_schema VALUES ($1)", known + 4)
        with pytest.raises(DatabaseUnusable) as caught:
            await Database.open(url)
        assert f"(schema {known + 4}; this one knows {known})" in str(caught.value)
        tables = await raw.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [row[0] for row in tables] == ["storybot_schema"]
    finally:
        await raw.close()
        await postgres_cluster.drop_database(url)


async def test_a_failed_postgres_migration_changes_nothing(postgres_cluster, monkeypatch):
    import bot.storage.database as module

    url = await postgres_cluster.create_database()
    good = migrations(module.postgres.MIGRATIONS)
    broken = [*good, (good[-1][0] + 1, "broken.sql", "CREATE TABLE extra (x int); NOT SQL;")]
    monkeypatch.setattr(module, "migrations", lambda folder=None: broken)
    try:
        with pytest.raises(asyncpg.PostgresSyntaxError):
            await Database.open(url)
        raw = await asyncpg.connect(url)
        tables = await raw.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        await raw.close()
        assert tables == []
    finally:
        await postgres_cluster.drop_database(url)


async def test_a_failed_migration_changes_nothing(tmp_path, monkeypatch):
    import bot.storage.database as module

    good = migrations()
    broken = [*good, (good[-1][0] + 1, "broken.sql", "CREATE TABLE extra (x); NOT SQL;")]
    monkeypatch.setattr(module, "migrations", lambda folder=None: broken)
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(tmp_path / "bot.sqlite3")
    with sqlite3.connect(tmp_path / "bot.sqlite3") as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert "extra" not in tables and "progress" not in tables


async def test_record_page_keeps_the_furthest_and_counts_turns(db):
    await db.progress.record_page(7, "tale", position=0, anchor="Once", page_end=1800, length=9000,
                         turned=False, now=100.0)
    await db.progress.record_page(7, "tale", position=1800, anchor="Then", page_end=3600,
                                  length=9000, words=300, now=160.0)
    await db.progress.record_page(7, "tale", position=0, anchor="Once", page_end=1800, length=9000,
                         now=200.0)
    progress = await db.progress.get(7, "tale")
    assert progress.position == 0 and progress.anchor == "Once"
    assert progress.furthest == 3600
    assert progress.pages_turned == 2
    assert progress.words_read == 300
    assert progress.started_at == 100.0 and progress.last_read_at == 200.0
    assert progress.finished_at is None


async def test_finished_is_set_once(db):
    await db.progress.record_page(7, "tale", position=8000, anchor="", page_end=9000, length=9000,
                         finished=True, now=50.0)
    await db.progress.record_page(7, "tale", position=8000, anchor="", page_end=9000, length=9000,
                         finished=True, now=90.0)
    assert (await db.progress.get(7, "tale")).finished_at == 50.0


async def test_latest_progress_and_shelf_are_newest_first(db):
    for when, story in ((1.0, "a"), (3.0, "b"), (2.0, "c")):
        await db.progress.record_page(7, story, position=0, anchor="", page_end=10, length=10,
                                      now=when)
    await db.progress.record_page(8, "z", position=0, anchor="", page_end=10, length=10, now=9.0)
    assert (await db.progress.latest(7)).story_id == "b"
    assert [p.story_id for p in await db.progress.shelf(7)] == ["b", "c", "a"]
    assert await db.progress.latest(99) is None


async def test_page_turn_moves_the_reading_in_the_same_transaction(db):
    await db.messages.save(PageMessage(55, 1, 2, 7, "tale", 0, "reactions"))
    await db.progress.record_page(7, "tale", position=1800, anchor="", page_end=3600, length=9000,
                         message_id=55)
    assert (await db.messages.get(55)).position == 1800
    await db.messages.delete(55)
    assert await db.messages.get(55) is None


async def test_guild_settings_default_and_update(db):
    assert await db.settings.get(5) == GuildSettings(5)
    assert (await db.settings.get(None)).paging == "reactions"
    changed = await db.settings.update(5, paging="buttons", club_mode=True)
    assert changed == GuildSettings(5, paging="buttons", club_mode=True)
    changed = await db.settings.update(5, age_threshold="Explicit")
    assert changed.paging == "buttons" and changed.age_threshold == "Explicit"
    with pytest.raises((sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)):
        await db.settings.update(5, paging="telepathy")
    with pytest.raises(ValueError, match="unknown settings"):
        await db.settings.update(5, volume=11)


async def test_an_older_database_keeps_its_settings_and_gates_not_rated_stories(tmp_path):
    path = tmp_path / "bot.sqlite3"
    older = [m for m in migrations() if m[0] <= 4]
    with sqlite3.connect(path) as raw:  # a database as the release before this one left it
        raw.executescript("\n".join(sql for _, _, sql in older)
                          + f"\nPRAGMA user_version = {older[-1][0]};")
        raw.execute("INSERT INTO guild_settings (guild_id, paging, age_threshold) "
                    "VALUES (5, 'buttons', 'Explicit')")
    upgraded = await Database.open(path)
    settings = await upgraded.settings.get(5)
    assert (settings.paging, settings.age_threshold) == ("buttons", "Explicit")
    assert settings.not_rated_open is False
    changed = await upgraded.settings.update(5, not_rated_open=True)
    assert changed.gate.not_rated_open and changed.age_threshold == "Explicit"
    assert await upgraded.schema_version() == migrations()[-1][0]
    await upgraded.close()


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("content", [os.urandom(4096), b"chapter 3, page 12\n" * 30],
                         ids=["random-bytes", "text"])
async def test_a_file_that_is_not_a_database_is_refused_untouched_and_closed(tmp_path, content):
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(content)
    threads = set(threading.enumerate())
    with pytest.raises(DatabaseUnusable) as caught:
        await Database.open(path)
    assert f"{path} is not a SQLite database (or is damaged)" in str(caught.value)
    assert files(tmp_path) == {"bot.sqlite3": content}
    # aiosqlite's worker thread, left running, would keep the process from ever exiting.
    started = [t for t in threading.enumerate() if t not in threads]
    for thread in started:
        thread.join(timeout=10)
    assert [t for t in started if t.is_alive()] == []


async def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "bot.sqlite3"
    known = migrations()[-1][0]
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE future (x)")
        raw.execute(f"PRAGMA user_version = {known + 4}")
    raw.close()
    before = files(tmp_path)
    with pytest.raises(DatabaseUnusable) as caught:
        await Database.open(path)
    assert str(caught.value) == (
        f"{path} was written by a newer storybot (schema {known + 4}; this one knows "
        f"{known}): upgrade storybot, or point DATABASE_PATH at another file."
    )
    assert files(tmp_path) == before


async def test_missing_folders_are_created(tmp_path):
    database = await Database.open(tmp_path / "data" / "bot" / "bot.sqlite3")
    assert await database.schema_version() == migrations()[-1][0]
    await database.close()


async def test_a_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "data").write_text("notes\n")
    with pytest.raises(DatabaseUnusable) as caught:
        await Database.open(tmp_path / "data" / "bot" / "bot.sqlite3")
    assert f"{tmp_path / 'data'} is a file, not a folder" in str(caught.value)
    assert (tmp_path / "data").read_text() == "notes\n"


async def test_a_postgres_database_that_cannot_hold_every_text_is_refused(postgres_cluster):
    name = "latin_" + os.urandom(6).hex()
    admin = await asyncpg.connect(postgres_cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {name} ENCODING 'LATIN1' LC_COLLATE 'C' "
                            "LC_CTYPE 'C' TEMPLATE template0")
        with pytest.raises(DatabaseUnusable) as caught:
            await Database.open(postgres_cluster.url(name))
        assert "stores text as LATIN1" in str(caught.value)
        assert "createdb -E UTF8" in str(caught.value)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.close()
