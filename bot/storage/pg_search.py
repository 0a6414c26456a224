"""The search index on PostgreSQL: the tables and answers of `bot.storage.search`, elsewhere.

Words are found by PostgreSQL's full-text search: each passage's `words`, a tsvector on the
`storybot` configuration (no stemming, diacritics folded), matched by phrase queries and
ranked by `ts_rank`. Pieces of scripts without spaces are found with `ILIKE` on the passages
flagged `unspaced`, which `pg_trgm` indexes by trigrams. The search section of
`migrations/postgresql/0013_schema.sql` has the tables.

A story is written in one transaction and removed in one statement, so a search never
finds half a story. Searches read on a pool connection of their own, never on a transaction
open for this work: like SQLite's reader, they see only what is committed, and a story being
re-indexed is searched as it was until its new passages commit.

`ts_headline` would mark every word of a phrase wherever it stands, so a hit's first mark
(where its page opens) could be a lone `the` far before the phrase. FTS5 marks only whole
phrase matches; so does this module, from the words PostgreSQL reads in each passage found.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import asyncpg

from bot.storage.postgres import PgSql
from bot.storage.search import (
    MERGE_PAGES,
    PLACES,
    ROWS_PER_STORY,
    Accept,
    IndexedStory,
    Passage,
    PassageRow,
    accepted_rows,
    like_pattern,
)

log = logging.getLogger(__name__)

#: Passages one INSERT writes: a big story is sent in pieces the server parses quickly.
INSERT_ROWS = 10_000
# Rows read at a time past those needed, once every match is ranked.
_RANKED_AHEAD = 200

_LAST = ROWS_PER_STORY - 1
_IN_STORY = (" AND id BETWEEN (SELECT place * {rows} FROM search_stories WHERE story_id = ${n})"
             " AND (SELECT place * {rows} + {last} FROM search_stories WHERE story_id = ${n})")
# The words of a text as PostgreSQL reads them: every token of `search_words(text)` in order
# (their lengths add up to its length) with its lexemes, none for what lies between words.
_WORDS = ("SELECT array_agg(t.token ORDER BY t.n), array_agg(array_to_string("
          "tsvector_to_array(to_tsvector('storybot', t.token)), ' ') ORDER BY t.n) "
          "FROM ts_parse('default', search_words({text})) WITH ORDINALITY AS t(kind, token, n)")
_PHRASES = (f"SELECT phraseto_tsquery('storybot', search_words(q.phrase))::text, w.* "
            f"FROM unnest($1::text[]) WITH ORDINALITY AS q(phrase, n), "
            f"LATERAL ({_WORDS.format(text='q.phrase')}) AS w ORDER BY q.n")
_FOUND = ('SELECT p.id, p.story, p.chapter, p."offset", p.text, w.* FROM search_passages p, '
          f"LATERAL ({_WORDS.format(text='p.text')}) AS w WHERE p.id = ANY($1::bigint[])")
_RANKED = ("SELECT id, story FROM search_passages WHERE words @@ $1::tsquery{story} "
           "ORDER BY ts_rank(words, $1::tsquery, 1) DESC, id")
_CONTAINING = ('SELECT id, story, chapter, "offset", text FROM search_passages '
               "WHERE unspaced AND text ILIKE $1{story} ORDER BY id")
_REPLACE = (
    "WITH gone AS (DELETE FROM search_stories WHERE story_id = ? OR place = ? "
    "RETURNING place) "
    "DELETE FROM search_passages p USING (SELECT place FROM gone UNION SELECT ?::bigint) r "
    f"WHERE p.id BETWEEN r.place * {ROWS_PER_STORY} AND r.place * {ROWS_PER_STORY} + {_LAST}"
)
_INSERT = (
    'INSERT INTO search_passages (id, story, chapter, "offset", text, unspaced) '
    'SELECT ?::bigint + r.n - 1, ?, r.chapter, r."offset", r.text, r.unspaced '
    "FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::boolean[]) "
    'WITH ORDINALITY AS r(chapter, "offset", text, unspaced, n)'
)
_REMOVE = (
    "WITH gone AS (DELETE FROM search_stories WHERE story_id = ANY(?::text[]) "
    "RETURNING place), "
    "passages AS (DELETE FROM search_passages p USING gone WHERE p.id BETWEEN "
    f"gone.place * {ROWS_PER_STORY} AND gone.place * {ROWS_PER_STORY} + {_LAST}) "
    "SELECT count(*) FROM gone"
)
# Errors of a story's text itself, not of the server: that story cannot be indexed.
_UNINDEXABLE = (asyncpg.DataError, asyncpg.ProgramLimitExceededError)
# What a search gives up on, logged, rather than failing the member's command.
_FAILED = (asyncpg.PostgresError, asyncpg.InterfaceError)


class PgSearchRows:
    """The `search_stories` and `search_passages` tables, with `SearchRows`' methods."""

    def __init__(self, sql: PgSql) -> None:
        self._sql = sql

    # --- writing ----------------------------------------------------------------------------

    async def indexed(self) -> dict[str, IndexedStory]:
        """Every story in the index: which version of it, at which place."""
        rows = await self._sql.fetch("SELECT story_id, signature, place FROM search_stories")
        return {story_id: IndexedStory(signature, place) for story_id, signature, place in rows}

    async def replace(self, story_id: str, signature: str, place: int,
                      passages: Sequence[PassageRow]) -> None:
        """Index `passages` as the story's, at `place`, in one transaction.

        The story's old passages go, and so do those of any story that had this place. A
        text PostgreSQL refuses raises `ValueError`, with the old passages kept.
        """
        if not 0 < place < PLACES:
            raise ValueError(f"place {place} is outside 1..{PLACES - 1}")
        if len(passages) > ROWS_PER_STORY:
            raise ValueError(f"{story_id} has {len(passages)} passages; the index holds "
                             f"{ROWS_PER_STORY} per story")
        first = place * ROWS_PER_STORY
        try:
            async with self._sql.transaction():
                await self._sql.execute(_REPLACE, (story_id, place, place))
                await self._sql.execute(
                    "INSERT INTO search_stories (story_id, signature, place) VALUES (?, ?, ?)",
                    (story_id, signature, place))
                for start in range(0, len(passages), INSERT_ROWS):
                    rows = passages[start:start + INSERT_ROWS]
                    await self._sql.execute(_INSERT, (
                        first + start, story_id, [p.chapter for p in rows],
                        [p.offset for p in rows], [p.text for p in rows],
                        [p.unspaced for p in rows]))
        except _UNINDEXABLE as exc:
            raise ValueError(f"{story_id} cannot be indexed: {exc}") from exc

    async def remove(self, story_ids: Iterable[str]) -> int:
        """Take stories out of the index, in one statement; how many were in it."""
        ids = list(story_ids)
        if not ids:
            return 0
        row = await self._sql.fetch_one(_REMOVE, (ids,))
        return int(row[0]) if row else 0

    async def tidy(self, pages: int = MERGE_PAGES) -> None:
        """Move the entries waiting in the GIN indexes' pending lists into the indexes, and
        refresh the planner's statistics of the passages.

        New rows go to a pending list that every search reads through in full, until
        autovacuum gets to it; after a pass that wrote stories, that is now. `pages` is
        SQLite's merge step: PostgreSQL needs none, each call is a few statements.
        """
        try:
            for index in ("search_passages_words", "search_passages_unspaced"):
                await self._sql.fetch_one("SELECT gin_clean_pending_list(?::regclass)",
                                          (index,))
            await self._sql.execute("ANALYZE search_passages")
        except asyncpg.InsufficientPrivilegeError as exc:
            # Only the tables' owner may; autovacuum does the same a little later.
            log.info("Search index: left to autovacuum (%s)", exc)

    async def counts(self) -> tuple[int, int]:
        """(passages indexed, passages also indexed by trigrams)."""
        row = await self._sql.fetch_one(
            "SELECT count(*), count(*) FILTER (WHERE unspaced) FROM search_passages")
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def close(self) -> None:
        """Nothing to close: searches borrow the database's pool, which it closes."""

    # --- searching --------------------------------------------------------------------------

    async def matching(self, phrases: Sequence[str], *, story_id: str | None, limit: int,
                       accept: Accept | None, marks: tuple[str, str]) -> list[Passage]:
        """Passages holding every one of `phrases`, best first (ts_rank, then story order).

        Each phrase is literal text; one without a word (only punctuation) is left out, as
        FTS5 leaves out an empty phrase. A passage's text comes with its matched phrases
        between `marks`. `story_id` limits the search to one story; `accept` drops passages
        of the stories it returns False for without shortening the list.
        """
        try:
            async with self._sql.pool.acquire() as connection:
                # Each phrase as a tsquery, and as the lexemes of its words in order.
                queries: list[str] = []
                wanted: list[list[str]] = []
                for query, tokens, lexemes in await connection.fetch(_PHRASES, list(phrases)):
                    found = [word[2][0] for word in _words(tokens or [], lexemes or [])]
                    if found:
                        queries.append(f"({query})")
                        wanted.append(found)
                if not queries:
                    return []
                params: list[object] = [" & ".join(queries)]
                sql = _RANKED.format(story=_in_story(story_id, params))
                chosen = [row[0] for row in await _first(
                    connection, sql, params, accept, limit, batch=max(limit * 4, 20),
                    ahead=_RANKED_AHEAD)]
                if not chosen:
                    return []
                found_rows = await connection.fetch(_FOUND, chosen)
        except _FAILED as exc:
            log.warning("Search for %r failed: %s", list(phrases), exc)
            return []
        by_id = {row[0]: Passage(row[1], row[2], row[3],
                                 _marked(row[4], row[5] or [], row[6] or [], wanted, marks))
                 for row in found_rows}
        # A passage whose story was re-indexed between the two queries is left out.
        return [by_id[passage_id] for passage_id in chosen if passage_id in by_id]

    async def containing(self, text: str, *, story_id: str | None, limit: int,
                         accept: Accept | None) -> list[Passage]:
        """Passages in scripts without spaces holding `text`, in story order.

        Regardless of case, as SQLite's trigrams. Trigrams find a text of three characters
        or more; a shorter one is looked for reading the unspaced passages in order.
        """
        params: list[object] = [like_pattern(text)]
        sql = _CONTAINING.format(story=_in_story(story_id, params))
        try:
            async with self._sql.pool.acquire() as connection:
                chosen = await _first(connection, sql, params, accept, limit, batch=limit)
        except _FAILED as exc:
            log.warning("Search for %r failed: %s", text, exc)
            return []
        return [Passage(*row[1:]) for row in chosen]


def _in_story(story_id: str | None, params: list[object]) -> str:
    """The SQL keeping only one story's ids; adds its param."""
    if story_id is None:
        return ""
    params.append(story_id)
    return _IN_STORY.format(rows=ROWS_PER_STORY, last=_LAST, n=len(params))


async def _first(connection: asyncpg.Connection, sql: str, params: list[object],
                 accept: Accept | None, limit: int, *, batch: int, ahead: int = 0
                 ) -> list[tuple]:
    """The first `limit` rows of `sql` whose story (their second column) `accept` takes.

    As `bot.storage.search._first`: the first `batch` rows are read at once, and only when
    `accept` turned too many of them away is the query run again, through a cursor, and
    read on `ahead` rows past those still needed at a time.
    """
    rows = [tuple(row) for row in await connection.fetch(
        f"{sql} LIMIT ${len(params) + 1}", *params, batch)]
    chosen = accepted_rows(rows, accept, limit)
    if len(chosen) < limit and len(rows) == batch:
        chosen = []
        async with connection.transaction(readonly=True):
            cursor = await connection.cursor(sql, *params)
            while len(chosen) < limit:
                more = await cursor.fetch(limit - len(chosen) + ahead)
                if not more:
                    break
                chosen += accepted_rows((tuple(row) for row in more), accept,
                                    limit - len(chosen))
    return chosen


def _words(tokens: Sequence[str], lexemes: Sequence[str]
           ) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, lexemes) of each word among `tokens`, which follow each other in a text.

    `lexemes` has each token's lexemes joined by spaces, empty between words.
    """
    words = []
    at = 0
    for token, lexeme in zip(tokens, lexemes, strict=True):
        if lexeme:
            words.append((at, at + len(token), tuple(lexeme.split(" "))))
        at += len(token)
    return words


def _marked(text: str, tokens: Sequence[str], lexemes: Sequence[str],
            phrases: Sequence[Sequence[str]], marks: tuple[str, str]) -> str:
    """`text` with each run of its words matching one of `phrases` between `marks`.

    As FTS5's highlight(): a phrase matched is marked from its first word to its last,
    and matches that overlap are one.
    """
    words = _words(tokens, lexemes)
    if not words or words[-1][1] > len(text):
        return text
    spans: list[tuple[int, int]] = []
    for phrase in phrases:
        size = len(phrase)
        for i in range(len(words) - size + 1):
            if all(lexeme in words[i + j][2] for j, lexeme in enumerate(phrase)):
                spans.append((words[i][0], words[i + size - 1][1]))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    at = 0
    for start, end in merged:
        out += [text[at:start], marks[0], text[start:end], marks[1]]
        at = end
    out.append(text[at:])
    return "".join(out)
