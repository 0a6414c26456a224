"""Turns to send requests to another site, shared by every process on the database.

Politeness towards a site such as AO3 is owed by the bot as a whole, not by each of its
processes: one row per site says when its next request may start. A process `claim`s a
start before each request, and a refusal asking for a pause (`Retry-After`) is recorded
with `hold`, so the others wait too, and so does this one after a restart. Times are
seconds on the wall clock, the clock every process shares (machines keep theirs in step,
by NTP: a clock some seconds off shortens or lengthens the spacing by as much).

A claim reads and writes the row in one transaction, and transactions run one at a time
across processes (SQLite's `BEGIN IMMEDIATE`; an advisory lock on PostgreSQL), so two
claims never get the same start.
"""

from __future__ import annotations

import math

from bot.storage.sql import Sql


class RequestTurns:
    """The `request_turns` table."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    async def claim(self, host: str, now: float, spacing: float, *,
                    within: float = math.inf) -> float:
        """Reserve the next start of a request to `host`: `now`, or when the last one
        reserved allows, whichever is later; the next start after it is `spacing` later.

        A start more than `within` seconds away is returned without being reserved: the
        caller will not wait that long, and must not push everyone else's turn back.
        """
        async with self._sql.transaction():
            row = await self._sql.fetch_one(
                "SELECT next_at FROM request_turns WHERE host = ?", (host,))
            start = now if row is None else max(now, float(row[0]))
            if start - now > within:
                return start
            await self._sql.execute(
                "INSERT INTO request_turns (host, next_at) VALUES (?, ?) "
                "ON CONFLICT (host) DO UPDATE SET next_at = excluded.next_at",
                (host, start + spacing))
        return start

    async def hold(self, host: str, until: float) -> None:
        """No request to `host` starts before `until` (the site asked for a pause)."""
        await self._sql.execute(
            "INSERT INTO request_turns (host, next_at) VALUES (?, ?) "
            "ON CONFLICT (host) DO UPDATE SET next_at = CASE "
            "WHEN request_turns.next_at > excluded.next_at THEN request_turns.next_at "
            "ELSE excluded.next_at END",
            (host, until))

    async def next_at(self, host: str) -> float | None:
        """When the next request to `host` may start; None when none was ever claimed."""
        row = await self._sql.fetch_one(
            "SELECT next_at FROM request_turns WHERE host = ?", (host,))
        return float(row[0]) if row else None
