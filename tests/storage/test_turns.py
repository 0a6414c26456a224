"""Turns to send requests, shared through the database (`RequestTurns`), on SQLite and
PostgreSQL: each claim gets its own start, spaced, however many processes claim at once."""

from __future__ import annotations

import asyncio
import itertools

from bot.storage.database import Database

HOST = "archiveofourown.org"
SPACING = 5.0


async def test_claims_start_now_then_keep_their_spacing(databases):
    db, _ = databases
    assert await db.turns.next_at(HOST) is None
    assert await db.turns.claim(HOST, 100.0, SPACING) == 100.0
    assert await db.turns.claim(HOST, 101.0, SPACING) == 105.0
    assert await db.turns.claim(HOST, 200.0, SPACING) == 200.0  # long after: at once
    assert await db.turns.next_at(HOST) == 205.0
    assert await db.turns.claim("other.example", 200.0, SPACING) == 200.0  # per site


async def test_a_hold_pushes_every_later_claim_back_and_never_forward(databases):
    db, other = databases
    await db.turns.claim(HOST, 100.0, SPACING)
    await db.turns.hold(HOST, 400.0)
    assert await other.turns.claim(HOST, 110.0, SPACING) == 400.0
    await other.turns.hold(HOST, 150.0)  # an earlier end does not shorten the pause
    assert await db.turns.claim(HOST, 120.0, SPACING) == 405.0
    await db.turns.hold("fresh.example", 50.0)
    assert await db.turns.claim("fresh.example", 10.0, SPACING) == 50.0


async def test_a_start_too_far_away_is_not_reserved(databases):
    db, _ = databases
    await db.turns.hold(HOST, 10_000.0)
    assert await db.turns.claim(HOST, 100.0, SPACING, within=3600.0) == 10_000.0
    assert await db.turns.next_at(HOST) == 10_000.0  # nobody's turn was pushed back
    assert await db.turns.claim(HOST, 9_000.0, SPACING, within=3600.0) == 10_000.0
    assert await db.turns.next_at(HOST) == 10_005.0


async def test_concurrent_claims_from_two_processes_get_distinct_spaced_starts(databases):
    claims = [db.turns.claim(HOST, 1000.0, SPACING) for _ in range(20) for db in databases]
    starts = sorted(await asyncio.gather(*claims))
    assert len(set(starts)) == 40
    assert starts[0] == 1000.0
    assert all(later - earlier == SPACING for earlier, later in itertools.pairwise(starts))
    assert await databases[1].turns.next_at(HOST) == 1000.0 + 40 * SPACING


async def test_a_pause_outlives_a_restart(database_target):
    db = await Database.open(database_target)
    await db.turns.hold(HOST, 5000.0)
    await db.close()
    reopened = await Database.open(database_target)
    try:
        assert await reopened.turns.claim(HOST, 1000.0, SPACING) == 5000.0
    finally:
        await reopened.close()
