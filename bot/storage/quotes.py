"""Quote schedules, and the quotes each server has been shown."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.quotes.schedules import Schedule
from bot.shards import EVERY_SHARD, Shards
from bot.storage.sql import Sql, chunks, marks

_COLUMNS = ("id, guild_id, channel_id, time, timezone, every, story_id, next_run, "
            "paused_reason, created_by, created_at")
_MICROSECOND = 1e-6


def _schedule(row: tuple) -> Schedule:
    values = list(row)
    values[7] = datetime.fromtimestamp(values[7], UTC)
    return Schedule(*values)


class Quotes:
    """The `quote_schedules` and `posted_quotes` tables."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    # --- schedules ------------------------------------------------------------------------

    async def add_schedule(self, *, guild_id: int, channel_id: int, time_of_day: str,
                           timezone: str, every: str, story_id: str | None,
                           next_run: datetime, created_by: int,
                           now: float | None = None) -> Schedule:
        """Store a new schedule and return it with its id."""
        schedule_id = await self._sql.insert(
            "INSERT INTO quote_schedules (guild_id, channel_id, time, timezone, every, "
            "story_id, next_run, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, time_of_day, timezone, every, story_id,
             next_run.timestamp(), created_by, time.time() if now is None else now),
        )
        found = await self.schedule(schedule_id)
        assert found is not None
        return found

    async def schedule(self, schedule_id: int) -> Schedule | None:
        row = await self._sql.fetch_one(
            f"SELECT {_COLUMNS} FROM quote_schedules WHERE id = ?", (schedule_id,))
        return _schedule(row) if row else None

    async def schedules(self, guild_id: int) -> list[Schedule]:
        """A server's schedules, oldest first."""
        rows = await self._sql.fetch(
            f"SELECT {_COLUMNS} FROM quote_schedules WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_schedule(row) for row in rows]

    async def delete_schedule(self, guild_id: int, schedule_id: int) -> bool:
        """Remove a server's schedule; False when it has no schedule with that id."""
        return bool(await self._sql.changed(
            "DELETE FROM quote_schedules WHERE id = ? AND guild_id = ?", (schedule_id, guild_id)))

    async def due_schedules(self, now: datetime, shards: Shards = EVERY_SHARD,
                            limit: int = 100) -> list[Schedule]:
        """Active schedules of the servers on `shards` whose next run is at or before
        `now`, earliest first."""
        mine, shard_params = shards.where("guild_id")
        rows = await self._sql.fetch(
            f"SELECT {_COLUMNS} FROM quote_schedules "
            f"WHERE paused_reason IS NULL AND next_run <= ? AND {mine} "
            "ORDER BY next_run LIMIT ?",
            (now.timestamp(), *shard_params, limit),
        )
        return [_schedule(row) for row in rows]

    async def next_schedule_run(self, shards: Shards = EVERY_SHARD) -> datetime | None:
        """The earliest next run of any active schedule of the servers on `shards`."""
        mine, shard_params = shards.where("guild_id")
        row = await self._sql.fetch_one(
            f"SELECT MIN(next_run) FROM quote_schedules WHERE paused_reason IS NULL "
            f"AND {mine}", shard_params)
        value = row[0] if row else None
        return None if value is None else datetime.fromtimestamp(value, UTC)

    async def claim_run(self, schedule_id: int, run: datetime, next_run: datetime) -> bool:
        """Move an active schedule from its run at `run` on to `next_run`: True for the one
        caller that moved it, which alone posts that run. Another process, or a pass that
        read the row before, finds it moved (or paused) and leaves it.

        The stored run is matched to the microsecond a `datetime` keeps: runs of one
        schedule are minutes apart, so no other run can match.
        """
        at = run.timestamp()
        return await self._sql.changed(
            "UPDATE quote_schedules SET next_run = ? WHERE id = ? "
            "AND next_run > ? AND next_run < ? AND paused_reason IS NULL",
            (next_run.timestamp(), schedule_id, at - _MICROSECOND, at + _MICROSECOND)) > 0

    async def pause_schedule(self, schedule_id: int, reason: str) -> None:
        await self._sql.execute("UPDATE quote_schedules SET paused_reason = ? WHERE id = ?",
                                (reason, schedule_id))

    async def resume_schedule(self, schedule_id: int, next_run: datetime) -> None:
        await self._sql.execute(
            "UPDATE quote_schedules SET paused_reason = NULL, next_run = ? WHERE id = ?",
            (next_run.timestamp(), schedule_id))

    # --- what a server has seen -----------------------------------------------------------

    async def record_posted_quote(self, guild_id: int, story_id: str, quote_id: str,
                                  now: float | None = None) -> None:
        await self._sql.execute(
            "INSERT INTO posted_quotes (guild_id, story_id, quote_id, posted_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, story_id, quote_id, time.time() if now is None else now),
        )

    async def posted_quote_ids(self, guild_id: int, story_ids: Iterable[str]) -> set[str]:
        """Ids of the quotes already posted in a server from these stories."""
        found: set[str] = set()
        for chunk in chunks(story_ids):
            rows = await self._sql.fetch(
                f"SELECT quote_id FROM posted_quotes WHERE guild_id = ? "
                f"AND story_id IN ({marks(len(chunk))})",
                (guild_id, *chunk),
            )
            found.update(row[0] for row in rows)
        return found

    async def clear_posted_quotes(self, guild_id: int, story_ids: Iterable[str]) -> None:
        """Forget what a server was shown from these stories: their pool starts over."""
        for chunk in chunks(story_ids):
            await self._sql.execute(
                f"DELETE FROM posted_quotes WHERE guild_id = ? "
                f"AND story_id IN ({marks(len(chunk))})",
                (guild_id, *chunk),
            )
