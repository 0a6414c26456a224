"""The bot's database: one connection, numbered migrations, a repository per table group.

Only the repositories write SQL. Schema changes are files in `migrations/` named
`NNNN_what.sql`, applied in order in one transaction, with the schema version kept in the
database itself (`PRAGMA user_version`). The database runs in WAL mode with
`synchronous=NORMAL`: a committed page turn survives the process being killed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.storage.bookmarks import Bookmarks
from bot.storage.progress import PageMessages, ProgressRows
from bot.storage.quotes import Quotes
from bot.storage.settings import Settings
from bot.storage.sql import Sql
from bot.storage.stats import Stats

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many rows about a member `forget_member` deleted, by kind."""

    progress: int = 0
    bookmarks: int = 0
    stats: int = 0
    readings: int = 0
    optout: int = 0

    @property
    def total(self) -> int:
        return self.progress + self.bookmarks + self.stats + self.readings + self.optout


def migrations(folder: Path = MIGRATIONS) -> list[tuple[int, str, str]]:
    """(number, name, sql) for every migration file, in order."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = re.match(r"(\d+)_", path.name)
        if match:
            found.append((int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    numbers = [n for n, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


class Database:
    """The bot's tables, one repository each. Create with `await Database.open(path)`.

    `progress` (members' places), `messages` (messages showing pages), `bookmarks`,
    `settings` (per server), `stats` and `quotes` (schedules and what was posted).
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection: aiosqlite.Connection | None = connection
        self._sql = Sql(connection)
        self.messages = PageMessages(self._sql)
        self.progress = ProgressRows(self._sql, self.messages)
        self.bookmarks = Bookmarks(self._sql)
        self.settings = Settings(self._sql)
        self.stats = Stats(self._sql)
        self.quotes = Quotes(self._sql)

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) and migrate the database at `path`."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000",
                       "foreign_keys=ON"):
            # Read each answer so no statement is left open when migrations commit.
            async with connection.execute(f"PRAGMA {pragma}") as cursor:
                await cursor.fetchall()
        database = cls(connection)
        await database._migrate()
        return database

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Statements on any repository inside commit together or not at all."""
        async with self._sql.transaction():
            yield

    async def _migrate(self) -> None:
        version = await self.schema_version()
        pending = [m for m in migrations() if m[0] > version]
        if not pending:
            return
        script = "\n".join(sql for _, _, sql in pending)
        target = pending[-1][0]
        connection = self._sql.connection
        try:
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
            )
        except Exception:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")
            raise
        log.info("Database migrated from version %d to %d", version, target)

    async def schema_version(self) -> int:
        row = await self._sql.fetch_one("PRAGMA user_version")
        return row[0] if row else 0

    async def integrity_check(self) -> str:
        row = await self._sql.fetch_one("PRAGMA integrity_check")
        return row[0] if row else ""

    async def reset_progress(self, user_id: int, story_id: str) -> tuple[int, int]:
        """Forget a member's place and bookmarks in one story: (progress, bookmarks) deleted.

        Server stats keep what was read: resetting a place does not unread it.
        """
        async with self.transaction():
            progress = await self.progress.delete(user_id, story_id)
            marks = await self.bookmarks.delete(user_id, story_id)
        return progress, marks

    async def forget_member(self, user_id: int) -> Forgotten:
        """Delete every row about a member, in one transaction; say how many of each."""
        message_ids = await self.messages.ids_of(user_id)
        async with self.transaction():
            forgotten = Forgotten(
                progress=await self.progress.delete(user_id),
                bookmarks=await self.bookmarks.delete(user_id),
                stats=await self.stats.delete_member(user_id),
                readings=await self.messages.delete_member(user_id),
                optout=await self.stats.delete_optout(user_id),
            )
        self.messages.forget_cached(user_id, message_ids)
        return forgotten
