"""Bot processes sharing one database keep their shelves in step (`bot.library.peers`).

Two `Services` on one PostgreSQL database and one stories folder stand for two processes:
what one changes (a server's story added, updated or removed, a linked work's row, a
reload of the folder) reaches the other through a notice, which reads it from the store
without parsing it again. Tests wait for a notice by polling with a time limit. What a
notice does is also checked on SQLite, handing it over by hand to a second `Services` on
the same file; there (one process) real notices go nowhere and nothing breaks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.library import peers, servers
from bot.library.admin import AddedAnswer, Question
from bot.library.peers import LIBRARY, shelf_topic
from bot.library.shelf import open_library
from bot.services import Services
from bot.storage.database import Database
from tests.library.test_servers import MAX_BYTES, PAGE_CHARS, TIDE, start_services, story_md

G1, G2 = 101, 202
ADMIN = 7
WAIT_S = 20.0  # the longest a notice may take to be acted on


async def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait until `check()` holds, for at most `WAIT_S`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)



@pytest.fixture
async def pg_url(postgres_cluster):
    url = await postgres_cluster.create_database()
    yield url
    await postgres_cluster.drop_database(url)


@pytest.fixture
def uploads_parsed(monkeypatch) -> list[str]:
    """The server uploads parsed from now on, by file name."""
    names: list[str] = []
    real = servers._read

    def counting(data: bytes, file_name: str, *args):
        names.append(file_name)
        return real(data, file_name, *args)

    monkeypatch.setattr(servers, "_read", counting)
    return names


@pytest.fixture
async def processes(folder: Path, pg_url: str):
    """Two processes on one PostgreSQL database and one stories folder, both started."""
    started: list[tuple[Services, Database]] = []
    for _ in range(2):
        database = await Database.open(pg_url)
        started.append((await start_services(folder, database), database))
    yield [services for services, _ in started]
    for services, database in started:
        await services.shutdown()
        await database.close()


async def add(services: Services, guild_id: int, name: str, data: bytes) -> AddedAnswer:
    answer = await services.stories.add_file(guild_id, ADMIN, name, data)
    assert isinstance(answer, AddedAnswer), answer
    return answer


async def reload(services: Services, folder: Path) -> None:
    """What `/stories reload` does in the process that runs it."""
    database = services.database
    assert services.texts is not None
    library = await open_library(folder, database.stories, services.texts,
                                 page_chars=PAGE_CHARS, max_bytes=MAX_BYTES,
                                 reserved=await database.server_stories.ids())
    await services.use_library(library)
    await database.stories.prune()


# Server stories


async def test_a_story_added_in_one_process_is_on_the_others_shelf(processes,
                                                                   uploads_parsed):
    one, two = processes
    await add(one, G1, "tide.md", TIDE)
    await eventually(lambda: "tide" in two.library_for(G1), "the story reached process two")
    assert two.library_for(G1).get("tide").title == "The Tide Clock"
    assert "tide" not in two.library_for(G2)  # still that server's alone
    assert two.shelves.story("tide").guild_id == G1
    text = await two.library_for(G1).open("tide")  # its text, from the store
    assert text.story.title == "The Tide Clock"
    assert uploads_parsed == ["tide.md"]  # by the process that added it, only


async def test_an_update_and_a_removal_reach_the_other_process(processes, uploads_parsed):
    one, two = processes
    await add(one, G1, "tide.md", TIDE)
    await eventually(lambda: "tide" in two.library_for(G1), "the story reached process two")
    await add(one, G1, "tide.md", story_md("The Tide Clock, Revised", seed=5))
    await eventually(lambda: two.library_for(G1).get("tide").title == "The Tide Clock, Revised",
                     "the update reached process two")
    assert (await two.library_for(G1).open("tide")).story.title == "The Tide Clock, Revised"

    question = await one.stories.ask_remove(G1, ADMIN, "tide")
    assert isinstance(question, Question)
    await one.stories.confirm_remove(G1, ADMIN, question.code, True)
    await eventually(lambda: "tide" not in two.library_for(G1), "the removal reached two")
    assert two.shelves.story("tide") is None
    assert uploads_parsed == ["tide.md", "tide.md"]


async def test_a_changed_row_of_a_linked_work_reaches_the_other_process(processes):
    one, two = processes
    await add(one, G1, "tide.md", TIDE)
    await eventually(lambda: two.shelves.story("tide") is not None, "the story reached two")
    await one.database.server_stories.checked("tide", at=1_800_000_000.0, gone=True)
    one.remember(replace(one.shelves.story("tide"), gone=True, checked_at=1_800_000_000.0))
    await eventually(lambda: two.shelves.story("tide").gone, "the row reached two")
    assert two.shelves.story("tide").checked_at == 1_800_000_000.0


async def test_stories_of_other_servers_are_kept_when_one_servers_shelf_is_read(processes):
    one, two = processes
    await add(two, G2, "own.md", story_md("Two's Own", seed=9))
    await add(one, G1, "tide.md", TIDE)
    await eventually(lambda: "tide" in two.library_for(G1), "the story reached two")
    assert two.library_for(G2).get("own").title == "Two's Own"
    await eventually(lambda: "own" in one.library_for(G2), "two's story reached one")


# The folder's library


async def test_a_reload_in_one_process_shows_a_new_file_in_the_other(processes, folder,
                                                                     parses):
    one, two = processes
    (folder / "harbour.md").write_text(
        "---\ntitle: The Harbour Lights\nrating: General Audiences\n---\n\n"
        "The lights along the harbour wall came on one by one.\n", encoding="utf-8")
    (folder / "short.md").unlink()
    await reload(one, folder)
    assert parses == ["harbour.md"]
    await eventually(lambda: "harbour" in two.library, "the new file reached two")
    assert "short" not in two.library
    assert two.library.get("harbour").title == "The Harbour Lights"
    assert (await two.library.open("harbour")).story.title == "The Harbour Lights"
    assert parses == ["harbour.md"]  # process two parsed nothing
    assert [s.id for s in two.library] == [s.id for s in one.library]


async def test_ids_are_given_in_the_folders_order_in_every_process(processes, folder):
    # Path order is by folder, then name: `a/tale.md` before `a-b/tale.txt`, although the
    # text `a-b/…` sorts first. The first of two files with one name keeps the plain id.
    one, two = processes
    (folder / "a").mkdir()
    (folder / "a-b").mkdir()
    (folder / "a" / "tale.md").write_text("---\ntitle: Tale in Markdown\n---\n\nOne.\n",
                                          encoding="utf-8")
    (folder / "a-b" / "tale.txt").write_text("Tale in text.\n", encoding="utf-8")
    await reload(one, folder)
    assert one.library.get("tale").title == "Tale in Markdown"
    await eventually(lambda: "tale-txt" in two.library, "the files reached two")
    assert two.library.get("tale").title == "Tale in Markdown"
    assert {s.id: s.title for s in two.library} == {s.id: s.title for s in one.library}


# Acting on a notice, on either database (the notice handed over by hand)


@pytest.fixture
async def side_by_side(folder: Path, database_target):
    """Two processes on one database, SQLite or PostgreSQL, not listening to each other."""
    started: list[tuple[Services, Database]] = []
    for _ in range(2):
        database = await Database.open(database_target)
        database.listen = database.notify = _nothing  # the tests hand notices over
        started.append((await start_services(folder, database), database))
    yield [services for services, _ in started]
    for services, database in started:
        await services.shutdown()
        await database.close()


async def _nothing(*_args) -> None:
    return None


async def test_a_shelf_is_read_from_the_store_on_either_database(side_by_side,
                                                                 uploads_parsed):
    one, two = side_by_side
    await add(one, G1, "tide.md", TIDE)
    assert "tide" not in two.library_for(G1)
    await two.peers.heard(shelf_topic(G1))
    assert two.library_for(G1).get("tide").title == "The Tide Clock"
    assert uploads_parsed == ["tide.md"]
    await two.peers.heard("a topic from a newer storybot")  # let be
    assert two.peers.refreshed == 1


async def test_a_refresh_never_puts_back_an_older_view_than_this_process_made(
        side_by_side, monkeypatch):
    one, two = side_by_side
    await add(one, G1, "tide.md", TIDE)
    real = peers.stored_stories
    reads = 0

    async def slow_read(*args, **kwargs):
        # Two adds a story of its own while its read of the store is on its way.
        nonlocal reads
        reads += 1
        found = await real(*args, **kwargs)
        if reads == 1:
            await add(two, G1, "own.md", story_md("Two's Own", seed=9))
        return found

    monkeypatch.setattr(peers, "stored_stories", slow_read)
    await two.peers.heard(shelf_topic(G1))
    assert reads == 2
    assert {"tide", "own"} <= {s.id for s in two.library_for(G1)}


async def test_a_folder_library_is_read_from_the_store_on_either_database(side_by_side,
                                                                          folder, parses):
    one, two = side_by_side
    (folder / "harbour.md").write_text("The lights along the harbour wall came on.\n",
                                       encoding="utf-8")
    await reload(one, folder)
    await two.peers.heard(LIBRARY)
    assert "harbour" in two.library
    assert parses == ["harbour.md"]


# Who hears what


async def test_a_process_does_not_act_on_its_own_notices(processes, folder):
    one, two = processes
    await add(one, G1, "tide.md", TIDE)
    await eventually(lambda: two.peers.refreshed == 1, "two heard one")
    (folder / "harbour.md").write_text("The lights along the harbour wall came on.\n",
                                       encoding="utf-8")
    await reload(two, folder)
    await eventually(lambda: "harbour" in one.library, "one heard two")
    # Notices reach every listener in the order they were sent, and are acted on in that
    # order: one's own came back before two's, and was let be.
    assert one.peers.refreshed == 1
    assert two.peers.refreshed == 1


async def test_notices_on_sqlite_go_nowhere_and_harm_nothing(tmp_path: Path, folder: Path):
    heard: list[str] = []

    async def hear(topic: str) -> None:
        heard.append(topic)

    database = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await database.listen(hear)
        await database.notify(LIBRARY)
        services = await start_services(folder, database)
        await add(services, G1, "tide.md", TIDE)
        await reload(services, folder)
        assert "tide" in services.library_for(G1)
        await services.shutdown()
    finally:
        await database.close()
    assert heard == []


async def test_a_lost_listening_connection_is_opened_again_and_catches_up(processes,
                                                                          postgres_cluster):
    import asyncpg

    one, two = processes
    sql = two.database._sql
    listener = sql._listener
    before = two.peers.refreshed
    # A story added while process two cannot hear: its notice is missed.
    admin = await asyncpg.connect(postgres_cluster.url())
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", listener.get_server_pid())
    finally:
        await admin.close()
    await add(one, G1, "tide.md", TIDE)
    # Opened again, the connection says notices may have been missed: everything is read.
    await eventually(lambda: sql._listener is not None and sql._listener is not listener,
                     "the listening connection was opened again")
    await eventually(lambda: "tide" in two.library_for(G1), "the missed story was caught up")
    assert two.peers.refreshed > before
    # And it hears again.
    await add(one, G2, "tide-two.md", story_md("The Second Tide", seed=9))
    await eventually(lambda: "tide-two" in two.library_for(G2), "a later notice was heard")


async def test_a_servers_shelf_is_read_without_the_other_servers_stories(processes):
    one, _ = processes
    await add(one, G1, "tide.md", TIDE)
    await add(one, G2, "own.md", story_md("Two's Own", seed=9))
    entries, rows = await servers.stored_stories(one.database, page_chars=PAGE_CHARS,
                                                 guild_id=G2)
    assert set(entries) == set(rows) == {"own"}
    entries, rows = await servers.stored_stories(one.database, page_chars=PAGE_CHARS)
    assert set(entries) == {"own", "tide"}
