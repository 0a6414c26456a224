"""The one connection every repository shares, and the helpers around it.

SQLite through aiosqlite in autocommit mode: each statement commits on its own, and
`transaction()` groups several into one. Placeholders are `?`; PostgreSQL's `PgSql`
(`bot.storage.postgres`) has the same methods.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import fields

import aiosqlite

#: Row ids are 64-bit signed integers in SQLite and PostgreSQL alike.
ROW_ID_MAX = 2**63 - 1


def is_row_id(value: int) -> bool:
    """Whether `value` can name a row: an id read from a member or a control can be anything."""
    return 0 < value <= ROW_ID_MAX


class Sql:
    """Runs statements on the connection; rows come back as tuples.

    The bot shares one connection among all its tasks, so a transaction belongs to the work
    that began it (its task, and the tasks it starts inside the transaction): other work's
    transactions wait for it to end, and so do other work's statements, which would
    otherwise run inside it and be undone with it.
    """

    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._lock = asyncio.Lock()
        self._open: object | None = None  # the transaction open now, if any
        self._mine: contextvars.ContextVar[object | None] = contextvars.ContextVar(
            "sql_transaction", default=None)

    async def _turn(self) -> None:
        """Wait until no transaction but this work's own is open."""
        while self._open is not None and self._open is not self._mine.get():
            async with self._lock:
                pass

    async def fetch(self, sql: str, params: tuple = ()) -> list[tuple]:
        await self._turn()
        return list(await self.connection.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: tuple = ()) -> tuple | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: tuple = ()) -> None:
        await self._turn()
        await self.connection.execute(sql, params)

    async def changed(self, sql: str, params: tuple = ()) -> int:
        """Run an UPDATE or DELETE; how many rows it changed."""
        await self._turn()
        cursor = await self.connection.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return max(count, 0)

    async def insert(self, sql: str, params: tuple = ()) -> int:
        """Run an INSERT; the new row's id."""
        await self._turn()
        cursor = await self.connection.execute(sql, params)
        row_id = cursor.lastrowid
        await cursor.close()
        return int(row_id or 0)

    async def close(self) -> None:
        await self.connection.close()

    async def notify(self, topic: str) -> None:
        """One process uses a SQLite file: there is no other to tell of a change."""

    async def listen(self, heard: Callable[[str], Awaitable[None]]) -> None:
        """Nothing to hear: no other process shares the file."""

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the connection."""
        return self.connection.in_transaction

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Everything inside commits together or not at all. Inside one already open for
        this work, it is part of that one."""
        if self._open is not None and self._open is self._mine.get():
            yield
            return
        async with self._lock:
            this = object()
            self._open = this
            token = self._mine.set(this)
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await self.connection.execute("ROLLBACK")
                    raise
                await self.connection.execute("COMMIT")
            finally:
                self._open = None
                self._mine.reset(token)


def columns(row_type: type, prefix: str = "") -> str:
    """`a, b, c`: a row dataclass's fields as a column list, in order, each after `prefix`
    (a table's alias, such as `s.`)."""
    return ", ".join(prefix + f.name for f in fields(row_type))


def chunks(items: Iterable[str], size: int = 500) -> list[list[str]]:
    """`items` in lists of at most `size`: SQLite limits the parameters of one statement."""
    listed = list(items)
    return [listed[i : i + size] for i in range(0, len(listed), size)]


def marks(count: int) -> str:
    """`?, ?, ?` for `count` parameters."""
    return ", ".join("?" for _ in range(count))


class LruCache(dict):
    """A dict that forgets its oldest entries beyond `size`."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        super().pop(key, None)
        super().__setitem__(key, value)
        if len(self) > self.size:
            del self[next(iter(self))]
