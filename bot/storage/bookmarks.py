"""Bookmarks: places a member chose to keep, with an optional note."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.storage.sql import Sql, columns, is_row_id


@dataclass(frozen=True, slots=True)
class Bookmark:
    id: int
    user_id: int
    story_id: str
    position: int
    anchor: str
    note: str
    created_at: float


class Bookmarks:
    """The `bookmarks` table."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    async def add(self, user_id: int, story_id: str, position: int, anchor: str,
                  note: str = "", *, now: float | None = None) -> Bookmark:
        """Save a bookmark at a plain-text offset and return it."""
        created = time.time() if now is None else now
        bookmark_id = await self._sql.insert(
            "INSERT INTO bookmarks (user_id, story_id, position, anchor, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, story_id, position, anchor, note, created),
        )
        return Bookmark(bookmark_id, user_id, story_id, position, anchor, note, created)

    async def list(self, user_id: int, *, limit: int = 1000, offset: int = 0) -> list[Bookmark]:
        """The member's bookmarks, newest first."""
        rows = await self._sql.fetch(
            f"SELECT {columns(Bookmark)} FROM bookmarks WHERE user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [Bookmark(*row) for row in rows]

    async def count(self, user_id: int) -> int:
        row = await self._sql.fetch_one("SELECT COUNT(*) FROM bookmarks WHERE user_id = ?",
                                        (user_id,))
        return row[0] if row else 0

    async def get(self, user_id: int, bookmark_id: int) -> Bookmark | None:
        """One of the member's bookmarks; None for someone else's or a missing one."""
        if not is_row_id(bookmark_id):
            return None
        row = await self._sql.fetch_one(
            f"SELECT {columns(Bookmark)} FROM bookmarks WHERE id = ? AND user_id = ?",
            (bookmark_id, user_id),
        )
        return Bookmark(*row) if row else None

    async def remove(self, user_id: int, bookmark_id: int) -> bool:
        """Delete one of the member's bookmarks; False when there was no such bookmark."""
        if not is_row_id(bookmark_id):
            return False
        return bool(await self._sql.changed(
            "DELETE FROM bookmarks WHERE id = ? AND user_id = ?", (bookmark_id, user_id)))

    async def delete(self, user_id: int, story_id: str | None = None) -> int:
        """Delete a member's bookmarks in one story, or in all (inside a transaction)."""
        if story_id is None:
            return await self._sql.changed("DELETE FROM bookmarks WHERE user_id = ?",
                                           (user_id,))
        return await self._sql.changed(
            "DELETE FROM bookmarks WHERE user_id = ? AND story_id = ?", (user_id, story_id))
