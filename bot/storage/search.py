"""The search index's tables: each story's passages, and the queries `/search` runs on them.

The index is written story by story (`replace`, `remove`) and says which version of each
story it holds (`indexed`), so the library can re-index only what changed. Each write is
one statement (see `migrations/0007_search.sql`), atomic on its own.

Searches run on a read-only connection of their own, in its own thread: the database is
in WAL mode, so they read beside the bot's connection without waiting for its writes, and
a page turn never waits for a search. Each statement reads what was committed when it
began, so a story being re-indexed is searched as it was until its new passages commit.
An in-memory database cannot be opened twice; there searches share the bot's connection.

Everything particular to SQLite stays here: FTS5 query syntax, `LIKE` escapes, how places
become rowids. The member's text arrives as literal phrases.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.storage.sql import Sql, chunks, marks

log = logging.getLogger(__name__)

#: Rowids a story's passages may use: a story has at most this many passages. The
#: migration's triggers write it out (16777216).
ROWS_PER_STORY = 1 << 24
#: Places are 1 to PLACES - 1; a rowid is `place * ROWS_PER_STORY + number`, below 2**63.
PLACES = 1 << 39
#: Pages one merge step writes (`tidy`): a step takes tens of milliseconds.
MERGE_PAGES = 256
# Rows read at a time past those needed, once every match is ranked.
_RANKED_AHEAD = 200

_TABLES = ("search_passages", "search_unspaced")
_FIRST_ROW = f"(SELECT place * {ROWS_PER_STORY} FROM search_stories WHERE story_id = ?)"
_LAST_ROW = (f"(SELECT place * {ROWS_PER_STORY} + {ROWS_PER_STORY - 1} FROM search_stories "
             "WHERE story_id = ?)")

Accept = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class IndexedStory:
    """Which version of a story is indexed (its signature), and its place in the order."""

    signature: str
    place: int


@dataclass(frozen=True, slots=True)
class PassageRow:
    """A passage to index: where it is in its story, and its text.

    `unspaced` passages (holding a script written without spaces) are also indexed by
    trigrams.
    """

    chapter: int
    offset: int
    text: str
    unspaced: bool = False


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage found: its story, chapter and plain offset, and its text."""

    story_id: str
    chapter: int
    offset: int
    text: str


def _phrase(text: str) -> str:
    """`text` as one FTS5 string: a literal phrase whatever characters it holds."""
    return '"' + text.replace('"', '""') + '"'


def like_pattern(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, with `%`, `_` and `\\` literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _encode(passages: Sequence[PassageRow]) -> str:
    return json.dumps([[p.text, p.chapter, p.offset, int(p.unspaced)] for p in passages],
                      ensure_ascii=False, check_circular=False)


def _in_story(story_id: str | None, params: list[object]) -> str:
    """The SQL keeping only one story's rowids; adds its params."""
    if story_id is None:
        return ""
    params += [story_id, story_id]
    return f" AND rowid BETWEEN {_FIRST_ROW} AND {_LAST_ROW}"


class SearchRows:
    """The `search_stories`, `search_passages` and `search_unspaced` tables."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        self._reader: aiosqlite.Connection | None = None
        self._own_reader = False
        self._opening = asyncio.Lock()

    # --- writing ----------------------------------------------------------------------------

    async def indexed(self) -> dict[str, IndexedStory]:
        """Every story in the index: which version of it, at which place."""
        rows = await self._sql.fetch("SELECT story_id, signature, place FROM search_stories")
        return {story_id: IndexedStory(signature, place) for story_id, signature, place in rows}

    async def replace(self, story_id: str, signature: str, place: int,
                      passages: Sequence[PassageRow]) -> None:
        """Index `passages` as the story's, at `place`, in one statement.

        The story's old passages go, and so do those of any story that had this place.
        """
        if not 0 < place < PLACES:
            raise ValueError(f"place {place} is outside 1..{PLACES - 1}")
        if len(passages) > ROWS_PER_STORY:
            raise ValueError(f"{story_id} has {len(passages)} passages; the index holds "
                             f"{ROWS_PER_STORY} per story")
        payload = await asyncio.to_thread(_encode, passages)
        await self._sql.execute(
            "INSERT INTO search_updates (story_id, signature, place, passages) "
            "VALUES (?, ?, ?, ?)",
            (story_id, signature, place, payload),
        )

    async def remove(self, story_ids: Iterable[str]) -> int:
        """Take stories out of the index; how many were in it."""
        removed = 0
        for batch in chunks(story_ids):
            removed += await self._sql.changed(
                f"DELETE FROM search_stories WHERE story_id IN ({marks(len(batch))})",
                tuple(batch))
        return removed

    async def tidy(self, pages: int = MERGE_PAGES) -> None:
        """Merge each table's b-trees into one, the fastest to search, a step at a time.

        Each step is one statement writing about `pages` pages, so other statements on the
        connection (page turns) run between steps instead of waiting for the whole merge.
        """
        size = await self._sql.fetch_one("PRAGMA page_count")
        # Each step writes about `pages` pages of the merged b-tree, which is no larger than
        # the file: a bound in case the count of b-trees ever failed to reach one.
        steps = (size[0] if size else 0) // pages + 10
        for table in _TABLES:
            for _ in range(steps):
                # FTS5's `_idx` table has rows for every b-tree (segment) of the index.
                row = await self._sql.fetch_one(f"SELECT count(DISTINCT segid) FROM {table}_idx")
                if row is None or row[0] <= 1:
                    break
                await self._sql.execute(
                    f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)", (-pages,))

    async def counts(self) -> tuple[int, int]:
        """(passages indexed, passages also indexed by trigrams)."""
        reader = await self._connection()
        counts = []
        for table in _TABLES:
            rows = await reader.execute_fetchall(f"SELECT count(*) FROM {table}")
            counts.append(next(iter(rows))[0])
        return counts[0], counts[1]

    # --- searching --------------------------------------------------------------------------

    async def matching(self, phrases: Sequence[str], *, story_id: str | None, limit: int,
                       accept: Accept | None, marks: tuple[str, str]) -> list[Passage]:
        """Passages holding every one of `phrases`, best first (bm25, then story order).

        Each phrase is literal text. A passage's text comes with its matched words between
        `marks`. `story_id` limits the search to one story; `accept` drops passages of the
        stories it returns False for without shortening the list.
        """
        reader = await self._connection()
        expression = " ".join(_phrase(text) for text in phrases)
        sql = "SELECT rowid, story FROM search_passages WHERE search_passages MATCH ?"
        params: list[object] = [expression]
        sql += _in_story(story_id, params)
        # A LIMIT lets SQLite keep only the best rows while ranking instead of sorting every
        # match. Only when `accept` turned too many of them away are all matches ranked.
        sql += " ORDER BY rank, rowid"
        try:
            chosen = [row[0] for row in await _first(
                reader, sql, params, accept, limit, batch=max(limit * 4, 20),
                ahead=_RANKED_AHEAD)]
            if not chosen:
                return []
            found = await reader.execute_fetchall(
                "SELECT rowid, story, chapter, offset, highlight(search_passages, 0, ?, ?) "
                "FROM search_passages WHERE search_passages MATCH ? "
                f"AND rowid IN ({', '.join('?' * len(chosen))})",
                [*marks, expression, *chosen],
            )
        except sqlite3.OperationalError as exc:
            # Quoting makes every query well-formed; this is a safety net.
            log.warning("Search for %r failed: %s", expression, exc)
            return []
        # A passage whose story was re-indexed between the two queries is left out.
        by_rowid = {row[0]: Passage(*row[1:]) for row in found}
        return [by_rowid[rowid] for rowid in chosen if rowid in by_rowid]

    async def containing(self, text: str, *, story_id: str | None, limit: int,
                         accept: Accept | None) -> list[Passage]:
        """Passages in scripts without spaces holding `text`, in story order.

        Trigrams find a text of three characters or more; a shorter one is matched with
        LIKE, which still reads only the passages in such scripts.
        """
        reader = await self._connection()
        sql = "SELECT rowid, story, chapter, offset, text FROM search_unspaced WHERE "
        if len(text) >= 3:
            sql += "search_unspaced MATCH ?"
            params: list[object] = [_phrase(text)]
        else:
            sql += "text LIKE ? ESCAPE '\\'"
            params = [like_pattern(text)]
        sql += _in_story(story_id, params)
        # Rows come in rowid order as the scan finds them: it stops at the last one needed.
        sql += " ORDER BY rowid"
        try:
            chosen = await _first(reader, sql, params, accept, limit, batch=limit)
        except sqlite3.OperationalError as exc:
            log.warning("Search for %r failed: %s", text, exc)
            return []
        return [Passage(*row[1:]) for row in chosen]

    # --- the reader -------------------------------------------------------------------------

    async def _connection(self) -> aiosqlite.Connection:
        """The connection searches read on, opened on first use."""
        if self._reader is not None:
            return self._reader
        async with self._opening:
            if self._reader is None:
                rows = await self._sql.fetch("PRAGMA database_list")
                path = next((file for _, name, file in rows if name == "main"), "")
                if not path:
                    self._reader = self._sql.connection
                else:
                    uri = Path(path).as_uri() + "?mode=ro"
                    reader = await aiosqlite.connect(uri, uri=True, isolation_level=None)
                    await reader.execute("PRAGMA busy_timeout = 5000")
                    self._reader, self._own_reader = reader, True
        return self._reader

    async def close(self) -> None:
        """Close the reader; the next search opens another."""
        reader, self._reader = self._reader, None
        if reader is not None and self._own_reader:
            self._own_reader = False
            await reader.close()


def accepted_rows(rows: Iterable[tuple], accept: Accept | None, limit: int) -> list[tuple]:
    """The first `limit` rows whose story (their second column) `accept` takes."""
    chosen: list[tuple] = []
    for row in rows:
        if accept is None or accept(row[1]):
            chosen.append(row)
            if len(chosen) >= limit:
                break
    return chosen


async def _first(reader: aiosqlite.Connection, sql: str, params: list[object],
                 accept: Accept | None, limit: int, *, batch: int, ahead: int = 0
                 ) -> list[tuple]:
    """The first `limit` rows of `sql` whose story (their second column) `accept` takes.

    The first `batch` rows are read at once. Only when `accept` turned too many of them
    away is the query run again and read on, `ahead` rows past those still needed at a
    time: a query that scans as it goes reads as little as it can with `ahead=0`, one
    whose rows are all ranked before the first comes back can read more at once.
    """
    rows = list(await reader.execute_fetchall(sql + " LIMIT ?", [*params, batch]))
    chosen = accepted_rows(rows, accept, limit)
    if len(chosen) < limit and len(rows) == batch:
        chosen = []
        async with reader.execute(sql, params) as cursor:
            while len(chosen) < limit:
                more = await cursor.fetchmany(limit - len(chosen) + ahead)
                if not more:
                    break
                chosen += accepted_rows(more, accept, limit - len(chosen))
    return chosen
