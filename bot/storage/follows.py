"""Members following works in progress, to hear of new chapters by DM."""

from __future__ import annotations

from bot.storage.sql import Sql


class Follows:
    """The `follows` table."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    async def follow(self, user_id: int, story_id: str, guild_id: int, *, now: float) -> bool:
        """Follow a story; False when the member already did."""
        return await self._sql.changed(
            "INSERT INTO follows (user_id, story_id, guild_id, since) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, story_id) DO NOTHING", (user_id, story_id, guild_id, now)) > 0

    async def unfollow(self, user_id: int, story_id: str) -> bool:
        """Stop following; False when the member was not following it."""
        return await self._sql.changed(
            "DELETE FROM follows WHERE user_id = ? AND story_id = ?", (user_id, story_id)) > 0

    async def followers(self, story_id: str) -> list[int]:
        """Who follows a story, oldest follow first."""
        rows = await self._sql.fetch(
            "SELECT user_id FROM follows WHERE story_id = ? ORDER BY since, user_id",
            (story_id,))
        return [user_id for (user_id,) in rows]

    async def of_member(self, user_id: int) -> list[str]:
        """The stories a member follows."""
        rows = await self._sql.fetch(
            "SELECT story_id FROM follows WHERE user_id = ? ORDER BY since", (user_id,))
        return [story_id for (story_id,) in rows]

    async def delete(self, user_id: int) -> int:
        """Forget what a member follows; how many follows went."""
        return await self._sql.changed("DELETE FROM follows WHERE user_id = ?", (user_id,))
