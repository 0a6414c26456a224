"""How long to wait before trying again: growing waits, capped, with a little jitter.

Used while Discord cannot be reached at start-up. Jitter only shortens a wait, so the
cap holds, and many bots restarted together by one outage do not all retry in step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits of `first` seconds, multiplied by `factor` after each failure, up to `cap`."""

    first: float = 5.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.1

    def wait(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (the first is 1)."""
        if attempt < 1:
            raise ValueError(f"attempts count from 1, got {attempt}")
        wait = self.first
        for _ in range(attempt - 1):
            if wait >= self.cap:
                break
            wait *= self.factor
        wait = min(wait, self.cap)
        if self.jitter:
            wait *= 1 - (rng or random).uniform(0, self.jitter)
        return wait
