"""The bot's database: SQLite or PostgreSQL, numbered migrations, a repository per table group.

Only the repositories write SQL, the same for both databases (`bot.storage.postgres` says
how it runs on PostgreSQL). Schema changes are files in `migrations/` (SQLite) and
`migrations/postgresql/`, named `NNNN_what.sql` with the same number in each, applied in
order in one transaction, with the schema version kept in the database itself (`PRAGMA
user_version`; the `storybot_schema` table on PostgreSQL). SQLite runs in WAL mode with
`synchronous=NORMAL`: a committed page turn survives the process being killed.

Opening checks the file before the bot relies on it: a file that is not a database, one
written by a newer storybot, or one the bot cannot write is refused with
`DatabaseUnusable`, whose message says what to do, and the file is left as it was.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import asyncpg

from bot.storage import postgres
from bot.storage.bookmarks import Bookmarks
from bot.storage.follows import Follows
from bot.storage.progress import PageMessages, ProgressRows
from bot.storage.quotes import Quotes
from bot.storage.search import SearchRows
from bot.storage.server_stories import ServerStories
from bot.storage.settings import Settings
from bot.storage.sql import Sql
from bot.storage.stats import Stats
from bot.storage.stories import StoryStore
from bot.storage.turns import RequestTurns

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseUnusable(Exception):
    """The database cannot be used as it is; the message names the file and what to do."""


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many rows about a member `forget_member` deleted, by kind."""

    progress: int = 0
    bookmarks: int = 0
    stats: int = 0
    readings: int = 0
    optout: int = 0
    follows: int = 0

    @property
    def total(self) -> int:
        return (self.progress + self.bookmarks + self.stats + self.readings + self.optout
                + self.follows)


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
    `settings` (per server), `stats`, `quotes` (schedules and what was posted),
    `stories` (the story store: each file's parsed form), `server_stories` (stories servers
    added from Discord), `follows` (members hearing of new chapters), `turns` (when the
    next request to AO3 may start) and `search` (the search index).
    """

    def __init__(self, sql: Sql | postgres.PgSql) -> None:
        self._sql = sql
        self._open = True
        self.messages = PageMessages(self._sql)
        self.progress = ProgressRows(self._sql, self.messages)
        self.bookmarks = Bookmarks(self._sql)
        self.settings = Settings(self._sql)
        self.stats = Stats(self._sql)
        self.quotes = Quotes(self._sql)
        self.stories = StoryStore(self._sql)
        self.server_stories = ServerStories(self._sql, self.stories)
        self.follows = Follows(self._sql)
        self.turns = RequestTurns(self._sql)
        if isinstance(sql, postgres.PgSql):
            from bot.storage.pg_search import PgSearchRows
            self.search: SearchRows | PgSearchRows = PgSearchRows(sql)
        else:
            self.search = SearchRows(sql)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._sql.dialect

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating it and its folders if needed), check and migrate the database:
        a SQLite file, or a PostgreSQL server given by its `postgresql://` URL.

        Raises `DatabaseUnusable` when the file is not a SQLite database, was written by a
        newer storybot or cannot be written, or the server cannot be used; the first two are
        left exactly as they were.
        """
        if postgres.is_url(path):
            return await cls._open_postgres(str(path))
        try:
            if str(path) != ":memory:":
                _make_folder(Path(path))
                # When connecting fails, aiosqlite's thread finishes only after the event
                # loop has closed, with a traceback: a file that cannot be opened is found
                # here instead.
                sqlite3.connect(path).close()
            connection = await aiosqlite.connect(str(path), isolation_level=None)
            try:
                database = cls(Sql(connection))
                await database._prepare(path)
            except BaseException:
                # aiosqlite's worker thread would otherwise keep the process from exiting.
                await connection.close()
                raise
        except sqlite3.Error as exc:
            unusable = _unusable(path, exc)
            if unusable is None:
                raise
            raise unusable from exc
        return database

    @classmethod
    async def _open_postgres(cls, url: str) -> Database:
        try:
            pool = await postgres.open_pool(url)
        except (OSError, asyncpg.PostgresError) as exc:
            raise DatabaseUnusable(
                f"the PostgreSQL server at {postgres.shown(url)} cannot be used ({exc}): "
                "check that it is running and that DATABASE_URL names it, its database and "
                "a user who may create tables there."
            ) from exc
        database = cls(postgres.PgSql(pool, url))
        try:
            encoding, ctype = await postgres.encoding(database._sql)
            if encoding != "UTF8":
                raise DatabaseUnusable(
                    f"the database at {postgres.shown(url)} stores text as {encoding}, which "
                    "cannot hold every story: create it with UTF-8 (createdb -E UTF8 "
                    "-T template0 …) and point DATABASE_URL at it.")
            if "utf8" not in ctype.lower().replace("-", ""):
                log.warning("The database's character type is %s, not a UTF-8 locale: search "
                            "folds case and splits words only for ASCII there", ctype)
            version = await postgres.schema_version(database._sql)
            await database._refuse_newer(version, postgres.shown(url), "DATABASE_URL")
            pending = [m for m in migrations(postgres.MIGRATIONS) if m[0] > version]
            if pending:
                await postgres.migrate(database._sql, pending)
        except BaseException:
            await pool.close()
            raise
        return database

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        if self._open:
            self._open = False
            await self.search.close()
            await self._sql.close()

    async def notify(self, topic: str) -> None:
        """Tell the other bot processes sharing this database that `topic` changed (such as
        the library, or one server's stories). SQLite has one process: nobody to tell."""
        await self._sql.notify(topic)

    async def listen(self, heard: postgres.Heard) -> None:
        """Have `heard(topic)` called for every other process's `notify`."""
        await self._sql.listen(heard)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Statements on any repository inside commit together or not at all."""
        async with self._sql.transaction():
            yield

    async def _prepare(self, path: Path | str) -> None:
        await self._refuse_a_newer_schema(path)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000",
                       "foreign_keys=ON"):
            # Read each answer so no statement is left open when migrations commit.
            async with self._sql.connection.execute(f"PRAGMA {pragma}") as cursor:
                await cursor.fetchall()
        await self._migrate()
        await self._check_writable()

    async def _refuse_a_newer_schema(self, path: Path | str) -> None:
        # Only reads: a newer storybot's file must stay exactly as it was.
        await self._refuse_newer(await self.schema_version(), path, "DATABASE_PATH")

    async def _refuse_newer(self, version: int, where: object, setting: str) -> None:
        folder = postgres.MIGRATIONS if self.dialect == "postgresql" else MIGRATIONS
        known = migrations(folder)[-1][0]
        if version > known:
            raise DatabaseUnusable(
                f"{where} was written by a newer storybot (schema {version}; this one knows "
                f"{known}): upgrade storybot, or point {setting} at another "
                f"{'database' if self.dialect == 'postgresql' else 'file'}."
            )

    async def _check_writable(self) -> None:
        # A write that is rolled back: a read-only file, or a folder where the WAL cannot be
        # created, is refused at start-up instead of failing every page turn later.
        version = await self.schema_version()
        connection = self._sql.connection
        await connection.execute("BEGIN IMMEDIATE")
        try:
            await connection.execute(f"PRAGMA user_version = {version}")
        finally:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")

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
        if isinstance(self._sql, postgres.PgSql):
            return await postgres.schema_version(self._sql)
        row = await self._sql.fetch_one("PRAGMA user_version")
        return row[0] if row else 0

    async def integrity_check(self) -> str:
        """SQLite's `ok`, or what is wrong; PostgreSQL checks its own pages as it reads."""
        if isinstance(self._sql, postgres.PgSql):
            return "ok"
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
                follows=await self.follows.delete(user_id),
            )
        self.messages.forget_cached(user_id, message_ids)
        return forgotten


def _make_folder(path: Path) -> None:
    """Create the folders `path` needs, or say why they cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (path.parent, *path.parent.parents) if p.is_file()), None)
        if blocker is not None:
            raise DatabaseUnusable(
                f"{path} cannot be created: {blocker} is a file, not a folder. Point "
                "DATABASE_PATH at a file in a folder, or move that file aside."
            ) from exc
        raise DatabaseUnusable(
            f"the folder {path.parent} cannot be created ({exc.strerror}): create it and "
            "make it writable by the bot's user, or point DATABASE_PATH elsewhere."
        ) from exc


def _unusable(path: Path | str, exc: sqlite3.Error) -> DatabaseUnusable | None:
    """What an error from SQLite means for whoever runs the bot, when it is about the file."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return DatabaseUnusable(
            f"{path} is not a SQLite database (or is damaged), and has been left as it is. "
            "Restore it from a backup, or move it aside to start an empty database, or point "
            "DATABASE_PATH at another file."
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return DatabaseUnusable(
            f"{path} cannot be written ({exc}): make {path} and its folder writable by the "
            "bot's user."
        )
    if code == sqlite3.SQLITE_FULL:
        return DatabaseUnusable(f"the disk holding {path} is full: free some space on it.")
    return None
