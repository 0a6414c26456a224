"""When the `Ao3Client`'s next request may start, and taking its turn.

Alone, a client keeps its own pace: `delay` seconds from one start to the next, and any
pause AO3 asked for. Given the database's `turns` (`bot.storage.turns.RequestTurns`), each
start is claimed there, so the spacing, the pauses and "one request at a time" hold for all
the bot's processes together: a claim waits while another process's request is in flight,
leases AO3 until `lease` after its start (the client's timeout and a margin, so a process
killed mid-request frees it then), and `done` gives the turn back when the request ends.
Nothing is held in the database while a request is in flight. Having given a turn back, a
client lets `HANDOVER_S` pass before it claims again: the others, asking every second while
it was busy, get their turn, and a process with a long queue does not keep AO3 to itself.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.turns import RequestTurns

log = logging.getLogger(__name__)

#: A wait AO3 asks for beyond this is not sat through: the member is told when to come back.
LONGEST_WAIT_S = 3600.0
#: The longest pause kept for every process and across restarts: a bogus header must not stick.
LONGEST_HOLD_S = 86400.0
#: Twice `bot.storage.turns.ASK_AGAIN_S`: how long a client that gave a turn back waits
#: before claiming again (a lone process loses nothing unless its requests outlast the delay).
HANDOVER_S = 2.0


class Pace:
    """The turns of one client's requests to one site (see the module's docstring)."""

    def __init__(
        self,
        host: str,
        delay: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        turns: RequestTurns | None,
        lease: float,
        too_long: Callable[[float], Exception],  # the error for a wait over LONGEST_WAIT_S
    ) -> None:
        self._host = host
        self._delay = delay
        self._clock = clock
        self._sleep = sleep
        self._turns = turns
        self._lease = lease
        self._too_long = too_long
        self._last_start: float | None = None
        self._not_before = -math.inf  # set by a Retry-After
        self._handed_over = -math.inf  # when this client last gave a turn back

    def next_slot(self) -> float:
        """When this client's next request may start, by its own pace."""
        after_last = -math.inf if self._last_start is None else self._last_start + self._delay
        return max(after_last, self._not_before)

    async def turn(self) -> float | None:
        """Wait for the next request's turn; the start claimed in `turns`, if any, which
        `done` must be told of when the request ends."""
        start = None
        if self._turns is not None:
            start = await self._claim()
        else:
            while (wait := self.next_slot() - self._clock()) > 0:
                if wait > LONGEST_WAIT_S:
                    raise self._too_long(wait)
                await self._sleep(wait)
        self._last_start = self._clock()
        return start

    async def hold(self, wait: float) -> None:
        """AO3 asked to be left alone for `wait` seconds from now."""
        self._not_before = self._clock() + wait
        if self._turns is not None:
            await self._turns.hold(self._host, self._clock() + min(wait, LONGEST_HOLD_S))

    async def done(self, start: float | None) -> None:
        """The request `turn` gave `start` has ended: any process's next may start at once
        (its spacing allowing)."""
        if self._turns is None or start is None:
            return
        self._handed_over = self._clock()
        try:
            await self._turns.done(self._host, start, lease=self._lease)
        except Exception:  # the lease lapses by itself; what AO3 answered matters more
            log.warning("could not give back the turn to AO3", exc_info=True)

    async def _claim(self) -> float:
        assert self._turns is not None
        while (wait := self._handed_over + HANDOVER_S - self._clock()) > 0:
            await self._sleep(wait)
        while True:
            now = self._clock()
            turn = await self._turns.claim(self._host, now, self._delay, within=LONGEST_WAIT_S,
                                           lease=self._lease)
            if turn - now > LONGEST_WAIT_S:
                raise self._too_long(turn - now)
            while (wait := turn - self._clock()) > 0:
                await self._sleep(wait)
            if turn.reserved:  # otherwise another process's request was in flight: ask again
                return turn
