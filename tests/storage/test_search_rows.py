"""The search tables on real databases, SQLite and PostgreSQL: writing a story at a time,
reading beside writes. What is particular to one of them (FTS5's merging, SQLite's
read-only second connection and in-memory database; what PostgreSQL refuses to store) is
tested on that one alone."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from bot.storage import pg_search
from bot.storage.database import Database, migrations
from bot.storage.search import ROWS_PER_STORY, PassageRow, SearchRows

MARKS = ("[", "]")



@pytest.fixture
async def sqlite_db(tmp_path):
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


def passages(*texts: str) -> list[PassageRow]:
    return [PassageRow(0, 100 * n, text) for n, text in enumerate(texts)]


async def found(rows: SearchRows, *phrases: str, story_id: str | None = None) -> list[str]:
    """The stories of the passages holding `phrases`, best first."""
    hits = await rows.matching(phrases, story_id=story_id, limit=10, accept=None, marks=MARKS)
    return [hit.story_id for hit in hits]


async def test_a_story_is_replaced_whole_and_removed_with_its_passages(db):
    rows = db.search
    await rows.replace("a", "s1", 10, passages("the grey heron", "a heron again"))
    await rows.replace("b", "s2", 20, passages("one heron"))
    assert {sid: (i.signature, i.place) for sid, i in (await rows.indexed()).items()} == {
        "a": ("s1", 10), "b": ("s2", 20)}
    (hit,) = await rows.matching(["grey heron"], story_id=None, limit=10, accept=None,
                                 marks=MARKS)
    assert (hit.story_id, hit.chapter, hit.offset, hit.text) == ("a", 0, 0, "the [grey heron]")
    await rows.replace("a", "s3", 10, passages("a kingfisher"))
    assert await found(rows, "heron") == ["b"]
    assert await found(rows, "kingfisher") == ["a"]
    assert await rows.remove(["a", "missing"]) == 1
    assert await found(rows, "kingfisher") == []
    assert set(await rows.indexed()) == {"b"}
    assert await rows.counts() == (1, 0)


async def test_a_story_taking_another_ones_place_takes_it_out(db):
    rows = db.search
    await rows.replace("a", "s1", 10, passages("heron"))
    await rows.replace("b", "s2", 10, passages("heron"))
    assert set(await rows.indexed()) == {"b"}
    assert await found(rows, "heron") == ["b"]


async def test_rowids_follow_places_so_ties_come_in_place_order(db):
    rows = db.search
    for story_id, place in (("c", 30), ("a", 10), ("b", 20)):
        await rows.replace(story_id, "s", place, passages("heron"))
    assert await found(rows, "heron") == ["a", "b", "c"]
    assert await found(rows, "heron", story_id="b") == ["b"]
    assert await found(rows, "heron", story_id="nobody") == []


async def test_unspaced_passages_are_found_as_substrings_in_place_order(db):
    rows = db.search
    await rows.replace("ja", "s", 20, [PassageRow(0, 5, "帆船の数を書き留めた", True)])
    await rows.replace("zh", "s", 10, [PassageRow(1, 7, "灰色的帆船终于靠岸", True),
                                       PassageRow(1, 50, "no trigrams here")])
    assert await rows.counts() == (3, 2)
    # Two characters are looked for with LIKE, three or more by trigrams.
    hits = await rows.containing("帆船", story_id=None, limit=10, accept=None)
    assert [(h.story_id, h.chapter, h.offset) for h in hits] == [("zh", 1, 7), ("ja", 0, 5)]
    (hit,) = await rows.containing("帆船の数", story_id=None, limit=10, accept=None)
    assert (hit.story_id, hit.text) == ("ja", "帆船の数を書き留めた")
    assert await rows.containing("帆船", story_id="ja", limit=10, accept=None) == [hit]
    for limit in (10, 1):  # with 1, the first row read is turned away and reading goes on
        assert [h.story_id for h in await rows.containing(
            "帆船", story_id=None, limit=limit, accept=lambda sid: sid != "zh")] == ["ja"]
    assert await rows.containing("帆%", story_id=None, limit=10, accept=None) == []
    assert await rows.containing("here", story_id=None, limit=10, accept=None) == []


async def test_limits_of_a_write_are_refused_before_anything_is_written(db):
    with pytest.raises(ValueError, match="outside"):
        await db.search.replace("a", "s", 0, passages("heron"))
    too_many = [PassageRow(0, 0, "x")] * (ROWS_PER_STORY + 1)
    with pytest.raises(ValueError, match="passages"):
        await db.search.replace("a", "s", 1, too_many)
    assert await db.search.indexed() == {}


async def marked(rows: SearchRows, phrases: list[str], marks=MARKS) -> list[str]:
    """The marked texts of the passages holding `phrases`."""
    hits = await rows.matching(phrases, story_id=None, limit=10, accept=None, marks=marks)
    return [hit.text for hit in hits]


async def test_words_are_split_at_punctuation_and_folded_alike_on_both(db):
    rows = db.search
    await rows.replace("a", "s", 10, passages(
        "he said.She smiled", "an and/or clause", "the grey-green sea", "Café on Rue Écluse",
        "pi is 3.14, roughly", "don’t panic"))
    assert await marked(rows, ["she smiled"]) == ["he said.[She smiled]"]
    assert await marked(rows, ["and or"]) == ["an [and/or] clause"]
    assert await marked(rows, ["grey green"]) == await marked(rows, ["grey-green"]) == [
        "the [grey-green] sea"]
    assert await marked(rows, ["green"]) == ["the grey-[green] sea"]
    assert await marked(rows, ["CAFE on rue ecluse"]) == ["[Café on Rue Écluse]"]
    assert await marked(rows, ["14"]) == ["pi is 3.[14], roughly"]
    assert await marked(rows, ["don't"]) == ["[don’t] panic"]


async def test_only_whole_phrase_matches_are_marked_and_overlapping_ones_are_one(db):
    rows = db.search
    await rows.replace("a", "s", 10, passages(
        "the grey cat, grey heron. grey, heron", "x y x y x", "kettle otherwise kettle"))
    assert await marked(rows, ["grey heron"]) == ["the grey cat, [grey heron]. [grey, heron]"]
    assert await marked(rows, ["x y x"]) == ["[x y x y x]"]
    assert await marked(rows, ["kettle", "otherwise"]) == ["[kettle] [otherwise] [kettle]"]
    # Marks are text: commas, quotes and spaces in them are no option syntax.
    odd = ('<b class="a, b">', "</b>, 'x'")
    assert await marked(rows, ["otherwise"], odd) == [
        f"kettle {odd[0]}otherwise{odd[1]} kettle"]


async def test_a_phrase_without_words_is_left_out_and_alone_finds_nothing(db):
    rows = db.search
    await rows.replace("a", "s", 10, passages("a heron", "no bird"))
    assert await found(rows, "...") == []
    assert await found(rows, "“ — ”", "...") == []
    assert await marked(rows, ["heron", "..."]) == await marked(rows, ["heron"]) == [
        "a [heron]"]


async def test_accept_turning_most_stories_away_still_fills_the_limit(db):
    rows = db.search
    for n in range(60):
        await rows.replace(f"s{n:02}", "s", n + 1, [
            PassageRow(0, 0, "grey heron " * (60 - n)), PassageRow(0, 50, "a heron"),
            PassageRow(1, 0, f"帆船の数 {n}", True)])
    wanted = {"s57", "s58"}
    hits = await db.search.matching(["heron"], story_id=None, limit=4,
                                    accept=lambda sid: sid in wanted, marks=MARKS)
    # Which of a story's passages ranks first is the database's choice (bm25, ts_rank).
    assert sorted((h.story_id, h.offset) for h in hits) == [
        ("s57", 0), ("s57", 50), ("s58", 0), ("s58", 50)]
    hits = await db.search.containing("帆船", story_id=None, limit=2,
                                      accept=lambda sid: sid in wanted)
    assert [h.story_id for h in hits] == ["s57", "s58"]


async def test_substrings_of_unspaced_text_are_found_regardless_of_case(db):
    rows = db.search
    await rows.replace("a", "s", 10, [PassageRow(0, 0, "帆船SHIP灯台", True)])
    for text in ("船ship", "Ip", "ship灯台"):
        assert [h.story_id for h in await rows.containing(
            text, story_id=None, limit=10, accept=None)] == ["a"], text


async def test_a_big_story_is_written_whole_in_story_order(db):
    rows = db.search
    await rows.replace("a", "s1", 10, passages("an old heron"))
    story = [PassageRow(n // 1000, 10 * n, f"passage number{n}") for n in range(25_001)]
    await rows.replace("a", "s2", 10, story)
    assert await rows.counts() == (25_001, 0)
    assert await found(rows, "heron") == []
    (hit,) = await rows.matching(["number24999"], story_id="a", limit=10, accept=None,
                                 marks=MARKS)
    assert (hit.chapter, hit.offset, hit.text) == (24, 249_990, "passage [number24999]")
    first = await rows.matching(["passage"], story_id=None, limit=3, accept=None, marks=MARKS)
    assert [h.offset for h in first] == [0, 10, 20]


async def test_a_passage_longer_than_a_tsvector_holds_is_still_indexed(db):
    rows = db.search
    # About 1.3 MB of different words: more than one PostgreSQL tsvector holds.
    huge = " ".join(f"w{n:07}" for n in range(160_000))
    await rows.replace("a", "s", 10, passages("first words", huge))
    assert await found(rows, "w0000012") == ["a"]
    assert await found(rows, "first words") == ["a"]


@pytest.fixture
async def pg_db(postgres_cluster):
    url = await postgres_cluster.create_database()
    database = await Database.open(url)
    yield database
    await database.close()
    await postgres_cluster.drop_database(url)


async def test_a_write_postgresql_refuses_half_way_leaves_the_story_as_it_was(pg_db,
                                                                           monkeypatch):
    monkeypatch.setattr(pg_search, "INSERT_ROWS", 2)  # the bad passage is in a later INSERT
    rows = pg_db.search
    await rows.replace("a", "s1", 10, passages("the grey heron"))
    await rows.replace("b", "s1", 20, passages("a heron too"))
    # PostgreSQL's text cannot hold NUL: the third passage is refused.
    with pytest.raises(ValueError, match="cannot be indexed"):
        await rows.replace("a", "s2", 20, passages("a kingfisher", "a wren", "nul \x00"))
    assert {sid: i.signature for sid, i in (await rows.indexed()).items()} == {
        "a": "s1", "b": "s1"}
    assert await found(rows, "heron") == ["a", "b"]
    assert await found(rows, "kingfisher") == []
    assert await rows.counts() == (2, 0)


async def test_tidying_on_postgresql_keeps_what_is_found(pg_db):
    rows = pg_db.search
    for n in range(5):
        await rows.replace(f"s{n}", "s", n + 1, [*passages("grey heron"),
                                                 PassageRow(1, 0, "帆船の数", True)])
    await rows.tidy()
    assert await found(rows, "grey heron") == ["s0", "s1", "s2", "s3", "s4"]
    assert len(await rows.containing("帆船の", story_id=None, limit=10, accept=None)) == 5


async def segments(db: Database) -> int:
    """How many b-trees the word index is made of."""
    (count,) = await db._sql.fetch_one("SELECT count(DISTINCT segid) FROM search_passages_idx")
    return count


async def test_tidying_merges_without_changing_what_is_found(sqlite_db):
    db = sqlite_db
    rows = db.search
    for n in range(30):
        await rows.replace(f"s{n:02}", "s", n + 1, passages(f"heron number{n}", "grey heron"))
    before = await found(rows, "grey heron")
    assert await segments(db) > 1
    await rows.tidy(pages=4)
    assert await segments(db) == 1
    assert await found(rows, "grey heron") == before
    assert await found(rows, "number7") == ["s07"]


async def test_a_search_reads_what_was_committed_while_a_write_is_open(db):
    rows = db.search
    await rows.replace("a", "s1", 10, passages("the grey heron"))
    async with db.transaction():
        await rows.replace("a", "s2", 10, passages("a kingfisher"))
        # Not committed yet: searches, on another connection, still see the heron.
        assert await asyncio.wait_for(found(rows, "heron"), 5) == ["a"]
        assert await found(rows, "kingfisher") == []
    assert await found(rows, "kingfisher") == ["a"]


async def test_a_page_turn_is_written_while_a_search_holds_its_reader(sqlite_db):
    db = sqlite_db
    rows = db.search
    await rows.replace("a", "s1", 10, passages("the grey heron"))
    # A search that takes as long as we like: a function of the reader's own connection
    # that waits, inside a query, until released.
    reader = await rows._connection()
    assert reader is not db._sql.connection
    entered, release = threading.Event(), threading.Event()

    def hold() -> int:
        entered.set()
        release.wait(10)
        return 1

    await reader.create_function("hold", 0, hold)
    slow = asyncio.create_task(reader.execute_fetchall(
        "SELECT hold() FROM search_passages WHERE search_passages MATCH 'heron'"))
    try:
        assert await asyncio.to_thread(entered.wait, 5)
        await asyncio.wait_for(
            db.progress.record_page(1, "a", position=0, anchor="", page_end=10, length=100),
            timeout=2)
        await asyncio.wait_for(rows.replace("b", "s", 20, passages("a heron too")), timeout=2)
        assert await db.progress.get(1, "a") is not None
    finally:
        release.set()
        await slow
    assert await found(rows, "heron") == ["a", "b"]


async def test_an_in_memory_database_searches_on_its_only_connection():
    db = await Database.open(":memory:")
    try:
        await db.search.replace("a", "s", 1, passages("the grey heron"))
        assert await found(db.search, "grey heron") == ["a"]
        assert await db.search._connection() is db._sql.connection
    finally:
        await db.close()


async def test_the_reader_is_closed_with_the_database_and_cannot_write(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    await db.search.replace("a", "s", 1, passages("heron"))
    reader = await db.search._connection()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await reader.execute("DELETE FROM search_stories")
    await db.close()
    with pytest.raises(ValueError):
        await reader.execute("SELECT 1")


def test_the_search_migration_builds_its_tables_inside_a_transaction(tmp_path):
    (sql,) = [sql for number, _, sql in migrations() if number == 7]
    assert f"place * {ROWS_PER_STORY} + key" in sql  # rowids as the repository reads them
    connection = sqlite3.connect(tmp_path / "plain.sqlite3", isolation_level=None)
    connection.executescript(f"BEGIN IMMEDIATE;\n{sql}\nCOMMIT;")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"search_stories", "search_passages", "search_unspaced", "search_updates"} <= tables
    connection.close()
