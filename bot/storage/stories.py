"""The story store: what each file of the stories folder gave when it was last read.

A file's row says how it looked (its stamp), what its bytes hash to, which parser version
read it and whether it was skipped, and why; the parsed story itself is a body, encoded
by `bot.library.codec` and shared by every file with the same bytes. The library asks
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

    async def has_body(self, content_hash: str, parser_version: int) -> bool:
        row = await self._sql.fetch_one(
            "SELECT 1 FROM story_bodies WHERE content_hash = ? AND parser_version = ?",
            (content_hash, parser_version),
        )
        return row is not None

    async def record(self, path: str, stamp: str, content_hash: str, parser_version: int, *,
                     body: bytes | None = None, error: str | None = None,
                     warnings: Iterable[str] = (), now: float | None = None) -> None:
        """What reading a file gave: its story's encoded body, or why it was skipped.

        The file's row and its body commit together, so a process killed in between leaves
        the file to be read again at the next start rather than a row without a body.
        """
        if (body is None) == (error is None):
            raise ValueError("a file gives either a body or an error")
        now = time.time() if now is None else now
        async with self._sql.transaction():
            if body is not None:
                await self._sql.execute(
                    "INSERT INTO story_bodies (content_hash, parser_version, body) "
                    "VALUES (?, ?, ?) ON CONFLICT (content_hash, parser_version) DO NOTHING",
                    (content_hash, parser_version, body),
                )
            await self._sql.execute(
                f"INSERT INTO story_files ({columns(StoredFile)}) VALUES ({marks(7)}) "
                "ON CONFLICT (path) DO UPDATE SET stamp = excluded.stamp, "
                "content_hash = excluded.content_hash, "
                "parser_version = excluded.parser_version, error = excluded.error, "
                "warnings = excluded.warnings, read_at = excluded.read_at",
                (path, stamp, content_hash, parser_version, error, "\n".join(warnings), now),
            )

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

    async def prune(self) -> int:
        """Drop bodies no file uses any more; how many were dropped."""
        return await self._sql.changed(
            "DELETE FROM story_bodies WHERE NOT EXISTS (SELECT 1 FROM story_files f "
            "WHERE f.content_hash = story_bodies.content_hash "
            "AND f.parser_version = story_bodies.parser_version AND f.error IS NULL)"
        )
