"""Database methods for quote schedules and the quotes a server has seen."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.quotes.schedules import Schedule

_COLUMNS = ("id, guild_id, channel_id, time, timezone, every, story_id, next_run, "
            "paused_reason, created_by, created_at")


def _schedule(row: tuple) -> Schedule:
    values = list(row)
    values[7] = datetime.fromtimestamp(values[7], UTC)
    return Schedule(*values)


class QuoteTables:
    """Mixed into `bot.database.Database`; uses its `_db` connection and `_fetch`."""

    async def add_schedule(self, *, guild_id: int, channel_id: int, time_of_day: str,
                           timezone: str, every: str, story_id: str | None,
                           next_run: datetime, created_by: int,
                           now: float | None = None) -> Schedule:
        """Store a new schedule and return it with its id."""
        cursor = await self._db.execute(
            "INSERT INTO quote_schedules (guild_id, channel_id, time, timezone, every, "
            "story_id, next_run, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, time_of_day, timezone, every, story_id,
             next_run.timestamp(), created_by, time.time() if now is None else now),
        )
        schedule_id = cursor.lastrowid
        await cursor.close()
        found = await self.schedule(schedule_id)
        assert found is not None
        return found

    async def schedule(self, schedule_id: int) -> Schedule | None:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM quote_schedules WHERE id = ?", (schedule_id,))
        return _schedule(rows[0]) if rows else None

    async def schedules(self, guild_id: int) -> list[Schedule]:
        """A server's schedules, oldest first."""
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM quote_schedules WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_schedule(row) for row in rows]

    async def delete_schedule(self, guild_id: int, schedule_id: int) -> bool:
        """Remove a server's schedule; False when it has no schedule with that id."""
        cursor = await self._db.execute(
            "DELETE FROM quote_schedules WHERE id = ? AND guild_id = ?", (schedule_id, guild_id))
        deleted = cursor.rowcount > 0
        await cursor.close()
        return deleted

    async def due_schedules(self, now: datetime, limit: int = 100) -> list[Schedule]:
        """Active schedules whose next run is at or before `now`, earliest first."""
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM quote_schedules "
            "WHERE paused_reason IS NULL AND next_run <= ? ORDER BY next_run LIMIT ?",
            (now.timestamp(), limit),
        )
        return [_schedule(row) for row in rows]

    async def next_schedule_run(self) -> datetime | None:
        """The earliest next run of any active schedule (one index lookup)."""
        rows = await self._fetch(
            "SELECT MIN(next_run) FROM quote_schedules WHERE paused_reason IS NULL")
        value = rows[0][0] if rows else None
        return None if value is None else datetime.fromtimestamp(value, UTC)

    async def set_next_run(self, schedule_id: int, next_run: datetime) -> None:
        await self._db.execute("UPDATE quote_schedules SET next_run = ? WHERE id = ?",
                               (next_run.timestamp(), schedule_id))

    async def pause_schedule(self, schedule_id: int, reason: str) -> None:
        await self._db.execute("UPDATE quote_schedules SET paused_reason = ? WHERE id = ?",
                               (reason, schedule_id))

    async def resume_schedule(self, schedule_id: int, next_run: datetime) -> None:
        await self._db.execute(
            "UPDATE quote_schedules SET paused_reason = NULL, next_run = ? WHERE id = ?",
            (next_run.timestamp(), schedule_id))

    async def record_posted_quote(self, guild_id: int, story_id: str, quote_id: str,
                                  now: float | None = None) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO posted_quotes (guild_id, story_id, quote_id, posted_at) "
            "VALUES (?, ?, ?, ?)",
            (guild_id, story_id, quote_id, time.time() if now is None else now),
        )

    async def posted_quote_ids(self, guild_id: int, story_ids: Iterable[str]) -> set[str]:
        """Ids of the quotes already posted in a server from these stories."""
        found: set[str] = set()
        for chunk in _chunks(list(story_ids)):
            marks = ", ".join("?" for _ in chunk)
            rows = await self._fetch(
                f"SELECT quote_id FROM posted_quotes WHERE guild_id = ? AND story_id IN ({marks})",
                (guild_id, *chunk),
            )
            found.update(row[0] for row in rows)
        return found

    async def clear_posted_quotes(self, guild_id: int, story_ids: Iterable[str]) -> None:
        """Forget what a server was shown from these stories: their pool starts over."""
        for chunk in _chunks(list(story_ids)):
            marks = ", ".join("?" for _ in chunk)
            await self._db.execute(
                f"DELETE FROM posted_quotes WHERE guild_id = ? AND story_id IN ({marks})",
                (guild_id, *chunk),
            )


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    # SQLite limits the number of parameters in one statement.
    return [items[i : i + size] for i in range(0, len(items), size)]
