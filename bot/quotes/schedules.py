"""Quote schedules: when a schedule runs next, and which runs are due.

A schedule posts at a local time of day in an IANA time zone, either every day or every
hour:

- `every="day"`: at HH:MM local time each day. Across daylight-saving changes it stays at
  HH:MM local time. On the spring-forward day a time that does not exist (01:30 in
  Europe/London) runs at the first valid moment after it (02:00 BST, the end of the gap);
  on the fall-back day an ambiguous time runs once, at its first occurrence.
- `every="hour"`: at minute MM of every hour (the hour of HH:MM is ignored), in the zone's
  local minutes, so zones with half-hour offsets keep their minute. It follows real hours,
  so the repeated hour of a fall-back day gets a post in each of its two occurrences.

`due` decides what to post after the loop wakes: a run missed by at most `GRACE` is posted
once; an older one is skipped; either way the next run is counted from now, so downtime
never causes a burst.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.text.formatting import inline

EVERY = ("day", "hour")
GRACE = timedelta(hours=1)

_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.I)
_MINUTE_ONLY = re.compile(r"^\s*:(\d{2})\s*$")


class ScheduleError(ValueError):
    """A time, time zone or interval that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A quote schedule as stored; `next_run` is UTC."""

    id: int
    guild_id: int
    channel_id: int
    time: str  # "HH:MM"
    timezone: str
    every: str
    story_id: str | None
    next_run: datetime
    paused_reason: str | None = None
    created_by: int = 0
    created_at: float = 0.0


def parse_time(text: str) -> str:
    """Normalise "9:05", "09:05", "21:30", "9pm", "9:30 am" or ":15" to "HH:MM"."""
    if match := _MINUTE_ONLY.match(text):
        minute = int(match.group(1))
        if minute > 59:
            raise ScheduleError(f"“{text.strip()}” is not a time: minutes go up to 59.")
        return f"00:{minute:02d}"
    match = _TIME.match(text)
    if not match:
        raise ScheduleError(f"“{inline(text, 80)}” is not a time; write it like 09:00 or 21:30.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"“{text.strip()}” is not a time: with am/pm the hour is 1–12.")
        hour = hour % 12 + (12 if match.group(3)[0].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"“{text.strip()}” is not a time: use 00:00 to 23:59.")
    return f"{hour:02d}:{minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def parse_timezone(text: str) -> str:
    """The canonical IANA name for `text` (any case); an error suggesting close names."""
    key = text.strip().replace(" ", "_").casefold()
    names = _zone_names()
    if key in names:
        name = names[key]
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but unreadable
            raise ScheduleError(f"The time zone {name} could not be loaded.") from exc
        return name
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(names[c] for c in close)}?" if close else ""
    raise ScheduleError(
        f"“{inline(text, 120)}” is not a time zone.{hint} Use a name like Europe/London."
    )


def parse_every(text: str) -> str:
    """"day" or "hour" (also "daily", "hourly")."""
    key = text.strip().lower()
    key = {"daily": "day", "hourly": "hour", "days": "day", "hours": "hour"}.get(key, key)
    if key not in EVERY:
        raise ScheduleError(f"“{inline(text, 40)}” is not an interval; use day or hour.")
    return key


def timezone_matches(current: str, limit: int = 25) -> list[str]:
    """Up to `limit` IANA names for an autocomplete: prefix matches of any part first."""
    key = current.strip().replace(" ", "_").casefold()
    names = sorted(_zone_names().values())
    if not key:
        popular = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York",
                   "America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"]
        return popular[:limit]
    scored = []
    for name in names:
        folded = name.casefold()
        if folded.startswith(key):
            rank = 0
        elif any(part.startswith(key) for part in folded.split("/")):
            rank = 1
        elif key in folded:
            rank = 2
        else:
            continue
        scored.append((rank, len(name), name))
    return [name for _, _, name in sorted(scored)[:limit]]


def _local(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time; past a gap's end when the time does not exist."""
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    first = wall.astimezone(UTC)  # fold=0: the first occurrence of an ambiguous time
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first
    # The time falls in a spring-forward gap. fold=1 reads it with the offset after the
    # change, which lands before the gap; the change itself is between the two readings.
    lo = wall.replace(fold=1).astimezone(UTC)
    hi = first
    after = hi.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first run of `schedule` strictly after `after` (aware), in UTC."""
    zone = ZoneInfo(schedule.timezone)
    hour, minute = (int(part) for part in schedule.time.split(":"))
    after = after.astimezone(UTC)
    if schedule.every == "hour":
        base = after.replace(minute=0, second=0, microsecond=0)
        for k in range(-1, 4):
            start = base + timedelta(hours=k)
            offset = start.astimezone(zone).utcoffset() or timedelta()
            # The UTC minute at which the local clock shows `minute` this hour.
            shift = (minute - int(offset.total_seconds() // 60)) % 60
            candidate = start + timedelta(minutes=shift)
            if candidate > after and candidate.astimezone(zone).minute == minute:
                return candidate
        raise AssertionError("no hourly run found")  # every hour has each local minute
    today = after.astimezone(zone).date()
    for k in range(-1, 3):
        candidate = _local(today + timedelta(days=k), hour, minute, zone)
        if candidate > after:
            return candidate
    raise AssertionError("no daily run found")


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a schedule whose run came: post or not, and when it runs next."""

    schedule: Schedule
    post: bool
    next_run: datetime


def due(schedules: Iterable[Schedule], now: datetime,
        grace: timedelta = GRACE) -> list[Decision]:
    """Decisions for the schedules whose run is at or before `now`.

    A run late by at most `grace` is posted once; an older one is skipped. The next run
    is counted from `now`, so a schedule that missed many runs posts at most once.
    Paused schedules are left alone.
    """
    decisions = []
    for schedule in schedules:
        if schedule.paused_reason is not None or schedule.next_run > now:
            continue
        decisions.append(Decision(
            schedule,
            post=now - schedule.next_run <= grace,
            next_run=next_run(schedule, now),
        ))
    return decisions


def describe(schedule: Schedule) -> str:
    """"every day at 09:00 (Europe/London)" or "every hour at :15 (Asia/Kolkata)"."""
    if schedule.every == "hour":
        return f"every hour at :{schedule.time[3:]} ({schedule.timezone})"
    return f"every day at {schedule.time} ({schedule.timezone})"
