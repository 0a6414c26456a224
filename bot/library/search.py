"""Full-text search over the library with SQLite FTS5.

One row per paragraph or heading (notes and scene breaks are not story text a member would
look for), holding the block's plain offset into `Story.plain`. A hit's offset is where the
matched words themselves start, so the page opened for it is the one showing them.

The member's text is always a literal phrase: it is quoted for FTS5, so `AND`, `NOT`, `*`,
quotes, parentheses and `-` are just characters. When the exact phrase is nowhere, the same
words anywhere in one paragraph are the fallback. Scripts written without spaces (Chinese,
Japanese, Thai and their neighbours) make a whole run of text one token, so a phrase from the
middle of a sentence would never match: passages holding such text are also indexed by
trigrams, and a query that still found nothing is looked for there as a plain substring. The
index lives in an in-memory database owned by the index; it is rebuilt, not updated, when the
library reloads.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.library.catalogue import Library
from bot.text.story import BlockKind

log = logging.getLogger(__name__)

SNIPPET_CHARS = 150
# Context kept before the match in a snippet; the rest of the width follows it.
_LEAD = 50
# Marks around matched words in FTS5's highlight(); control characters never reach the index
# (`_clean` blanks them), so they cannot be confused with story text.
_OPEN, _CLOSE = "\x01", "\x02"
_CONTROLS = str.maketrans({_OPEN: " ", _CLOSE: " "})
_INDEXED = (BlockKind.PARAGRAPH, BlockKind.HEADING)
# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK
# ideographs (with their extensions and compatibility forms).
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass(frozen=True, slots=True)
class Hit:
    """A place a query matched.

    `offset` is the plain offset in `Story.plain` where the match starts; `snippet` is plain
    text around it (with `…` where it was cut) and `marks` the (start, end) spans of the
    matched words inside `snippet`.
    """

    story_id: str
    chapter: int
    offset: int
    snippet: str
    marks: tuple[tuple[int, int], ...] = ()


def phrase(text: str) -> str:
    """`text` as one FTS5 string: a literal phrase whatever characters it holds."""
    return '"' + text.replace('"', '""') + '"'


def unspaced(text: str) -> bool:
    """Whether `text` holds a script written without spaces between words."""
    return _UNSPACED.search(text) is not None


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, with `%`, `_` and `\\` literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def searchable(text: str) -> bool:
    """Whether `text` has anything the tokenizer would index (a letter or a digit)."""
    return any(char.isalnum() for char in text)


def _clean(text: str) -> str:
    # Same length out as in, so offsets into the text stay right.
    if _OPEN in text or _CLOSE in text:
        return text.translate(_CONTROLS)
    return text


def _rows(library: Library) -> Iterator[tuple[int, str, str, int, int]]:
    """(rowid, text, story id, chapter, offset) for every indexed block, in story order."""
    rowid = 0
    for story in library:
        layout = library.entry(story.id).layout
        for number, (chapter, chapter_layout) in enumerate(
            zip(story.chapters, layout.chapters, strict=True)
        ):
            for block, start in zip(chapter.blocks, chapter_layout.plain_start, strict=True):
                if block.kind not in _INDEXED:
                    continue
                text = block.plain
                if not text.strip():
                    continue
                rowid += 1
                yield rowid, _clean(text), story.id, number, start


def spans(highlighted: str) -> tuple[str, list[tuple[int, int]]]:
    """The text of a highlight() result without its marks, and the marked spans in it."""
    out: list[str] = []
    found: list[tuple[int, int]] = []
    length = 0
    start = 0
    position = 0
    while True:
        opening = highlighted.find(_OPEN, position)
        if opening < 0:
            out.append(highlighted[position:])
            break
        closing = highlighted.find(_CLOSE, opening + 1)
        if closing < 0:
            out.append(highlighted[position:].replace(_OPEN, ""))
            break
        before = highlighted[position:opening]
        out.append(before)
        length += len(before)
        start = length
        inner = highlighted[opening + 1 : closing]
        out.append(inner)
        length += len(inner)
        found.append((start, length))
        position = closing + 1
    return "".join(out), found


def snippet(text: str, marks: list[tuple[int, int]], width: int = SNIPPET_CHARS
            ) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `width` characters of `text` around the first mark, cut between words.

    Returns the snippet (with `…` where text was left out, line breaks as spaces) and the
    marks that fall inside it, moved to snippet coordinates.
    """
    first, first_end = marks[0] if marks else (0, 0)
    start = max(first - _LEAD, 0)
    end = min(start + width, len(text))
    start = max(min(start, end - width), 0)
    if start > 0 and not text[start - 1].isspace():
        # Begin at a word: skip the partial word the window cut into.
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", max(first_end, start), end)
        end = space if space > start else end
    body = text[start:end].replace("\n", " ").replace("\t", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift)
        for s, e in marks
        if s < end and e > start
    )
    return prefix + body + suffix, inside


class SearchIndex:
    """An FTS5 index of every paragraph and heading in a library."""

    def __init__(self, connection: sqlite3.Connection, ranges: dict[str, tuple[int, int]]
                 ) -> None:
        self._db = connection
        self._ranges = ranges  # story id -> (first rowid, last rowid)
        # Built in a worker thread, searched from others: one query at a time.
        self._lock = threading.Lock()

    @classmethod
    def build(cls, library: Library) -> SearchIndex:
        """Index `library` (blocking; a few seconds for tens of megabytes of text)."""
        started = time.perf_counter()
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.execute(
            "CREATE VIRTUAL TABLE blocks USING fts5("
            "text, story UNINDEXED, chapter UNINDEXED, offset UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        # The same rows again, by trigrams, for passages in scripts without spaces only.
        db.execute(
            "CREATE VIRTUAL TABLE unspaced USING fts5("
            "text, story UNINDEXED, chapter UNINDEXED, offset UNINDEXED, tokenize = 'trigram')"
        )
        ranges: dict[str, tuple[int, int]] = {}
        unspaced_rows: list[tuple[int, str, str, int, int]] = []

        def rows() -> Iterator[tuple[int, str, str, int, int]]:
            for row in _rows(library):
                rowid, text, story_id = row[:3]
                first = ranges.get(story_id, (rowid, rowid))[0]
                ranges[story_id] = (first, rowid)
                if unspaced(text):
                    unspaced_rows.append(row)
                yield row

        insert = "(rowid, text, story, chapter, offset) VALUES (?, ?, ?, ?, ?)"
        with db:
            db.executemany("INSERT INTO blocks " + insert, rows())
            db.executemany("INSERT INTO unspaced " + insert, unspaced_rows)
            # One segment makes queries fastest; the index is never written again.
            db.execute("INSERT INTO blocks (blocks) VALUES ('optimize')")
            db.execute("INSERT INTO unspaced (unspaced) VALUES ('optimize')")
        index = cls(db, ranges)
        log.info("Indexed %d passages of %d stories in %.0f ms", index.size, len(ranges),
                 (time.perf_counter() - started) * 1000)
        return index

    @property
    def size(self) -> int:
        """How many blocks are indexed."""
        return max((last for _, last in self._ranges.values()), default=0)

    @property
    def unspaced_size(self) -> int:
        """How many blocks are also indexed by trigrams (they hold unspaced scripts)."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM unspaced").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def search(
        self,
        query: str,
        *,
        story_id: str | None = None,
        limit: int = 10,
        accept: Callable[[str], bool] | None = None,
    ) -> list[Hit]:
        """Passages matching `query` as a phrase, best first (bm25, then story order).

        When the exact phrase is nowhere, passages holding all its words are returned
        instead. `story_id` limits the search to one story; `accept` drops hits from the
        stories it returns False for (age gating) without shortening the list.
        """
        if limit <= 0 or not searchable(query):
            return []
        if story_id is not None and story_id not in self._ranges:
            return []
        words = query.split()
        attempts = [phrase(query)]
        if len(words) > 1:
            attempts.append(" ".join(phrase(word) for word in words if searchable(word)))
        for expression in attempts:
            hits = self._search(expression, story_id, limit, accept)
            if hits:
                return hits
        if unspaced(query):
            return self._substring(query.strip(), story_id, limit, accept)
        return []

    @staticmethod
    def _accepted(rows: Iterable[tuple[int, str]], accept: Callable[[str], bool] | None,
                  limit: int) -> list[int]:
        """The rowids of the first `limit` rows whose story `accept` takes."""
        chosen: list[int] = []
        for rowid, story_id in rows:
            if accept is None or accept(story_id):
                chosen.append(rowid)
                if len(chosen) >= limit:
                    break
        return chosen

    def _in_story(self, story_id: str | None, params: list[object]) -> str:
        """The SQL limiting rows to one story (its rowids are consecutive); adds its params."""
        if story_id is None:
            return ""
        params += self._ranges[story_id]
        return " AND rowid BETWEEN ? AND ?"

    def _search(self, expression: str, story_id: str | None, limit: int,
                accept: Callable[[str], bool] | None) -> list[Hit]:
        sql = "SELECT rowid, story FROM blocks WHERE blocks MATCH ?"
        params: list[object] = [expression]
        sql += self._in_story(story_id, params)
        # A LIMIT lets SQLite keep only the best rows while ranking instead of sorting every
        # match. Only when `accept` turned too many of them away are all matches ranked.
        sql += " ORDER BY rank, rowid"
        batch = max(limit * 4, 20)
        with self._lock:
            try:
                rows = self._db.execute(sql + " LIMIT ?", [*params, batch]).fetchall()
                chosen = self._accepted(rows, accept, limit)
                if len(chosen) < limit and len(rows) == batch:
                    chosen = self._accepted(self._db.execute(sql, params), accept, limit)
            except sqlite3.OperationalError as exc:
                # Quoting makes every query well-formed; this is a safety net.
                log.warning("Search for %r failed: %s", expression, exc)
                return []
            hits = []
            for rowid in chosen:
                row = self._db.execute(
                    "SELECT story, chapter, offset, highlight(blocks, 0, ?, ?) FROM blocks "
                    "WHERE blocks MATCH ? AND rowid = ?",
                    (_OPEN, _CLOSE, expression, rowid),
                ).fetchone()
                found_story, chapter, start, highlighted = row
                text, marks = spans(highlighted)
                shown, inside = snippet(text, marks)
                first = marks[0][0] if marks else 0
                hits.append(Hit(found_story, chapter, start + first, shown, inside))
        return hits

    def _substring(self, query: str, story_id: str | None, limit: int,
                   accept: Callable[[str], bool] | None) -> list[Hit]:
        """Passages in scripts without spaces holding `query` as written, in story order.

        Trigrams find queries of three characters or more; shorter ones are matched with
        LIKE, which still only reads the passages in such scripts.
        """
        if len(query) >= 3:
            sql = "SELECT rowid, story FROM unspaced WHERE unspaced MATCH ?"
            params: list[object] = [phrase(query)]
        else:
            sql = "SELECT rowid, story FROM unspaced WHERE text LIKE ? ESCAPE '\\'"
            params = [_like(query)]
        sql += self._in_story(story_id, params)
        sql += " ORDER BY rowid"
        with self._lock:
            try:
                chosen = self._accepted(self._db.execute(sql, params), accept, limit)
            except sqlite3.OperationalError as exc:
                log.warning("Search for %r failed: %s", query, exc)
                return []
            hits = []
            for rowid in chosen:
                found_story, chapter, start, text = self._db.execute(
                    "SELECT story, chapter, offset, text FROM unspaced WHERE rowid = ?",
                    (rowid,)).fetchone()
                at = text.find(query)
                if at < 0:  # matched regardless of case, in a passage mixing scripts
                    at = max(text.casefold().find(query.casefold()), 0)
                marks = [(at, at + len(query))]
                shown, inside = snippet(text, marks)
                hits.append(Hit(found_story, chapter, start + at, shown, inside))
        return hits
