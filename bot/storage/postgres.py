"""PostgreSQL through asyncpg: the same methods as `Sql`, on a pool of connections.

`DATABASE_URL=postgresql://…` selects it. The repositories write one SQL for both
databases: `?` placeholders become `$1, $2…` here, once per statement text, and an INSERT
asked for its new row's id returns it (`RETURNING id`). What differs between the two is in
the migrations (`migrations/postgresql/`) and the search index (`pg_search`).

Several processes share the database, so statements outside a transaction run at once on
the pool's connections. A transaction holds one connection and, first of all, a
transaction-level advisory lock: transactions run one at a time across every process, as
SQLite's writers do, so a repository's check-then-write inside one sees no other
transaction's writes half-way.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "postgresql"
#: The advisory lock every transaction takes (`pg_advisory_xact_lock`), and migrations
#: (`pg_advisory_lock`): two numbers no other application is likely to use.
TRANSACTION_LOCK = 0x5709_B07
MIGRATION_LOCK = 0x5709_B08
#: Connections one process keeps to the server at most: the bench (bench/database.py)
#: finds more give nothing on two cores.
POOL_SIZE = 10
#: The longest a statement may run, in milliseconds, before the server stops it.
STATEMENT_TIMEOUT_MS = 60_000


def is_url(target: object) -> bool:
    """Whether a database setting names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and re.match(r"postgres(ql)?://", target) is not None


def shown(url: str) -> str:
    """A database URL fit for a message or a log: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def numbered(sql: str) -> str:
    """`sql` with each `?` outside quotes as `$1`, `$2`… in order."""
    out: list[str] = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        elif char == "?" and not quoted:
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


def _count(status: str) -> int:
    """The row count at the end of a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


#: The `LISTEN`/`NOTIFY` channel processes tell each other what changed on.
CHANNEL = "storybot"

#: What a process hears after notices may have been missed: everything may have changed.
EVERYTHING = "everything"

Heard = Callable[[str], Awaitable[None]]


class PgSql:
    """Runs statements on a pool; rows come back as tuples."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str = "") -> None:
        self.pool = pool
        self.url = url
        #: Tells this process's notices from others' on the shared channel.
        self.origin = uuid.uuid4().hex
        self._listener: asyncpg.Connection | None = None
        self._heard: Heard | None = None
        self._handling: set[asyncio.Task] = set()
        self._texts: dict[str, str] = {}
        self._mine: contextvars.ContextVar[asyncpg.Connection | None] = (
            contextvars.ContextVar("pg_transaction", default=None))

    def _text(self, sql: str) -> str:
        text = self._texts.get(sql)
        if text is None:
            text = self._texts[sql] = numbered(sql)
        return text

    @property
    def in_transaction(self) -> bool:
        """Whether this work has a transaction open."""
        return self._mine.get() is not None

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()
        await self.pool.close()

    # --- between processes ------------------------------------------------------------------

    async def notify(self, topic: str) -> None:
        """Tell every other process sharing the database that `topic` changed. Sent inside
        a transaction, the notice goes out when it commits, and not at all if it does not."""
        await self.execute("SELECT pg_notify(?, ?)", (CHANNEL, f"{self.origin} {topic}"))

    async def listen(self, heard: Heard) -> None:
        """Call `heard(topic)` for each notice of another process, on a connection of its
        own (a pool's connections come and go; a listener must stay). When that connection
        is lost it is opened again, waiting longer each time, and `heard(EVERYTHING)` says
        that notices may have been missed meanwhile."""
        self._heard = heard
        if self._listener is None:
            await self._connect_listener()

    async def _connect_listener(self) -> None:
        listener = await asyncpg.connect(self.url)
        await listener.add_listener(CHANNEL, self._notice)
        listener.add_termination_listener(self._lost)
        self._listener = listener

    def _lost(self, _connection: object) -> None:
        if self._listener is None:
            return  # closed on purpose
        self._listener = None
        log.warning("Lost the connection hearing other processes; opening it again")
        self._track(asyncio.get_running_loop().create_task(self._reconnect()))

    async def _reconnect(self) -> None:
        wait = 1.0
        while not self.pool.is_closing():
            try:
                await self._connect_listener()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("Cannot hear other processes yet (%s); trying again in %.0f s",
                            exc, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, 60.0)
                continue
            if self._heard is not None:
                await self._hear(EVERYTHING)
            return

    def _track(self, task: asyncio.Task) -> None:
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    def _notice(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        origin, _, topic = payload.partition(" ")
        if origin == self.origin or self._heard is None:
            return
        self._track(asyncio.get_running_loop().create_task(self._hear(topic)))

    async def _hear(self, topic: str) -> None:
        try:
            await self._heard(topic)
        except Exception:
            log.exception("Acting on another process's notice %r failed", topic)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        mine = self._mine.get()
        if mine is not None:
            yield mine
            return
        async with self.pool.acquire() as connection:
            yield connection

    async def fetch(self, sql: str, params: tuple = ()) -> list[tuple]:
        async with self._connection() as connection:
            rows = await connection.fetch(self._text(sql), *params)
        return [tuple(row) for row in rows]

    async def fetch_one(self, sql: str, params: tuple = ()) -> tuple | None:
        async with self._connection() as connection:
            row = await connection.fetchrow(self._text(sql), *params)
        return tuple(row) if row is not None else None

    async def execute(self, sql: str, params: tuple = ()) -> None:
        async with self._connection() as connection:
            await connection.execute(self._text(sql), *params)

    async def changed(self, sql: str, params: tuple = ()) -> int:
        """Run an UPDATE, DELETE or INSERT; how many rows it changed."""
        async with self._connection() as connection:
            return _count(await connection.execute(self._text(sql), *params))

    async def insert(self, sql: str, params: tuple = ()) -> int:
        """Run an INSERT into a table with an `id` column; the new row's id."""
        async with self._connection() as connection:
            return int(await connection.fetchval(self._text(sql + " RETURNING id"), *params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Everything inside commits together or not at all. Inside one already open for
        this work, it is part of that one."""
        if self._mine.get() is not None:
            yield
            return
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", TRANSACTION_LOCK)
            token = self._mine.set(connection)
            try:
                yield
            finally:
                self._mine.reset(token)


async def open_pool(url: str) -> asyncpg.Pool:
    """A pool on the server at `url`; the server not answering raises `OSError` or
    `asyncpg.PostgresError`.

    A statement running past a minute is stopped by the server (`statement_timeout`)
    rather than by a timer asyncpg would set and cancel around every statement; prepared
    statements and idle connections are kept without an expiry timer either (the pool is
    small). A page turn then sets no timer at all.
    """
    return await asyncpg.create_pool(
        url, min_size=1, max_size=POOL_SIZE, max_cached_statement_lifetime=0,
        max_inactive_connection_lifetime=0,
        server_settings={"statement_timeout": str(STATEMENT_TIMEOUT_MS)})


async def encoding(sql: PgSql) -> tuple[str, str]:
    """The database's text encoding (`UTF8`…) and character type (locale, such as
    `C.UTF-8`): the first decides what text it can hold, the second how search splits
    words and folds case outside ASCII."""
    row = await sql.fetch_one(
        "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database "
        "WHERE datname = current_database()")
    return (row[0], row[1]) if row else ("", "")


async def schema_version(sql: PgSql) -> int:
    row = await sql.fetch_one(
        "SELECT to_regclass('storybot_schema') IS NOT NULL")
    if not row or not row[0]:
        return 0
    row = await sql.fetch_one("SELECT version FROM storybot_schema")
    return int(row[0]) if row else 0


async def migrate(sql: PgSql, pending: list[tuple[int, str, str]]) -> None:
    """Apply `pending` migrations in one transaction, one process at a time."""
    async with sql.pool.acquire() as connection:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            # Another process may have migrated while this one waited for the lock.
            version = await schema_version(sql)
            todo = [m for m in pending if m[0] > version]
            if not todo:
                return
            async with connection.transaction():
                for _, _, script in todo:
                    await connection.execute(script)
                await connection.execute(
                    "CREATE TABLE IF NOT EXISTS storybot_schema (version INTEGER NOT NULL)")
                await connection.execute("DELETE FROM storybot_schema")
                await connection.execute("INSERT INTO storybot_schema VALUES ($1)", todo[-1][0])
            log.info("Database migrated from version %d to %d", version, todo[-1][0])
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
