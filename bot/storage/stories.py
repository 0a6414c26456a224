"""The story store: what each file of the stories folder gave when it was last read.

A file's row says how it looked (its stamp), what its bytes hash to, which parser version
read it and whether it was skipped, and why; the parsed story itself is a body, encoded
by `bot.library.codec` and shared by every file with the same bytes, beside its card (what
the catalogue shows without the text) and, per page size, where its pages start. The library asks
which files changed since (`files`), reads only those, and records what it found
(`record`); files gone from the folder are forgotten (`forget`) and bodies no file uses
any more are dropped (`prune`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage.sql import Sql, chunks, columns, marks


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A story file as it was last read."""

    path: str  # relative to the stories folder, '/'-separated
    stamp: str  # size and modification time, as the scanner writes them
    content_hash: str
    parser_version: int
    error: str | None  # why the file was skipped; None when it gave a story
    warnings: str  # caveats, one per line
    read_at: float

    @property
    def caveats(self) -> list[str]:
        return self.warnings.splitlines()


@dataclass(frozen=True, slots=True)
class StoredCard:
    """What the catalogue keeps of a story: its encoded card and its measures."""

    card: bytes
    words: int
    minutes: float
    length: int
    quotes: int


@dataclass(frozen=True, slots=True)
class KeptStory:
    """A parsed story as the store keeps it: the encoded story, its card and measures, its
    blocks' rendered lengths, and its page starts for one page size `(page_chars, starts)`."""

    body: bytes
    card: StoredCard
    layout: bytes | None = None
    pages: tuple[int, bytes] | None = None


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """A file as the catalogue reads it at start-up: its card, or why it was skipped."""

    path: str
    content_hash: str
    error: str | None
    warnings: str
    card: StoredCard | None  # None for a skipped file, or one whose story is not kept
    pages: bytes | None  # page starts for the page size asked for, if worked out

    @property
    def caveats(self) -> list[str]:
        return self.warnings.splitlines()


class StoryStore:
    """The `story_files` and `story_bodies` tables."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    async def files(self) -> dict[str, StoredFile]:
        """Every file as last read, by path."""
        rows = await self._sql.fetch(f"SELECT {columns(StoredFile)} FROM story_files")
        return {row[0]: StoredFile(*row) for row in rows}

    async def body(self, content_hash: str, parser_version: int) -> bytes | None:
        """The encoded story parsed from these bytes by this parser version, if kept."""
        row = await self._sql.fetch_one(
            "SELECT body FROM story_bodies WHERE content_hash = ? AND parser_version = ?",
            (content_hash, parser_version),
        )
        return bytes(row[0]) if row else None

    async def text(self, content_hash: str,
                   parser_version: int) -> tuple[bytes, bytes | None] | None:
        """The encoded story and its block layout (None when not kept), if kept."""
        row = await self._sql.fetch_one(
            "SELECT b.body, c.layout FROM story_bodies b LEFT JOIN story_cards c "
            "USING (content_hash, parser_version) "
            "WHERE b.content_hash = ? AND b.parser_version = ?",
            (content_hash, parser_version),
        )
        if row is None:
            return None
        return bytes(row[0]), bytes(row[1]) if row[1] is not None else None

    async def has_body(self, content_hash: str, parser_version: int) -> bool:
        """Whether the story these bytes give is kept, with its card."""
        row = await self._sql.fetch_one(
            "SELECT 1 FROM story_bodies b JOIN story_cards c USING (content_hash, "
            "parser_version) WHERE content_hash = ? AND parser_version = ?",
            (content_hash, parser_version),
        )
        return row is not None

    async def catalogue(self, parser_version: int, page_chars: int) -> list[CatalogueRow]:
        """Every file read by this parser version, in path order, with its card (when its
        body is kept too) and its page starts for `page_chars` where kept."""
        rows = await self._sql.fetch(
            "SELECT f.path, f.content_hash, f.error, f.warnings, c.card, c.words, c.minutes, "
            "c.length, c.quotes, p.starts FROM story_files f "
            "LEFT JOIN story_cards c ON c.content_hash = f.content_hash "
            "AND c.parser_version = f.parser_version AND EXISTS (SELECT 1 FROM story_bodies b "
            "WHERE b.content_hash = f.content_hash AND b.parser_version = f.parser_version) "
            "LEFT JOIN story_pages p ON p.content_hash = f.content_hash "
            "AND p.parser_version = f.parser_version AND p.page_chars = ? "
            "WHERE f.parser_version = ? ORDER BY f.path",
            (page_chars, parser_version),
        )
        return [CatalogueRow(path, digest, error, warnings,
                             StoredCard(bytes(card), *measures) if card is not None else None,
                             bytes(starts) if starts is not None else None)
                for path, digest, error, warnings, card, *measures, starts in rows]

    async def record_pages(self, content_hash: str, parser_version: int, page_chars: int,
                           starts: bytes) -> None:
        """Where a stored story's pages of `page_chars` start."""
        await self._sql.execute(
            "INSERT INTO story_pages (content_hash, parser_version, page_chars, starts) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (content_hash, parser_version, page_chars) "
            "DO UPDATE SET starts = excluded.starts",
            (content_hash, parser_version, page_chars, starts),
        )

    async def record(self, path: str, stamp: str, content_hash: str, parser_version: int, *,
                     story: KeptStory | None = None, error: str | None = None,
                     warnings: Iterable[str] = (), now: float | None = None) -> None:
        """What reading a file gave: its parsed story, or why it was skipped. A file whose
        bytes gave a story already kept is recorded with neither.

        The file's row and its story commit together, so a process killed in between
        leaves the file to be read again at the next start rather than a row without a
        story. A story parsed again replaces the one kept.
        """
        if story is not None and error is not None:
            raise ValueError("a file gives either a story or an error")
        now = time.time() if now is None else now
        async with self._sql.transaction():
            if story is not None:
                await self.keep(content_hash, parser_version, story)
            await self._sql.execute(
                f"INSERT INTO story_files ({columns(StoredFile)}) VALUES ({marks(7)}) "
                "ON CONFLICT (path) DO UPDATE SET stamp = excluded.stamp, "
                "content_hash = excluded.content_hash, "
                "parser_version = excluded.parser_version, error = excluded.error, "
                "warnings = excluded.warnings, read_at = excluded.read_at",
                (path, stamp, content_hash, parser_version, error, "\n".join(warnings), now),
            )

    async def keep(self, content_hash: str, parser_version: int, story: KeptStory) -> None:
        """Keep a parsed story: its body, card, layout and page starts (in the caller's
        transaction, beside the row that uses it)."""
        await self._sql.execute(
            "INSERT INTO story_bodies (content_hash, parser_version, body) "
            "VALUES (?, ?, ?) ON CONFLICT (content_hash, parser_version) "
            "DO UPDATE SET body = excluded.body",
            (content_hash, parser_version, story.body),
        )
        card = story.card
        await self._sql.execute(
            f"INSERT INTO story_cards (content_hash, parser_version, "
            f"{columns(StoredCard)}, layout) VALUES ({marks(8)}) "
            "ON CONFLICT (content_hash, parser_version) DO UPDATE SET "
            "card = excluded.card, words = excluded.words, "
            "minutes = excluded.minutes, length = excluded.length, "
            "quotes = excluded.quotes, layout = excluded.layout",
            (content_hash, parser_version, card.card, card.words, card.minutes,
             card.length, card.quotes, story.layout),
        )
        if story.pages is not None:
            await self.record_pages(content_hash, parser_version, *story.pages)

    async def restamp(self, path: str, stamp: str) -> None:
        """A file touched but not changed (same bytes): remember its new stamp."""
        await self._sql.execute("UPDATE story_files SET stamp = ? WHERE path = ?",
                                (stamp, path))

    async def forget(self, paths: Iterable[str]) -> int:
        """Files gone from the folder; how many rows were deleted."""
        deleted = 0
        for batch in chunks(paths):
            deleted += await self._sql.changed(
                f"DELETE FROM story_files WHERE path IN ({marks(len(batch))})", tuple(batch))
        return deleted

    async def forget_content(self, content_hash: str, parser_version: int) -> int:
        """Files whose stored story is unusable: forgotten, so the next load reads them
        again; how many."""
        return await self._sql.changed(
            "DELETE FROM story_files WHERE content_hash = ? AND parser_version = ?",
            (content_hash, parser_version))

    async def prune(self) -> int:
        """Drop stories no file and no server uses any more (bodies, cards, page
        starts); how many bodies were dropped."""
        async with self._sql.transaction():
            for table in ("story_cards", "story_pages"):
                await self._sql.execute(_UNUSED.format(table=table))
            return await self._sql.changed(_UNUSED.format(table="story_bodies"))


_UNUSED = ("DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM story_files f "
           "WHERE f.content_hash = {table}.content_hash "
           "AND f.parser_version = {table}.parser_version AND f.error IS NULL) "
           "AND NOT EXISTS (SELECT 1 FROM server_stories s "
           "WHERE s.content_hash = {table}.content_hash "
           "AND s.parser_version = {table}.parser_version)")
