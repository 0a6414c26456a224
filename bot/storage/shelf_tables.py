"""Database methods for bookmarks, reading stats and deleting a member's data.

Stats are per server: migration 0004 records reading activity per (server, member, story)
from public reading messages and keeps running totals, so these queries read a few indexed
rows however large a server is.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bookmark:
    id: int
    user_id: int
    story_id: str
    position: int
    anchor: str
    note: str
    created_at: float


@dataclass(frozen=True, slots=True)
class StoryTotal:
    story_id: str
    readers: int
    finished: int
    words_read: int


@dataclass(frozen=True, slots=True)
class ReaderTotal:
    user_id: int
    words_read: int
    stories_started: int
    stories_finished: int


@dataclass(frozen=True, slots=True)
class GuildStats:
    """A server's reading life: totals, most-read stories, top readers (opted-in only)."""

    started: int
    finished: int
    words_read: int
    stories: list[StoryTotal]
    readers: list[ReaderTotal]


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


_BOOKMARK_COLUMNS = "id, user_id, story_id, position, anchor, note, created_at"


class ShelfTables:
    """Mixed into `bot.database.Database`; uses its `_db` connection and `_fetch`."""

    # --- shelf ----------------------------------------------------------------------------

    async def shelf_count(self, user_id: int) -> int:
        """How many stories the member has progress in."""
        rows = await self._fetch("SELECT COUNT(*) FROM progress WHERE user_id = ?", (user_id,))
        return rows[0][0]

    async def reset_progress(self, user_id: int, story_id: str) -> tuple[int, int]:
        """Forget the member's place and bookmarks in one story: (progress, bookmarks) deleted.

        Server stats keep what was read: resetting a place does not unread it.
        """
        async def work() -> tuple[int, int]:
            progress = await self._delete(
                "DELETE FROM progress WHERE user_id = ? AND story_id = ?", (user_id, story_id))
            marks = await self._delete(
                "DELETE FROM bookmarks WHERE user_id = ? AND story_id = ?", (user_id, story_id))
            return progress, marks

        return await self._transaction(work)

    async def forget_member(self, user_id: int) -> Forgotten:
        """Delete every row about a member, in one transaction; say how many of each."""
        reading_ids = [row[0] for row in await self._fetch(
            "SELECT message_id FROM readings WHERE user_id = ?", (user_id,))]

        async def work() -> Forgotten:
            return Forgotten(
                progress=await self._delete("DELETE FROM progress WHERE user_id = ?",
                                            (user_id,)),
                bookmarks=await self._delete("DELETE FROM bookmarks WHERE user_id = ?",
                                             (user_id,)),
                stats=await self._forget_stats(user_id),
                readings=await self._delete("DELETE FROM readings WHERE user_id = ?",
                                            (user_id,)),
                optout=await self._delete("DELETE FROM stats_optouts WHERE user_id = ?",
                                          (user_id,)),
            )

        forgotten = await self._transaction(work)
        # The readings cache must not keep answering for messages whose rows are gone.
        for message_id in reading_ids:
            self._readings[message_id] = None
        for message_id, cached in list(self._readings.items()):
            if cached is not None and cached.user_id == user_id:
                self._readings[message_id] = None
        return forgotten

    async def _forget_stats(self, user_id: int) -> int:
        # Deleting from guild_reads runs its trigger, which takes the member's share out of
        # the story totals; the member's own totals rows then go as well.
        reads = await self._delete("DELETE FROM guild_reads WHERE user_id = ?", (user_id,))
        totals = await self._delete("DELETE FROM guild_member_totals WHERE user_id = ?",
                                    (user_id,))
        return reads + totals

    # --- bookmarks ------------------------------------------------------------------------

    async def add_bookmark(self, user_id: int, story_id: str, position: int, anchor: str,
                           note: str = "", *, now: float | None = None) -> Bookmark:
        """Save a bookmark at a plain-text offset and return it."""
        created = time.time() if now is None else now
        cursor = await self._db.execute(
            "INSERT INTO bookmarks (user_id, story_id, position, anchor, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, story_id, position, anchor, note, created),
        )
        bookmark_id = cursor.lastrowid
        await cursor.close()
        return Bookmark(bookmark_id, user_id, story_id, position, anchor, note, created)

    async def bookmarks(self, user_id: int, *, limit: int = 1000,
                        offset: int = 0) -> list[Bookmark]:
        """The member's bookmarks, newest first."""
        rows = await self._fetch(
            f"SELECT {_BOOKMARK_COLUMNS} FROM bookmarks WHERE user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [Bookmark(*row) for row in rows]

    async def bookmark_count(self, user_id: int) -> int:
        rows = await self._fetch("SELECT COUNT(*) FROM bookmarks WHERE user_id = ?", (user_id,))
        return rows[0][0]

    async def bookmark(self, user_id: int, bookmark_id: int) -> Bookmark | None:
        """One of the member's bookmarks; None for someone else's or a missing one."""
        rows = await self._fetch(
            f"SELECT {_BOOKMARK_COLUMNS} FROM bookmarks WHERE id = ? AND user_id = ?",
            (bookmark_id, user_id),
        )
        return Bookmark(*rows[0]) if rows else None

    async def remove_bookmark(self, user_id: int, bookmark_id: int) -> bool:
        """Delete one of the member's bookmarks; False when there was no such bookmark."""
        return bool(await self._delete(
            "DELETE FROM bookmarks WHERE id = ? AND user_id = ?", (bookmark_id, user_id)))

    # --- stats ----------------------------------------------------------------------------

    async def set_stats_optout(self, user_id: int, opted_out: bool) -> None:
        """Opt a member out of (or back into) stats everywhere.

        Opting out also deletes what was recorded, so the member can never be shown or
        counted; opting back in starts from nothing.
        """
        if not opted_out:
            await self._db.execute("DELETE FROM stats_optouts WHERE user_id = ?", (user_id,))
            return

        async def work() -> None:
            await self._db.execute(
                "INSERT INTO stats_optouts (user_id, created_at) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO NOTHING", (user_id, time.time()))
            await self._forget_stats(user_id)

        await self._transaction(work)

    async def stats_optout(self, user_id: int) -> bool:
        rows = await self._fetch("SELECT 1 FROM stats_optouts WHERE user_id = ?", (user_id,))
        return bool(rows)

    async def guild_stats(self, guild_id: int, *, top: int = 5) -> GuildStats:
        """A server's reading stats; opted-out members appear nowhere in them."""
        totals = await self._fetch(
            "SELECT COALESCE(SUM(readers), 0), COALESCE(SUM(finished), 0), "
            "COALESCE(SUM(words_read), 0) FROM guild_story_totals WHERE guild_id = ?",
            (guild_id,),
        )
        stories = await self._fetch(
            "SELECT story_id, readers, finished, words_read FROM guild_story_totals "
            "WHERE guild_id = ? AND readers > 0 "
            "ORDER BY readers DESC, finished DESC, story_id LIMIT ?",
            (guild_id, top),
        )
        # Opted-out members have no rows (opting out deletes them and stops recording);
        # the NOT EXISTS guards against a row written in between all the same.
        readers = await self._fetch(
            "SELECT t.user_id, t.words_read, t.stories_started, t.stories_finished "
            "FROM guild_member_totals AS t WHERE t.guild_id = ? AND t.words_read > 0 "
            "AND NOT EXISTS (SELECT 1 FROM stats_optouts AS o WHERE o.user_id = t.user_id) "
            "ORDER BY t.words_read DESC, t.stories_finished DESC LIMIT ?",
            (guild_id, top),
        )
        started, finished, words = totals[0]
        return GuildStats(
            started, finished, words,
            [StoryTotal(*row) for row in stories],
            [ReaderTotal(*row) for row in readers],
        )

    # --- helpers --------------------------------------------------------------------------

    async def _delete(self, sql: str, params: tuple) -> int:
        cursor = await self._db.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return max(count, 0)

    async def _transaction(self, work):
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            result = await work()
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        await self._db.execute("COMMIT")
        return result
