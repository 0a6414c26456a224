"""The bot's SQLite database: one class, typed methods, numbered migrations.

Cogs never write SQL; they call these methods. Schema changes are files in `migrations/`
named `NNNN_what.sql`, applied in order in one transaction, with the schema version kept in
the database itself (`PRAGMA user_version`). The database runs in WAL mode with
`synchronous=NORMAL`: a committed page turn survives the process being killed.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import aiosqlite

from bot.reading.pages import Gate
from bot.storage.quote_tables import QuoteTables
from bot.storage.shelf_tables import ShelfTables

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PAGING_CHOICES = ("reactions", "buttons", "both")


@dataclass(frozen=True, slots=True)
class Progress:
    user_id: int
    story_id: str
    position: int
    anchor: str
    furthest: int
    length: int
    pages_turned: int
    words_read: int
    started_at: float
    last_read_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class Reading:
    """A message showing a story page, and whose it is."""

    message_id: int
    channel_id: int
    guild_id: int | None
    user_id: int
    story_id: str
    position: int
    controls: str


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    paging: str = "reactions"
    club_mode: bool = False
    age_threshold: str = "Mature"
    stats_enabled: bool = True
    not_rated_open: bool = False  # Not Rated stories open in ordinary channels

    @property
    def gate(self) -> Gate:
        """The server's age-gating rules."""
        return Gate(self.age_threshold, self.not_rated_open)


def _columns(cls: type) -> str:
    return ", ".join(f.name for f in fields(cls))


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


class Database(QuoteTables, ShelfTables):
    """Typed access to the bot's tables. Create with `await Database.open(path)`.

    Reading tables are here; each later feature's tables have their methods in a module of
    their own (`bot/store_*.py`), mixed in, sharing this connection and caches.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db: aiosqlite.Connection = connection
        # This process is the only writer, so rows it has read or written can be kept:
        # a page turn then needs one round trip to the database thread, not three.
        self._readings: _Cache[int, Reading | None] = _Cache(20_000)
        self._settings: _Cache[int, GuildSettings] = _Cache(5_000)

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
        if self._db is not None:
            connection, self._db = self._db, None
            await connection.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        pending = [m for m in migrations() if m[0] > version]
        if not pending:
            return
        script = "\n".join(sql for _, _, sql in pending)
        target = pending[-1][0]
        try:
            await self._db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
            )
        except Exception:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
            raise
        log.info("Database migrated from version %d to %d", version, target)

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        return version

    async def integrity_check(self) -> str:
        async with self._db.execute("PRAGMA integrity_check") as cursor:
            (result,) = await cursor.fetchone()
        return result

    # --- progress -------------------------------------------------------------------------

    async def record_page(
        self,
        user_id: int,
        story_id: str,
        *,
        position: int,
        anchor: str,
        page_end: int,
        length: int,
        words: int = 0,
        turned: bool = True,
        finished: bool = False,
        message_id: int | None = None,
        now: float | None = None,
    ) -> None:
        """Save that a member is looking at the page starting at `position`.

        `turned` counts a page turn; `words` is what that turn read (0 for jumps). When
        `message_id` is given, the reading message moves to the same page in the same
        statement (see migration 0002), so the two never disagree.
        """
        now = time.time() if now is None else now
        await self._db.execute(
            "INSERT INTO page_turns (user_id, story_id, position, anchor, furthest, length, "
            "turned, words, now, finished_at, message_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, story_id, position, anchor, page_end, length, int(turned), words, now,
             now if finished else None, message_id),
        )
        if message_id is not None and (cached := self._readings.get(message_id)):
            self._readings[message_id] = replace(cached, position=position)

    async def progress(self, user_id: int, story_id: str) -> Progress | None:
        rows = await self._fetch(
            f"SELECT {_columns(Progress)} FROM progress WHERE user_id = ? AND story_id = ?",
            (user_id, story_id),
        )
        return Progress(*rows[0]) if rows else None

    async def latest_progress(self, user_id: int) -> Progress | None:
        """The story the member read last."""
        rows = await self._fetch(
            f"SELECT {_columns(Progress)} FROM progress WHERE user_id = ? "
            "ORDER BY last_read_at DESC LIMIT 1",
            (user_id,),
        )
        return Progress(*rows[0]) if rows else None

    async def shelf(self, user_id: int, *, limit: int = 1000, offset: int = 0) -> list[Progress]:
        """The member's stories, most recently read first."""
        rows = await self._fetch(
            f"SELECT {_columns(Progress)} FROM progress WHERE user_id = ? "
            "ORDER BY last_read_at DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [Progress(*row) for row in rows]

    # --- reading messages -----------------------------------------------------------------

    async def save_reading(self, reading: Reading, *, now: float | None = None) -> None:
        self._readings[reading.message_id] = reading
        await self._db.execute(
            "INSERT OR REPLACE INTO readings (message_id, channel_id, guild_id, user_id, "
            "story_id, position, controls, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (reading.message_id, reading.channel_id, reading.guild_id, reading.user_id,
             reading.story_id, reading.position, reading.controls,
             time.time() if now is None else now),
        )

    async def reading(self, message_id: int) -> Reading | None:
        """The reading shown on a message, or None (remembered too: ids are never reused)."""
        if message_id in self._readings:
            return self._readings[message_id]
        rows = await self._fetch(
            f"SELECT {_columns(Reading)} FROM readings WHERE message_id = ?", (message_id,)
        )
        reading = Reading(*rows[0]) if rows else None
        self._readings[message_id] = reading
        return reading

    async def delete_reading(self, message_id: int) -> None:
        self._readings[message_id] = None
        await self._db.execute("DELETE FROM readings WHERE message_id = ?", (message_id,))

    # --- settings -------------------------------------------------------------------------

    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        """A server's settings; the defaults for DMs and servers that changed nothing."""
        if guild_id is None:
            return GuildSettings(0)
        if (cached := self._settings.get(guild_id)) is not None:
            return cached
        rows = await self._fetch(
            f"SELECT {_columns(GuildSettings)} FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        if rows:
            gid, paging, club, threshold, stats, not_rated_open = rows[0]
            settings = GuildSettings(gid, paging, bool(club), threshold, bool(stats),
                                     bool(not_rated_open))
        else:
            settings = GuildSettings(guild_id)
        self._settings[guild_id] = settings
        return settings

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some of a server's settings; unknown names are a programming error."""
        allowed = {f.name for f in fields(GuildSettings)} - {"guild_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if changes:
            names = ", ".join(changes)
            marks = ", ".join("?" for _ in changes)
            updates = ", ".join(f"{name} = excluded.{name}" for name in changes)
            await self._db.execute(
                f"INSERT INTO guild_settings (guild_id, {names}) VALUES (?, {marks}) "
                f"ON CONFLICT (guild_id) DO UPDATE SET {updates}",
                (guild_id, *(int(v) if isinstance(v, bool) else v for v in changes.values())),
            )
            self._settings.pop(guild_id, None)
        return await self.guild_settings(guild_id)

    # --- helpers --------------------------------------------------------------------------

    async def _fetch(self, sql: str, params: tuple = ()) -> list[tuple]:
        return list(await self._db.execute_fetchall(sql, params))


class _Cache(dict):
    """A dict that forgets its oldest entries beyond `size`."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key, value) -> None:
        super().pop(key, None)
        super().__setitem__(key, value)
        if len(self) > self.size:
            del self[next(iter(self))]
