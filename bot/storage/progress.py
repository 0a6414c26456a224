"""Members' places in stories, and the messages that show story pages.

A page turn is one statement (migration 0002): the member's progress and the reading
message move together, so the two never disagree. On SQLite this process is the only
writer, so the message rows it has read or written are kept: a page turn needs one round
trip to the database thread, not three.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, replace

from bot.storage.sql import LruCache, Sql, columns


class Paging(enum.StrEnum):
    """How the pages of a public reading are turned."""

    REACTIONS = "reactions"
    BUTTONS = "buttons"
    BOTH = "both"

    @property
    def has_buttons(self) -> bool:
        return self is not Paging.REACTIONS

    @property
    def has_reactions(self) -> bool:
        return self is not Paging.BUTTONS


@dataclass(frozen=True, slots=True)
class Progress:
    """A member's place in one story, and what they have read of it."""

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
class PageMessage:
    """A message showing a story page, whose it is and how its pages turn."""

    message_id: int
    channel_id: int
    guild_id: int | None
    user_id: int
    story_id: str
    position: int
    controls: Paging

    def __post_init__(self) -> None:
        object.__setattr__(self, "controls", Paging(self.controls))


class PageMessages:
    """The `readings` table: which message shows which page of whose reading."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        # Processes sharing PostgreSQL each write rows (a reading's, or a member's being
        # forgotten) the others would not see in a cache: there every lookup reads the row.
        self._cache: LruCache[int, PageMessage | None] = LruCache(
            20_000 if sql.dialect == "sqlite" else 0)

    async def save(self, message: PageMessage, *, now: float | None = None) -> None:
        self._cache[message.message_id] = message
        await self._sql.execute(
            "INSERT INTO readings (message_id, channel_id, guild_id, user_id, story_id, "
            "position, controls, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (message_id) DO UPDATE SET channel_id = excluded.channel_id, "
            "guild_id = excluded.guild_id, user_id = excluded.user_id, "
            "story_id = excluded.story_id, position = excluded.position, "
            "controls = excluded.controls, created_at = excluded.created_at",
            (message.message_id, message.channel_id, message.guild_id, message.user_id,
             message.story_id, message.position, str(message.controls),
             time.time() if now is None else now),
        )

    async def get(self, message_id: int) -> PageMessage | None:
        """The reading shown on a message, or None (remembered too: ids are never reused)."""
        if message_id in self._cache:
            return self._cache[message_id]
        row = await self._sql.fetch_one(
            f"SELECT {columns(PageMessage)} FROM readings WHERE message_id = ?", (message_id,))
        message = PageMessage(*row) if row else None
        self._cache[message_id] = message
        return message

    async def delete(self, message_id: int) -> None:
        self._cache[message_id] = None
        await self._sql.execute("DELETE FROM readings WHERE message_id = ?", (message_id,))

    async def ids_of(self, user_id: int) -> list[int]:
        rows = await self._sql.fetch("SELECT message_id FROM readings WHERE user_id = ?",
                                     (user_id,))
        return [row[0] for row in rows]

    async def delete_member(self, user_id: int) -> int:
        """Delete a member's reading messages (inside the caller's transaction)."""
        return await self._sql.changed("DELETE FROM readings WHERE user_id = ?", (user_id,))

    def forget_cached(self, user_id: int, message_ids: list[int]) -> None:
        """After a member's rows are deleted, the cache must not keep answering for them."""
        for message_id in message_ids:
            self._cache[message_id] = None
        for message_id, cached in list(self._cache.items()):
            if cached is not None and cached.user_id == user_id:
                self._cache[message_id] = None

    def moved(self, message_id: int, position: int) -> None:
        """A page turn moved a message's page in the database: follow it here."""
        if (cached := self._cache.get(message_id)) is not None:
            self._cache[message_id] = replace(cached, position=position)


class ProgressRows:
    """The `progress` table: each member's place in each story."""

    def __init__(self, sql: Sql, messages: PageMessages) -> None:
        self._sql = sql
        self._messages = messages

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
        await self._sql.execute(
            "INSERT INTO page_turns (user_id, story_id, position, anchor, furthest, length, "
            "turned, words, now, finished_at, message_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, story_id, position, anchor, page_end, length, int(turned), words, now,
             now if finished else None, message_id),
        )
        if message_id is not None:
            self._messages.moved(message_id, position)

    async def get(self, user_id: int, story_id: str) -> Progress | None:
        row = await self._sql.fetch_one(
            f"SELECT {columns(Progress)} FROM progress WHERE user_id = ? AND story_id = ?",
            (user_id, story_id),
        )
        return Progress(*row) if row else None

    async def latest(self, user_id: int) -> Progress | None:
        """The story the member read last."""
        row = await self._sql.fetch_one(
            f"SELECT {columns(Progress)} FROM progress WHERE user_id = ? "
            "ORDER BY last_read_at DESC LIMIT 1",
            (user_id,),
        )
        return Progress(*row) if row else None

    async def shelf(self, user_id: int, *, limit: int = 1000, offset: int = 0) -> list[Progress]:
        """The member's stories, most recently read first."""
        rows = await self._sql.fetch(
            f"SELECT {columns(Progress)} FROM progress WHERE user_id = ? "
            "ORDER BY last_read_at DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [Progress(*row) for row in rows]

    async def count(self, user_id: int) -> int:
        """How many stories the member has progress in."""
        row = await self._sql.fetch_one("SELECT COUNT(*) FROM progress WHERE user_id = ?",
                                        (user_id,))
        return row[0] if row else 0

    async def delete(self, user_id: int, story_id: str | None = None) -> int:
        """Delete a member's place in one story, or in all (inside the caller's transaction)."""
        if story_id is None:
            return await self._sql.changed("DELETE FROM progress WHERE user_id = ?", (user_id,))
        return await self._sql.changed(
            "DELETE FROM progress WHERE user_id = ? AND story_id = ?", (user_id, story_id))
