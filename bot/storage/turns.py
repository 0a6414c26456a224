"""Turns to send requests to another site, shared by every process on the database.

Politeness towards a site such as AO3 is owed by the bot as a whole, not by each of its
processes: one row per site says when its next request may start, and until when at the
latest a request is in flight. A process `claim`s a start before each request and says when
the request is `done`; a refusal asking for a pause (`Retry-After`) is recorded with `hold`,
so the others wait too, and so does this one after a restart. Times are seconds on the wall
clock, the clock every process shares (machines keep theirs in step, by NTP: a clock some
seconds off shortens or lengthens the spacing by as much).

So requests start `spacing` apart and go one at a time across all processes, with nothing
held while one is in flight: a claim reserves a start only when no request is in flight
then, and leases the site until the start plus the `lease` the claimer asks for (its
timeout and a margin). The lease ends at `done`, or by itself when a process dies mid-request.

A claim reads and writes the row in one transaction, and transactions run one at a time
across processes (SQLite's `BEGIN IMMEDIATE`; an advisory lock on PostgreSQL), so two
claims never get the same start.
"""

from __future__ import annotations

import math

from bot.storage.sql import Sql

#: While another request is in flight, a claimer asks again this often (seconds): a process
#: that has just sent one waits longer than this before its next claim, so the others get in.
ASK_AGAIN_S = 1.0


class Turn(float):
    """The time a claim gave. `reserved`: the request starts then. Otherwise it is when to
    ask again: a request is in flight, or the start is further away than the claimer waits."""

    reserved: bool

    def __new__(cls, at: float, *, reserved: bool) -> Turn:
        turn = super().__new__(cls, at)
        turn.reserved = reserved
        return turn


class RequestTurns:
    """The `request_turns` table."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    async def claim(self, host: str, now: float, spacing: float, *,
                    within: float = math.inf, lease: float | None = None) -> Turn:
        """Reserve the next start of a request to `host`: `now`, or when the last one
        reserved allows, whichever is later; the next start after it is `spacing` later.
        With `lease`, the site is busy until `lease` after the start (see `done`).

        Nothing is reserved while another request is in flight at that start: the turn is
        when to ask again, `ASK_AGAIN_S` later or when its lease ends. Nor is a start more than
        `within` seconds away: the caller will not wait that long, and must not push
        everyone else's turn back.
        """
        async with self._sql.transaction():
            row = await self._sql.fetch_one(
                "SELECT next_at, busy_until FROM request_turns WHERE host = ?", (host,))
            start = now if row is None else max(now, float(row[0]))
            if start - now > within:
                return Turn(start, reserved=False)
            busy_until = None if row is None or row[1] is None else float(row[1])
            if busy_until is not None and busy_until > start:
                return Turn(min(busy_until, now + ASK_AGAIN_S), reserved=False)
            await self._sql.execute(
                "INSERT INTO request_turns (host, next_at, busy_until) VALUES (?, ?, ?) "
                "ON CONFLICT (host) DO UPDATE SET next_at = excluded.next_at, "
                "busy_until = excluded.busy_until",
                (host, start + spacing, None if lease is None else start + lease))
        return Turn(start, reserved=True)

    async def done(self, host: str, start: float, *, lease: float) -> None:
        """The request claimed for `start` with `lease` has ended: the next may start as
        soon as its spacing allows. Only that request's lease ends: one that lapsed may
        have let another request take the site, whose lease stays."""
        await self._sql.execute(
            "UPDATE request_turns SET busy_until = NULL WHERE host = ? AND busy_until = ?",
            (host, start + lease))

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

    async def busy_until(self, host: str) -> float | None:
        """Until when a request to `host` is in flight at the latest; None when none is."""
        row = await self._sql.fetch_one(
            "SELECT busy_until FROM request_turns WHERE host = ?", (host,))
        return float(row[0]) if row and row[0] is not None else None
