"""Several bot processes on one database: Discord's shard rule (`bot.shards`), the due rows
each process reads (its own shards' servers alone, on SQLite and PostgreSQL), and the claims
that let one caller alone post a scheduled run or check a work.

The database tests run on a real SQLite file and on PostgreSQL (`database_target`); two
`Database`s opened on one target are two processes sharing it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import Config, create_bot
from bot.library.catalogue import Library
from bot.quotes.service import MAX_SLEEP
from bot.services import Services
from bot.shards import EVERY_SHARD, Shards, shard_of
from bot.storage.database import Database
from tests.ao3_site import WIP_DOWNLOAD
from tests.helpers import write_small_library
from tests.library.test_updates import (
    INTERVAL,
    LATER,
    SALT,
    NamedWip,
    add_wip,
    read,
    row,
    started,
)

SNOWFLAKES = st.integers(min_value=0, max_value=2**63 - 1)
RUN = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)


def guild_on(shard: int, n: int = 1) -> int:
    """A server id from 2023, on `shard` of any count up to seven that `shard` is below (its
    timestamp is `shard` past a multiple of 420, the least every count up to seven divides),
    with some low bits set."""
    stamp = (1_700_000_000_000 - 1_420_070_400_000) // 420 * 420 + n * 420 + shard
    return (stamp << 22) | (n * 4099 % (1 << 22))


G0, G1 = guild_on(0), guild_on(1)  # servers on shard 0 and shard 1 (of 2, 3, 4…)


# --- the rule ---------------------------------------------------------------------------------


@given(SNOWFLAKES, st.integers(min_value=1, max_value=5000))
def test_a_server_is_on_the_shard_discords_formula_names(guild_id, count):
    shard = shard_of(guild_id, count)
    assert shard == (guild_id >> 22) % count
    assert 0 <= shard < count


@given(SNOWFLAKES, st.integers(min_value=1, max_value=64), st.randoms(use_true_random=False))
def test_processes_splitting_the_shards_own_each_server_exactly_once(guild_id, count, rng):
    shards = list(range(count))
    rng.shuffle(shards)
    cuts = sorted(rng.sample(range(1, count), min(count - 1, rng.randint(0, 3))))
    groups = [shards[a:b] for a, b in zip([0, *cuts], [*cuts, count], strict=True)]
    owners = [ids for ids in groups if Shards(count, tuple(ids)).owns(guild_id)]
    assert len(owners) == 1
    assert shard_of(guild_id, count) in owners[0]


def test_dms_belong_to_shard_zero():
    assert shard_of(None, 8) == 0
    assert Shards(2, (0,)).owns(None)
    assert not Shards(2, (1,)).owns(None)


def test_a_process_without_shard_settings_owns_everything():
    every = Shards.of(None, None)
    assert every == EVERY_SHARD and every.everything
    assert all(every.owns(g) for g in (G0, G1, None))
    assert Shards.of(4, None).everything and Shards(2, (1, 0)).everything
    assert every.where("guild_id") == ("1 = 1", ())


def test_shard_settings_are_checked_and_described():
    assert Shards.of(4, (3, 1, 1)).ids == (1, 3)
    for count, ids in ((0, None), (2, (2,)), (2, ())):
        with pytest.raises(ValueError):
            Shards(count, ids)
    with pytest.raises(ValueError):
        Shards.of(None, (0,))
    assert Shards(4, (1, 3)).describe() == "shards 1, 3 of 4"
    assert Shards(4, (2,)).describe() == "shard 2 of 4"
    assert Shards(4).describe() == "all 4 shards"
    assert EVERY_SHARD.describe(12) == "all 12 shards"
    assert EVERY_SHARD.describe() == "the one shard"


async def test_the_bot_runs_and_logs_this_processs_shards(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.app")
    bot = create_bot(Config(token="", stories_dir=tmp_path, database_path=tmp_path / "db",
                            shard_count=4, shard_ids=(1, 3)))
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])
    await bot.before_identify_hook(1, initial=True)
    assert "This process runs shards 1, 3 of 4" in caplog.text

    # Nothing set: every shard, as many as Discord recommends once connected.
    plain = create_bot(Config(token="", stories_dir=tmp_path, database_path=tmp_path / "db"))
    assert (plain.shard_count, plain.shard_ids) == (None, None)
    assert plain.own_shards == EVERY_SHARD
    plain.shard_count = 3  # what Discord recommended
    await plain.before_identify_hook(0, initial=True)
    assert "This process runs all 3 shards" in caplog.text
    await plain.close()  # never connected: nothing of Discord's to close


# --- what each process reads from the database -------------------------------------------------



async def add_schedule(database: Database, guild_id: int, run: datetime = RUN, *,
                       channel_id: int = 20):
    return await database.quotes.add_schedule(
        guild_id=guild_id, channel_id=channel_id, time_of_day="12:30", timezone="UTC",
        every="day", story_id=None, next_run=run, created_by=1)


async def test_the_sql_filter_agrees_with_the_rule_on_any_server_id(database):
    rng = random.Random(22)
    ids = [rng.randrange(1 << 62, 1 << 63) for _ in range(30)] + [
        rng.randrange(0, 1 << 42) for _ in range(30)] + [G0, G1, 2**63 - 1]
    for guild_id in ids:
        await add_schedule(database, guild_id)
    after = RUN + timedelta(minutes=1)
    for shards in (Shards(3, (0, 2)), Shards(7, (4,)), Shards(2, (1,)), Shards(5)):
        due = {s.guild_id for s in await database.quotes.due_schedules(after, shards, 500)}
        assert due == {g for g in ids if shards.owns(g)}, shards


async def test_a_process_reads_only_its_own_servers_due_schedules(database):
    mine = await add_schedule(database, G0, RUN + timedelta(minutes=5))
    theirs = await add_schedule(database, G1, RUN)
    shard0, shard1 = Shards(2, (0,)), Shards(2, (1,))
    later = RUN + timedelta(minutes=10)
    assert [s.id for s in await database.quotes.due_schedules(later, shard0)] == [mine.id]
    assert [s.id for s in await database.quotes.due_schedules(later, shard1)] == [theirs.id]
    assert [s.id for s in await database.quotes.due_schedules(later)] == [theirs.id, mine.id]
    assert await database.quotes.next_schedule_run(shard0) == mine.next_run
    assert await database.quotes.next_schedule_run(shard1) == theirs.next_run
    assert await database.quotes.next_schedule_run(Shards(4, (3,))) is None


async def test_a_run_is_claimed_by_one_caller_and_never_while_paused(database):
    schedule = await add_schedule(database, G0)
    following = RUN + timedelta(days=1)
    assert await database.quotes.claim_run(schedule.id, RUN, following)
    # A pass (or process) that read the row before the claim finds it moved on.
    assert not await database.quotes.claim_run(schedule.id, RUN, following)
    assert (await database.quotes.schedule(schedule.id)).next_run == following
    await database.quotes.pause_schedule(schedule.id, "the channel no longer exists")
    assert not await database.quotes.claim_run(schedule.id, following,
                                               following + timedelta(days=1))


# --- two processes on one database -------------------------------------------------------------


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library.load(write_small_library(tmp_path / "library"))


@pytest.fixture
async def two_processes(database_target, library):
    """Two processes' services, each on its own connection to one database."""
    first = await Database.open(database_target)
    second = await Database.open(database_target)
    yield (Services(first, library, page_chars=500), Services(second, library, page_chars=500))
    await first.close()
    await second.close()


async def collect(services: Services, now: datetime) -> list[int]:
    return [run.schedule.id async for run in services.quotes.runs_due(now)]


async def test_two_processes_racing_for_due_runs_post_each_once(two_processes):
    one, other = two_processes
    schedules = [await add_schedule(one.database, guild_on(n % 2, n), channel_id=n)
                 for n in range(12)]
    now = RUN + timedelta(minutes=1)
    first, second = await asyncio.gather(collect(one, now), collect(other, now))
    assert sorted(first + second) == sorted(s.id for s in schedules)
    # Each moved on once, to the next day; nobody posts them again today.
    for schedule in schedules:
        stored = await other.database.quotes.schedule(schedule.id)
        assert stored.next_run == RUN + timedelta(days=1)
    assert await collect(one, now) == [] and await collect(other, now) == []


async def test_a_pass_that_read_a_run_before_another_claimed_it_does_not_post_it(
        two_processes):
    one, other = two_processes
    schedule = await add_schedule(one.database, G0)
    now = RUN + timedelta(minutes=1)
    stale = await other.database.quotes.due_schedules(now)
    assert [s.id for s in stale] == [schedule.id]
    assert await collect(one, now) == [schedule.id]

    async def as_read_before(*args, **kwargs):
        return stale

    other.database.quotes.due_schedules = as_read_before
    assert await collect(other, now) == []


async def test_processes_on_different_shards_each_post_their_own_servers_runs(
        database_target, library):
    first = await Database.open(database_target)
    second = await Database.open(database_target)
    try:
        zero = Services(first, library, page_chars=500, shards=Shards(2, (0,)))
        one = Services(second, library, page_chars=500, shards=Shards(2, (1,)))
        mine = await add_schedule(first, G0)
        theirs = await add_schedule(first, G1, RUN + timedelta(minutes=10))
        now = RUN + timedelta(minutes=1)
        assert await collect(zero, now) == [mine.id]
        assert await collect(one, now) == []  # G1's run has not come yet
        # Shard 0's process leaves shard 1's schedule as it was, for its own process.
        assert await first.quotes.schedule(theirs.id) == theirs
        # Each sleeps until its own servers' next run: shard 1's is nine minutes off.
        assert await zero.quotes.sleep_after(now) == MAX_SLEEP
        assert await one.quotes.sleep_after(now) == 540
    finally:
        await first.close()
        await second.close()


# --- AO3 checks ----------------------------------------------------------------------------------



@pytest.fixture
async def updates(folder, database, ao3, fake_time):
    services = await started(folder, database, ao3, fake_time)
    yield services
    await services.shutdown()


@pytest.fixture
def wip(ao3) -> NamedWip:
    return NamedWip(ao3, rating="Mature")


async def test_a_process_checks_only_its_own_servers_works(updates, database, ao3, wip):
    here = await add_wip(updates, G0)
    there = await add_wip(updates, G1)
    assert (here, there) == (SALT, f"{SALT}-2")
    await read(updates, here, guild_id=G0)
    await read(updates, there, guild_id=G1)
    assert await updates.updates.due(LATER) == [here, there]

    updates.shards = Shards(2, (0,))
    assert await updates.updates.due(LATER) == [here]
    updates.shards = Shards(2, (1,))
    assert await updates.updates.due(LATER) == [there]
    updates.shards = Shards(4, (2, 3))  # neither server: nothing to check, nothing to wait for
    assert await updates.updates.due(LATER) == []
    assert await database.server_stories.oldest_check(updates.shards) is None
    assert not await database.server_stories.any_in_progress(updates.shards)


async def test_a_check_is_claimed_before_ao3_is_asked(updates, database, ao3, wip):
    await add_wip(updates, G0)
    await read(updates, SALT, guild_id=G0)
    wip.chapters = 2
    # Another process took this check a moment ago: this one finds it taken and asks nothing.
    assert await database.server_stories.claim_check(SALT, LATER - INTERVAL, LATER)
    seen = len(ao3.seen)
    assert await updates.updates.check(SALT, now=LATER) is None
    assert ao3.seen[seen:] == []
    assert (await row(database, SALT)).chapters_posted == 1

    # Due again an interval on: one check, which fetches the new chapter.
    later = LATER + INTERVAL
    assert await updates.updates.due(later) == [SALT]
    assert await updates.updates.check(SALT, now=later) is not None
    assert WIP_DOWNLOAD in ao3.paths()[seen:]
    assert not await database.server_stories.claim_check(SALT, later - INTERVAL, later)


async def test_two_processes_due_the_same_check_ask_ao3_once(folder, database_target, ao3,
                                                            fake_time, wip):
    databases = [await Database.open(database_target) for _ in range(2)]
    processes: list[Services] = []
    try:
        processes.append(await started(folder, databases[0], ao3, fake_time))
        await add_wip(processes[0], G0)
        await read(processes[0], SALT, guild_id=G0)
        processes.append(await started(folder, databases[1], ao3, fake_time))
        seen = len(ao3.seen)
        answers = await asyncio.gather(*(p.updates.check(SALT, now=LATER) for p in processes))
        assert answers == [None, None]  # unchanged on AO3
        assert ao3.paths()[seen:] == ["/works/222", "/works/222/chapters/333"]
    finally:
        for services in processes:
            await services.shutdown()
        for database in databases:
            await database.close()

