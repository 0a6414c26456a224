"""What every benchmark script shares: the project on the import path, and percentiles.

Each script is run as `python bench/<name>.py`; importing this first makes `bot` and
`bench` importable from the checkout without installing anything.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], share: float) -> float:
    """The sample below which `share` (0-1) of the samples fall."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def percentiles(samples: list[float]) -> str:
    """`p50 … ms   p99 … ms   (n samples)` for timings in seconds."""
    p50 = statistics.median(samples)
    p99 = percentile(samples, 0.99)
    return f"p50 {p50 * 1000:7.3f} ms   p99 {p99 * 1000:7.3f} ms   ({len(samples)} samples)"


def time_reaction_turns(bot) -> list[float]:
    """Time page turns by reaction in process, from the reading cog receiving the event to
    the edit request leaving; the list the bot's turns are appended to, in seconds."""
    cog = bot.get_cog("Reading")
    started: dict[int, float] = {}
    turn_times: list[float] = []
    handler = cog._reaction

    async def timed_handler(payload, *, added):
        started[payload.message_id] = time.perf_counter()
        await handler(payload, added=added)

    cog._reaction = timed_handler
    original_request = bot.http.request

    async def timed_request(route, **kwargs):
        if route.method == "PATCH":
            message_id = int(route.url.rsplit("/", 1)[1])
            if message_id in started:
                turn_times.append(time.perf_counter() - started.pop(message_id))
        return await original_request(route, **kwargs)

    bot.http.request = timed_request
    return turn_times
