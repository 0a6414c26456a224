"""AO3's manners kept by all the bot's processes together: two `Ao3Client`s, each on its own
`Database` opened on one database (the same SQLite file, or the same PostgreSQL database),
as two processes would have them, fetching from the AO3 stand-in (`tests/ao3_site.py`).

Both clients share a fake clock. When they run at once it is a `Timeline`: a sleeper wakes
at its own time, and time moves on only when every client is asleep or done, so the stand-in
records each request at the moment it was sent, as a real clock would.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable

import pytest

from bot.ao3.client import Ao3Client, Ao3Error
from bot.ao3.pages import Problem
from bot.storage.database import Database
from tests.ao3_site import FakeAo3, FakeTime, limited, page, serve_ao3

DELAY = 5.0
FETCHES = 6  # by each client


class Timeline(FakeTime):
    """A fake clock for several tasks at once (see the module's docstring)."""

    def __init__(self, tasks: int) -> None:
        super().__init__()
        self._awake = tasks
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), woken))
        self._awake -= 1
        self._move_on()
        await woken

    def done(self) -> None:
        """One of the tasks has finished."""
        self._awake -= 1
        self._move_on()

    def _move_on(self) -> None:
        if self._awake == 0 and self._sleepers:
            at, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            self._awake += 1
            woken.set_result(None)


def client(ao3: FakeAo3, time: FakeTime, database: Database | None) -> Ao3Client:
    return Ao3Client(ao3.base, delay=DELAY, clock=time.clock, sleep=time.sleep, timeout=5.0,
                     turns=database.turns if database is not None else None)


async def together(timeline: Timeline,
                   *runs: Callable[[], Awaitable[object]]) -> list[object]:
    async def run(work: Callable[[], Awaitable[object]]) -> object:
        try:
            return await work()
        finally:
            timeline.done()

    return await asyncio.gather(*(run(work) for work in runs))


def fetching(ao3_client: Ao3Client) -> Callable[[], Awaitable[object]]:
    async def work() -> None:
        for _ in range(FETCHES):
            await ao3_client.work_status(101)
    return work


def gaps(ao3: FakeAo3) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(ao3.starts())]


async def test_two_processes_keep_the_delay_between_all_their_requests(databases):
    timeline = Timeline(2)
    async with serve_ao3(timeline) as ao3:
        clients = [client(ao3, timeline, database) for database in databases]
        try:
            await together(timeline, *(fetching(c) for c in clients))
        finally:
            for c in clients:
                await c.close()
    assert len(ao3.seen) == 2 * FETCHES
    assert min(gaps(ao3)) >= DELAY
    # Neither waited for the other more than its turn: twelve requests in eleven delays.
    assert ao3.starts()[-1] - ao3.starts()[0] == (2 * FETCHES - 1) * DELAY


async def test_each_process_alone_would_not_be_enough():
    # The same two clients without the database's turns: each keeps its own pace only.
    timeline = Timeline(2)
    async with serve_ao3(timeline) as ao3:
        clients = [client(ao3, timeline, None) for _ in range(2)]
        try:
            await together(timeline, *(fetching(c) for c in clients))
        finally:
            for c in clients:
                await c.close()
    assert min(gaps(ao3)) < DELAY


async def test_a_retry_after_heard_by_one_process_holds_the_other(databases):
    first_db, second_db = databases
    time = FakeTime()
    async with serve_ao3(time) as ao3:
        ao3.on("/works/101", limited(429, "60"), limited(429, "60"), limited(429, "60"),
               page("work_oneshot.html"))
        first, second = client(ao3, time, first_db), client(ao3, time, second_db)
        try:
            refused = await failure(first.work_status(101))  # asked three times, then gives up
            assert refused.kind is Problem.RATE_LIMITED
            last_refusal = ao3.starts()[-1]
            status = await second.work_status(101)
        finally:
            await first.close()
            await second.close()
    assert status.title == "The Lantern Ferry"
    assert gaps(ao3) == [60.0, 60.0, 60.0]
    assert ao3.starts()[-1] == last_refusal + 60.0


async def test_a_long_pause_is_refused_at_once_by_every_process(databases):
    first_db, second_db = databases
    time = FakeTime()
    async with serve_ao3(time) as ao3:
        ao3.on("/works/101", limited(429, "7200"))
        first, second = client(ao3, time, first_db), client(ao3, time, second_db)
        try:
            assert (await failure(first.work_status(101))).kind is Problem.RATE_LIMITED
            told = await failure(second.work_status(101))
        finally:
            await first.close()
            await second.close()
    assert told.kind is Problem.RATE_LIMITED
    assert "2 h" in str(told)
    assert len(ao3.seen) == 1  # the second process did not ask at all
    assert time.waits == []


async def test_a_pause_asked_for_before_a_restart_is_still_kept(database_target):
    time = FakeTime()
    async with serve_ao3(time) as ao3:
        ao3.on("/works/101", limited(503, "120"), limited(503, "120"), limited(503, "120"),
               page("work_oneshot.html"))
        database = await Database.open(database_target)
        before = client(ao3, time, database)
        try:
            assert (await failure(before.work_status(101))).kind is Problem.DOWN
        finally:
            await before.close()
            await database.close()
        refused_at = ao3.starts()[-1]
        database = await Database.open(database_target)  # the bot restarted
        after = client(ao3, time, database)
        try:
            await after.work_status(101)
        finally:
            await after.close()
            await database.close()
    assert ao3.starts()[-1] >= refused_at + 120.0


async def failure(call: Awaitable[object]) -> Ao3Error:
    with pytest.raises(Ao3Error) as caught:
        await call
    return caught.value
