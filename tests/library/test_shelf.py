"""The library kept in the story store: a start reads only what changed, texts open on demand.

Every test runs `open_library` on a real folder and a real SQLite file. Parses are counted
by wrapping `bot.library.shelf.read_story` (the store's one way to parse a file).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.library import shelf
from bot.library.catalogue import DEFAULT_MAX_BYTES, Library
from bot.library.shelf import StoredTexts, open_library, survey, text_cost
from bot.storage.database import Database
from bot.text.story import StoryError
from tests.helpers import prose, write_small_library, write_story

ROOT = Path(__file__).resolve().parents[2]
PAGE_CHARS = 500
INSERTED = ("A gull landed on the rail of the ferry and considered the passengers one by one, "
            "as if it meant to charge them for the crossing.")



@pytest.fixture
def shelf_log(caplog):
    caplog.set_level(logging.INFO, logger="bot.library.shelf")
    return caplog


async def start(root: Path, database: Database, texts: StoredTexts | None = None, *,
                page_chars: int = PAGE_CHARS) -> Library:
    """One start of the bot's library (a fresh text cache unless one is given), then the
    pruning the bot does once it serves the new library."""
    library = await open_library(root, database.stories,
                                 texts or StoredTexts(database.stories),
                                 page_chars=page_chars, max_bytes=DEFAULT_MAX_BYTES)
    await database.stories.prune()
    return library


def summary_line(caplog) -> str:
    lines = [r.getMessage() for r in caplog.records
             if r.name == "bot.library.shelf" and r.getMessage().startswith("Library of ")]
    assert lines, "no summary line was logged"
    return lines[-1]


def catalogue(library: Library, page_chars: int = PAGE_CHARS) -> list[tuple]:
    """What listings show of each story, in the library's order, with its page starts."""
    return [(entry.story.id, entry.story.title, entry.file, entry.words, entry.minutes,
             entry.length, entry.quotes, list(library.pages(entry.story.id, page_chars).starts))
            for entry in library.entries()]


def page_texts(text, page_chars: int = PAGE_CHARS) -> list[str]:
    paged = text.paged(page_chars)
    return [paged.text(page) for page in paged.pages]


def insert_paragraph(path: Path, paragraph: str = INSERTED) -> None:
    """Put a paragraph at the start of the story's first chapter."""
    text = path.read_text(encoding="utf-8")
    edited = text.replace("# Chapter 1 Title\n\n", f"# Chapter 1 Title\n\n{paragraph}\n\n", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")


async def assert_same_as_loaded_whole(library: Library, root: Path,
                                      page_chars: int = PAGE_CHARS) -> None:
    """The library from the store gives what reading the whole folder gives."""
    whole = Library.load(root)
    assert catalogue(library, page_chars) == catalogue(whole, page_chars)
    for entry in whole.entries():
        sid = entry.story.id
        text = await library.open(sid)
        assert text.story.plain == entry.text.story.plain, sid
        assert page_texts(text, page_chars) == page_texts(entry.text, page_chars), sid


# --- what a start reads ---------------------------------------------------------------------


async def test_a_second_start_on_an_unchanged_folder_parses_nothing(tmp_path, db, parses,
                                                                    shelf_log):
    root = write_small_library(tmp_path / "stories")
    first = await start(root, db)
    assert sorted(parses) == ["lantern.md", "night-watch.md", "short.md"]
    assert [story.id for story in first] == ["short", "night-watch", "lantern"]
    parses.clear()

    second = await start(root, db)
    assert parses == []
    assert "0 files parsed, 0 known by their bytes, 3 unchanged, 0 gone" in summary_line(shelf_log)
    assert catalogue(second) == catalogue(first)
    assert len(second.pages("lantern", PAGE_CHARS)) == len(first.pages("lantern", PAGE_CHARS)) > 5
    assert catalogue(second) == catalogue(Library.load(root))


async def test_only_an_edited_file_is_parsed_again(tmp_path, db, parses, shelf_log):
    root = write_small_library(tmp_path / "stories")
    await start(root, db)
    parses.clear()
    insert_paragraph(root / "lantern.md")
    touched = root / "night-watch.md"
    info = touched.stat()
    os.utime(touched, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    shutil.copyfile(root / "short.md", root / "short-copy.md")

    library = await start(root, db)
    assert parses == ["lantern.md"]
    assert "1 files parsed, 2 known by their bytes, 1 unchanged, 0 gone" in summary_line(shelf_log)
    assert INSERTED in (await library.open("lantern")).story.plain
    copy = await library.open("short-copy")
    assert library.get("short-copy").title == "A Short One"
    assert copy.story.plain == (await library.open("short")).story.plain
    await assert_same_as_loaded_whole(library, root)

    # The touched file's new stamp was remembered: a third start reads nothing at all.
    await start(root, db)
    assert parses == ["lantern.md"]
    assert "0 files parsed, 0 known by their bytes, 4 unchanged, 0 gone" in summary_line(shelf_log)


async def test_a_removed_file_leaves_the_library_and_its_body_the_store(tmp_path, db, parses,
                                                                        shelf_log):
    root = write_small_library(tmp_path / "stories")
    shutil.copyfile(root / "lantern.md", root / "lantern-copy.md")
    first = await start(root, db)
    gone = first.entry("night-watch").content_hash
    shared = first.entry("lantern").content_hash
    assert await db.stories.body(gone, shelf.STORED_VERSION) is not None
    (root / "night-watch.md").unlink()
    (root / "lantern.md").unlink()
    parses.clear()

    library = await start(root, db)
    assert parses == []
    assert "0 gone" not in summary_line(shelf_log) and "2 gone" in summary_line(shelf_log)
    assert [story.id for story in library] == ["short", "lantern-copy"]
    assert library.get("night-watch") is None and library.errors == []
    assert set(await db.stories.files()) == {"lantern-copy.md", "short.md"}
    assert await db.stories.body(gone, shelf.STORED_VERSION) is None
    for table in ("story_bodies", "story_cards", "story_pages"):
        rows = await db._sql.fetch(f"SELECT COUNT(*) FROM {table} WHERE content_hash = ?",
                                   (gone,))
        assert rows[0][0] == 0, table
    # A body another file still uses is kept.
    assert await db.stories.body(shared, shelf.STORED_VERSION) is not None
    assert "Paragraph 1.0." in (await library.open("lantern-copy")).story.plain


# --- cards and texts ------------------------------------------------------------------------


async def test_a_library_being_replaced_still_opens_its_texts_until_the_prune(tmp_path, db):
    root = write_small_library(tmp_path / "stories")
    old = await start(root, db, StoredTexts(db.stories, cache_bytes=1))  # keeps nothing
    before = (await old.open("lantern")).story.plain
    lantern = root / "lantern.md"
    lantern.write_text(lantern.read_text(encoding="utf-8") + "\n\nA new last line.",
                       encoding="utf-8")
    (root / "short.md").unlink()
    new = await open_library(root, db.stories, StoredTexts(db.stories), page_chars=PAGE_CHARS,
                             max_bytes=DEFAULT_MAX_BYTES)
    assert (await new.open("lantern")).story.plain.endswith("A new last line.")
    assert (await old.open("lantern")).story.plain == before  # readers served meanwhile
    assert (await old.open("short")).story.plain
    await db.stories.prune()
    with pytest.raises(StoryError, match="no longer in the store"):
        await old.open("short")


async def test_a_body_that_cannot_be_decoded_is_read_again_at_the_next_load(tmp_path, db,
                                                                             parses):
    root = write_small_library(tmp_path / "stories")
    library = await start(root, db)
    digest = library.entry("lantern").content_hash
    await db.stories._sql.execute("UPDATE story_bodies SET body = ? WHERE content_hash = ?",
                                  (b"STRY\x01 not a story", digest))
    with pytest.raises(StoryError, match="cannot be read"):
        await library.open("lantern")
    parses.clear()
    again = await start(root, db)
    assert parses == ["lantern.md"]
    assert "Paragraph 1.0." in (await again.open("lantern")).story.plain


async def test_a_stored_layout_that_does_not_fit_is_measured_again(tmp_path, db, caplog):
    root = write_small_library(tmp_path / "stories")
    library = await start(root, db)
    digest = library.entry("lantern").content_hash
    await db.stories._sql.execute("UPDATE story_cards SET layout = ? WHERE content_hash = ?",
                                  (b"\0" * 8, digest))
    text = await library.open("lantern")
    assert "stored layout does not fit" in caplog.text
    held = Library.load(root).entry("lantern").text
    assert ([text.paged(PAGE_CHARS).text(p) for p in text.paged(PAGE_CHARS).pages]
            == [held.paged(PAGE_CHARS).text(p) for p in held.paged(PAGE_CHARS).pages])


async def test_cards_hold_no_text_and_open_gives_the_whole_story(tmp_path, db):
    root = write_small_library(tmp_path / "stories")
    (root / "harbour.txt").write_text("The Harbour Wall\n\n" + prose(5, 8), encoding="utf-8")
    write_story(root, "tide", title="Placeholder", rating="Teen", chapters=2, paragraphs=3)
    (root / "tide.toml").write_text('title = "Tide Tables"\nauthor = "Marguerite Olander"\n',
                                    encoding="utf-8")
    library = await start(root, db)
    assert len(library) == 5 and library.errors == []
    for entry in library.entries():
        assert entry.text is None
        assert entry.story.chapters
        assert all(chapter.blocks == () for chapter in entry.story.chapters), entry.story.id
    assert library.get("tide").title == "Tide Tables"
    assert [chapter.title for chapter in library.get("lantern").chapters] == [
        "Chapter 1 Title", "Chapter 2 Title", "Chapter 3 Title"]

    await assert_same_as_loaded_whole(library, root)
    whole = Library.load(root)
    for entry in whole.entries():
        text = await library.open(entry.story.id)
        assert text.story.id == entry.story.id
        assert text.story.meta == entry.text.story.meta
        assert text.story.chapters == entry.text.story.chapters


async def test_the_text_cache_stays_within_its_bound(tmp_path, db):
    root = tmp_path / "stories"
    root.mkdir()
    for n in range(30):
        write_story(root, f"tale-{n:02}", title=f"Tale {n:02}", rating="Teen", chapters=2,
                    paragraphs=2 + n % 5, author=f"Writer {n}")
    whole = Library.load(root)
    expected = {entry.story.id: entry.text.story.plain for entry in whole.entries()}
    costs = sorted(text_cost(entry.text) for entry in whole.entries())
    texts = StoredTexts(db.stories, cache_bytes=costs[-1] * 3)
    library = await start(root, db, texts)
    ids = [story.id for story in library]
    assert len(ids) == 30

    for sid in ids:
        text = await library.open(sid)
        assert text.story.plain == expected[sid]
        assert 0 < texts.cache.total <= texts.cache.limit
    assert texts.opened == 30
    assert 3 <= len(texts.cache) < 30  # the bound, not a count, decides what is kept

    async def read(sid: str) -> None:
        text = await library.open(sid)
        assert text.story.plain == expected[sid]
        assert texts.cache.total <= texts.cache.limit

    await asyncio.gather(*(read(sid) for sid in reversed(ids)))
    await asyncio.gather(*(read(sid) for sid in ids * 2))
    assert texts.cache.total <= texts.cache.limit

    evicted = next(sid for sid in ids
                   if (library.entry(sid).content_hash, sid) not in texts.cache)
    before = texts.opened
    again = await asyncio.gather(*(library.open(evicted) for _ in range(5)))
    assert texts.opened == before + 1  # read once for all five readers
    assert all(text is again[0] for text in again)
    assert again[0].story.plain == expected[evicted]
    assert (library.entry(evicted).content_hash, evicted) in texts.cache
    assert texts.cache.total <= texts.cache.limit


# --- versions, broken files, page sizes -------------------------------------------------------


async def test_a_new_stored_version_reads_every_file_once(tmp_path, db, parses, monkeypatch):
    root = write_small_library(tmp_path / "stories")
    old = shelf.STORED_VERSION
    first = await start(root, db)
    hashes = [entry.content_hash for entry in first.entries()]
    parses.clear()

    monkeypatch.setattr(shelf, "STORED_VERSION", old + 1)
    library = await start(root, db)
    assert sorted(parses) == ["lantern.md", "night-watch.md", "short.md"]
    assert {row.parser_version for row in (await db.stories.files()).values()} == {old + 1}
    for digest in hashes:
        assert await db.stories.body(digest, old) is None  # the old form was pruned
        assert await db.stories.body(digest, old + 1) is not None
    await assert_same_as_loaded_whole(library, root)

    parses.clear()
    await start(root, db)
    assert parses == []


async def test_a_broken_file_is_listed_every_start_but_read_again_only_when_changed(
        tmp_path, db, parses):
    root = write_small_library(tmp_path / "stories")
    (root / "broken.md").write_text("---\ntitle: Broken\n---\n", encoding="utf-8")
    (root / "bad.epub").write_bytes(b"not a zip")
    reasons = {"bad.epub": "not an EPUB: the file is not a ZIP archive",
               "broken.md": "the file has no story text"}

    first = await start(root, db)
    assert {p.file: p.error for p in first.errors} == reasons
    stored = await db.stories.files()
    assert {path: stored[path].error for path in reasons} == reasons
    parses.clear()

    second = await start(root, db)
    assert parses == []
    assert {p.file: p.error for p in second.errors} == reasons
    assert len(second) == 3

    write_story(root, "broken", title="Mended", rating="Teen", chapters=1, paragraphs=2)
    third = await start(root, db)
    assert parses == ["broken.md"]
    assert {p.file: p.error for p in third.errors} == {"bad.epub": reasons["bad.epub"]}
    assert third.get("broken").title == "Mended"
    assert "Paragraph 1.1." in (await third.open("broken")).story.plain
    assert (await db.stories.files())["broken.md"].error is None


async def test_a_new_page_size_cuts_pages_from_the_stored_text(tmp_path, db, parses,
                                                               shelf_log):
    root = write_small_library(tmp_path / "stories")
    await start(root, db, page_chars=500)
    parses.clear()
    shelf_log.clear()

    library = await start(root, db, page_chars=800)
    assert parses == []
    messages = [r.getMessage() for r in shelf_log.records]
    assert "Cut the pages of 3 stories for pages of 800 characters" in messages
    whole = Library.load(root)
    for entry in whole.entries():
        sid = entry.story.id
        assert list(library.pages(sid, 800).starts) == list(whole.pages(sid, 800).starts)
        assert page_texts(await library.open(sid), 800) == page_texts(entry.text, 800)
        with pytest.raises(LookupError):
            library.pages(sid, 500)  # a store's library knows the size it was opened for
    assert len(library.pages("lantern", 800)) < len(whole.pages("lantern", 500))

    # Both sizes are kept now: going back and forth reads and cuts nothing.
    shelf_log.clear()
    for size in (500, 800):
        again = await start(root, db, page_chars=size)
        assert catalogue(again, size) == catalogue(whole, size)
    assert parses == []
    assert not any(r.getMessage().startswith("Cut the pages") for r in shelf_log.records)


# --- a crash in the middle of a start -----------------------------------------------------------


STORIES = 40
KILL_AFTER = 15  # parses begun in the child before it is killed


def write_crash_library(root: Path) -> None:
    root.mkdir(parents=True)
    for n in range(STORIES):
        write_story(root, f"book-{n:02}", title=f"Book {n:02}", rating="Teen", chapters=3,
                    paragraphs=12 + n % 7, author=f"Author {n % 4}")


def stored_rows(database: Path) -> dict[str, tuple[str, int, str | None]]:
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Nothing is recorded as read without its story: the row, body and card commit together.
        (orphans,) = raw.execute(
            "SELECT COUNT(*) FROM story_files f WHERE f.error IS NULL AND ("
            "NOT EXISTS (SELECT 1 FROM story_bodies b WHERE b.content_hash = f.content_hash "
            "AND b.parser_version = f.parser_version) OR "
            "NOT EXISTS (SELECT 1 FROM story_cards c WHERE c.content_hash = f.content_hash "
            "AND c.parser_version = f.parser_version))").fetchone()
        assert orphans == 0
        rows = raw.execute("SELECT path, stamp, parser_version, error FROM story_files")
        return {path: (stamp, version, error) for path, stamp, version, error in rows}


async def test_a_start_killed_while_reading_loses_nothing_and_reads_nothing_twice(
        tmp_path, parses, shelf_log):
    root = tmp_path / "stories"
    path = tmp_path / "crash.sqlite3"
    write_crash_library(root)
    database = await Database.open(path)
    first = await start(root, database)
    assert len(first) == STORIES
    readers = {}
    for n, sid in enumerate(["book-03", "book-17", "book-29", "book-38"]):
        await database.progress.record_page(
            100 + n, sid, position=40 * n, anchor=f"anchor {n}", page_end=40 * n + 400,
            length=first.entry(sid).length, words=60, now=1_000 + n)
        readers[100 + n, sid] = await database.progress.get(100 + n, sid)
    await database.close()

    for n in range(STORIES):
        insert_paragraph(root / f"book-{n:02}.md", f"{INSERTED} (Book {n:02})")
    for n in range(5):
        write_story(root, f"late-{n}", title=f"Late {n}", rating="Teen", chapters=1,
                    paragraphs=10)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.shelf_child", str(path), str(root), str(PAGE_CHARS)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout.readline().split() == ["ready"]
        begun = []
        while len(begun) < KILL_AFTER:
            line = child.stdout.readline().split()
            assert line and line[0] == "parsing", f"the child stopped early: {line}"
            begun.append(line[1])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    stamps = survey(root, DEFAULT_MAX_BYTES).found
    rows = stored_rows(path)
    current = {p for p, (stamp, version, error) in rows.items()
               if stamp == stamps.get(p) and version == shelf.STORED_VERSION and error is None}
    # Killed mid-way: the files read before the kill are recorded, the rest are not.
    assert set(begun[:-1]) <= current
    assert KILL_AFTER - 1 <= len(current) < len(stamps)

    parses.clear()
    database = await Database.open(path)
    try:
        library = await start(root, database)
        assert sorted(parses) == sorted(set(stamps) - current)
        assert not set(parses) & current
        assert (f"{len(stamps) - len(current)} files parsed, 0 known by their bytes, "
                f"{len(current)} unchanged, 0 gone") in summary_line(shelf_log)
        assert len(library) == STORIES + 5 and library.errors == []
        await assert_same_as_loaded_whole(library, root)
        for n in range(STORIES):
            assert f"(Book {n:02})" in (await library.open(f"book-{n:02}")).story.plain
        for (user, sid), row in readers.items():
            assert await database.progress.get(user, sid) == row
    finally:
        await database.close()
    assert set(stored_rows(path)) == set(stamps)
