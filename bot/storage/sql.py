"""The one connection every repository shares, and the helpers around it.

SQLite through aiosqlite in autocommit mode: each statement commits on its own, and
`transaction()` groups several into one. Placeholders are `?`; a repository for another
database would bring its own `Sql` with the same methods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import fields

import aiosqlite

#: Row ids are 64-bit signed integers in SQLite and PostgreSQL alike.
ROW_ID_MAX = 2**63 - 1


def is_row_id(value: int) -> bool:
    """Whether `value` can name a row: an id read from a member or a control can be anything."""
    return 0 < value <= ROW_ID_MAX


class Sql:
    """Runs statements on the connection; rows come back as tuples."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def fetch(self, sql: str, params: tuple = ()) -> list[tuple]:
        return list(await self.connection.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: tuple = ()) -> tuple | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: tuple = ()) -> None:
        await self.connection.execute(sql, params)

    async def changed(self, sql: str, params: tuple = ()) -> int:
        """Run an UPDATE or DELETE; how many rows it changed."""
        cursor = await self.connection.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return max(count, 0)

    async def insert(self, sql: str, params: tuple = ()) -> int:
        """Run an INSERT; the new row's id."""
        cursor = await self.connection.execute(sql, params)
        row_id = cursor.lastrowid
        await cursor.close()
        return int(row_id or 0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Everything inside commits together or not at all."""
        await self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            await self.connection.execute("ROLLBACK")
            raise
        await self.connection.execute("COMMIT")


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
