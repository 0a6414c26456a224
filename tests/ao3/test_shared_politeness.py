"""AO3's manners kept by all the bot's processes together: two `Ao3Client`s, each on its own
`Database` opened on one database (the same SQLite file, or the same PostgreSQL database),
as two processes would have them, fetching from the AO3 stand-in (`tests/ao3_site.py`).

Both clients share a fake clock. When they run at once it is a `Timeline`: a sleeper wakes
at its own time, and time moves on only when every client is asleep or done, so the stand-in
records each request at the moment it was sent, as a real clock would. A slow answer sleeps on
the `Timeline` too, as if its client slept while the request is in flight.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import pytest

from bot.ao3.client import LEASE_MARGIN_S, Ao3Client, Ao3Error
from bot.ao3.pages import Problem
from bot.storage.database import Database
from bot.storage.turns import ASK_AGAIN_S
from tests.ao3_site import FakeAo3, FakeTime, limited, page, serve_ao3

DELAY = 5.0
FETCHES = 6  # by each client
TIMEOUT = 5.0
LEASE = TIMEOUT + LEASE_MARGIN_S


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
    return Ao3Client(ao3.base, delay=DELAY, clock=time.clock, sleep=time.sleep, timeout=TIMEOUT,
                     turns=database.turns if database is not None else None)


async def together(timeline: Timeline,
                   *runs: Callable[[], Awaitable[object]]) -> list[object]:
    async def run(work: Callable[[], Awaitable[object]]) -> object:
        try:
            return await work()
        finally:
            timeline.done()

    return await asyncio.gather(*(run(work) for work in runs))


def fetching(ao3_client: Ao3Client, work_id: int = 101) -> Callable[[], Awaitable[object]]:
    async def work() -> None:
        for _ in range(FETCHES):
            await ao3_client.work_status(work_id)
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


def slow(timeline: Timeline, seconds: float, ends: list[float]):
    """AO3 answering `seconds` after the request, on the timeline; `ends` hears when."""
    async def respond(request):
        await timeline.sleep(seconds)
        ends.append(timeline.now)
        return await page("work_oneshot.html")(request)
    return respond


@pytest.mark.parametrize("seconds", [8.0, 3.0])  # longer than the delay, and shorter
async def test_a_request_in_flight_keeps_every_other_process_waiting(databases, seconds):
    timeline = Timeline(2)
    ends: list[float] = []
    async with serve_ao3(timeline) as ao3:
        ao3.on("/works/101", slow(timeline, seconds, ends))
        ao3.on("/works/102", slow(timeline, seconds, ends))  # the second process's
        clients = [client(ao3, timeline, database) for database in databases]
        try:
            await together(timeline, fetching(clients[0], 101), fetching(clients[1], 102))
        finally:
            for c in clients:
                await c.close()
    starts = ao3.starts()
    assert len(starts) == len(ends) == 2 * FETCHES
    for start, end, next_start in zip(starts, ends, starts[1:], strict=False):
        assert next_start >= end  # the next request, from either process, only once it ended
        assert next_start >= start + DELAY  # and still the delay after its start
        assert next_start <= max(end + ASK_AGAIN_S, start + DELAY)  # and soon after
    # Neither process kept AO3 to itself while the other waited: they took turns.
    paths = ao3.paths()
    assert len(set(paths[::2])) == len(set(paths[1::2])) == 1 and paths[0] != paths[1]


async def test_each_process_alone_would_send_while_the_other_is_in_flight():
    timeline = Timeline(2)
    ends: list[float] = []
    async with serve_ao3(timeline) as ao3:
        ao3.on("/works/101", slow(timeline, 8.0, ends))
        clients = [client(ao3, timeline, None) for _ in range(2)]
        try:
            await together(timeline, *(fetching(c) for c in clients))
        finally:
            for c in clients:
                await c.close()
    assert ao3.starts()[1] < ends[0]


async def test_a_site_left_busy_by_a_killed_process_is_free_after_its_lease(databases):
    killed_db, live_db = databases
    time = FakeTime()
    async with serve_ao3(time) as ao3:
        # A process claimed its turn, and died before it could say the request was done.
        await killed_db.turns.claim(urlsplit(ao3.base).netloc, time.now, DELAY, lease=LEASE)
        killed_at = time.now
        live = client(ao3, time, live_db)
        try:
            await live.work_status(101)
        finally:
            await live.close()
    assert ao3.starts() == [killed_at + LEASE]


async def test_a_request_that_fails_gives_its_turn_back(databases):
    db, _ = databases
    time = FakeTime()
    async with serve_ao3(time) as ao3:
        async def too_slow(request):
            await asyncio.wait_for(ao3.release.wait(), 10)
            return await page("work_oneshot.html")(request)

        ao3.on("/works/101", too_slow)
        impatient = Ao3Client(ao3.base, delay=DELAY, clock=time.clock, sleep=time.sleep,
                              timeout=0.5, turns=db.turns)
        try:
            assert (await failure(impatient.work_status(101))).kind is Problem.TIMEOUT
        finally:
            await impatient.close()
        assert await db.turns.busy_until(urlsplit(ao3.base).netloc) is None


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
