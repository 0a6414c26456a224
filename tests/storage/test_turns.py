"""Turns to send requests, shared through the database (`RequestTurns`), on SQLite and
PostgreSQL: each claim gets its own start, spaced, however many processes claim at once,
and none while another request is in flight, until it is done or its lease lapses."""

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


LEASE = 40.0


async def test_no_start_is_reserved_while_a_request_is_in_flight(databases):
    db, other = databases
    assert (first := await db.turns.claim(HOST, 100.0, SPACING, lease=LEASE)) == 100.0
    assert first.reserved
    assert await db.turns.busy_until(HOST) == 140.0
    refused = await other.turns.claim(HOST, 106.0, SPACING, lease=LEASE)
    assert not refused.reserved
    assert refused == 107.0  # asked again a second later, not at the end of the lease
    assert await db.turns.next_at(HOST) == 105.0  # nothing was reserved
    await db.turns.done(HOST, 100.0, lease=LEASE)  # the request ended: the site is free at once
    assert await db.turns.busy_until(HOST) is None
    assert (turn := await other.turns.claim(HOST, 107.0, SPACING, lease=LEASE)) == 107.0
    assert turn.reserved
    # Still `spacing` after the last start: a claim soon after waits for its turn.
    await other.turns.done(HOST, 107.0, lease=LEASE)
    assert (turn := await db.turns.claim(HOST, 108.0, SPACING, lease=LEASE)) == 112.0
    assert turn.reserved


async def test_a_lease_left_by_a_killed_process_frees_after_the_lease(databases):
    db, other = databases
    await db.turns.claim(HOST, 100.0, SPACING, lease=LEASE)  # and the process dies: no `done`
    assert not (await other.turns.claim(HOST, 139.5, SPACING, lease=LEASE)).reserved
    assert (await other.turns.claim(HOST, 139.5, SPACING, lease=LEASE)) == 140.0  # its end
    turn = await other.turns.claim(HOST, 140.0, SPACING, lease=LEASE)
    assert (turn, turn.reserved) == (140.0, True)


async def test_done_from_a_stale_request_leaves_a_newer_lease(databases):
    db, other = databases
    await db.turns.claim(HOST, 100.0, SPACING, lease=LEASE)  # outlives its lease…
    assert (await other.turns.claim(HOST, 150.0, SPACING, lease=LEASE)).reserved
    await db.turns.done(HOST, 100.0, lease=LEASE)  # …and says so after another one started
    assert await db.turns.busy_until(HOST) == 190.0
    assert not (await db.turns.claim(HOST, 160.0, SPACING, lease=LEASE)).reserved
    await other.turns.done(HOST, 150.0, lease=LEASE)
    assert (await db.turns.claim(HOST, 160.0, SPACING, lease=LEASE)).reserved


async def test_a_far_start_is_refused_as_such_even_while_a_request_is_in_flight(databases):
    db, other = databases
    await db.turns.claim(HOST, 100.0, SPACING, lease=LEASE)
    await db.turns.hold(HOST, 10_000.0)
    turn = await other.turns.claim(HOST, 110.0, SPACING, within=3600.0, lease=LEASE)
    assert (turn, turn.reserved) == (10_000.0, False)

