"""Reading stats per server, and members' opt-outs from them.

Migration 0004 records reading activity per (server, member, story) from public reading
messages and keeps running totals, so these queries read a few indexed rows however large a
server is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.sql import Sql


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


class Stats:
    """The stats tables (`guild_reads` and its totals) and `stats_optouts`."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    async def set_optout(self, user_id: int, opted_out: bool) -> None:
        """Opt a member out of (or back into) stats everywhere.

        Opting out also deletes what was recorded, so the member can never be shown or
        counted; opting back in starts from nothing.
        """
        if not opted_out:
            await self._sql.execute("DELETE FROM stats_optouts WHERE user_id = ?", (user_id,))
            return
        async with self._sql.transaction():
            await self._sql.execute(
                "INSERT INTO stats_optouts (user_id, created_at) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO NOTHING", (user_id, time.time()))
            await self.delete_member(user_id)

    async def optout(self, user_id: int) -> bool:
        return bool(await self._sql.fetch("SELECT 1 FROM stats_optouts WHERE user_id = ?",
                                          (user_id,)))

    async def delete_member(self, user_id: int) -> int:
        """Delete what was recorded about a member (inside the caller's transaction)."""
        # Deleting from guild_reads runs its trigger, which takes the member's share out of
        # the story totals; the member's own totals rows then go as well.
        reads = await self._sql.changed("DELETE FROM guild_reads WHERE user_id = ?", (user_id,))
        totals = await self._sql.changed("DELETE FROM guild_member_totals WHERE user_id = ?",
                                         (user_id,))
        return reads + totals

    async def delete_optout(self, user_id: int) -> int:
        return await self._sql.changed("DELETE FROM stats_optouts WHERE user_id = ?",
                                       (user_id,))

    async def guild(self, guild_id: int, *, top: int = 5) -> GuildStats:
        """A server's reading stats; opted-out members appear nowhere in them."""
        totals = await self._sql.fetch_one(
            "SELECT CAST(COALESCE(SUM(readers), 0) AS BIGINT), "
            "CAST(COALESCE(SUM(finished), 0) AS BIGINT), "
            "CAST(COALESCE(SUM(words_read), 0) AS BIGINT) FROM guild_story_totals "
            "WHERE guild_id = ?",
            (guild_id,),
        )
        stories = await self._sql.fetch(
            "SELECT story_id, readers, finished, words_read FROM guild_story_totals "
            "WHERE guild_id = ? AND readers > 0 "
            "ORDER BY readers DESC, finished DESC, story_id LIMIT ?",
            (guild_id, top),
        )
        # Opted-out members have no rows (opting out deletes them and stops recording);
        # the NOT EXISTS guards against a row written in between all the same.
        readers = await self._sql.fetch(
            "SELECT t.user_id, t.words_read, t.stories_started, t.stories_finished "
            "FROM guild_member_totals AS t WHERE t.guild_id = ? AND t.words_read > 0 "
            "AND NOT EXISTS (SELECT 1 FROM stats_optouts AS o WHERE o.user_id = t.user_id) "
            "ORDER BY t.words_read DESC, t.stories_finished DESC LIMIT ?",
            (guild_id, top),
        )
        started, finished, words = totals or (0, 0, 0)
        return GuildStats(started, finished, words, [StoryTotal(*row) for row in stories],
                          [ReaderTotal(*row) for row in readers])
