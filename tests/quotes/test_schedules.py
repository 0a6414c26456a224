"""Schedule arithmetic: local times across daylight saving, grace windows, parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.quotes.schedules import (
    GRACE,
    Schedule,
    ScheduleError,
    due,
    next_run,
    parse_every,
    parse_time,
    parse_timezone,
    timezone_matches,
)

LONDON = ZoneInfo("Europe/London")


def schedule(time="09:00", zone="Europe/London", every="day", next_at=None) -> Schedule:
    return Schedule(1, 10, 20, time, zone, every, None,
                    next_at or datetime(2026, 1, 1, tzinfo=UTC))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_stays_at_local_time_across_both_changes():
    s = schedule("09:00")
    assert next_run(s, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 8)  # BST starts that night
    assert next_run(s, utc(2026, 3, 27, 12)) == utc(2026, 3, 28, 9)
    assert next_run(s, utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 9)  # back to GMT


def test_a_time_in_the_spring_gap_runs_when_the_gap_ends():
    s = schedule("01:30")
    assert next_run(s, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)  # 02:00 BST
    assert next_run(s, utc(2026, 3, 29, 1)) == utc(2026, 3, 30, 0, 30)
    ny = schedule("02:15", "America/New_York")
    assert next_run(ny, utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 7)  # 03:00 EDT


def test_an_ambiguous_time_runs_once():
    s = schedule("01:30")
    first = next_run(s, utc(2026, 10, 24, 12))
    assert first == utc(2026, 10, 25, 0, 30)  # the first 01:30, still BST
    assert next_run(s, first) == utc(2026, 10, 26, 1, 30)


def test_hourly_keeps_the_local_minute():
    s = schedule("00:15", "Asia/Kolkata", "hour")  # UTC+05:30
    assert next_run(s, utc(2026, 3, 28, 12)) == utc(2026, 3, 28, 12, 45)
    assert next_run(s, utc(2026, 3, 28, 12, 45)) == utc(2026, 3, 28, 13, 45)
    london = schedule("07:00", every="hour")
    runs = [utc(2026, 3, 29, 0, 30)]
    for _ in range(3):
        runs.append(next_run(london, runs[-1]))
    assert runs[1:] == [utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), utc(2026, 3, 29, 3)]


def test_due_posts_a_missed_run_once_within_grace_and_skips_older_ones():
    now = utc(2026, 2, 1, 9, 40)
    late = schedule(next_at=utc(2026, 2, 1, 9))
    old = schedule(next_at=now - GRACE - timedelta(minutes=1))
    future = schedule(next_at=now + timedelta(minutes=1))
    paused = Schedule(2, 10, 20, "09:00", "UTC", "day", None, utc(2026, 2, 1, 9), "gone")
    decisions = due([late, old, future, paused], now)
    assert [(d.schedule, d.post) for d in decisions] == [(late, True), (old, False)]
    assert all(d.next_run == utc(2026, 2, 2, 9) for d in decisions)  # from now: no burst


@pytest.mark.parametrize(("text", "expected"), [
    ("9:05", "09:05"), ("09:05", "09:05"), ("21:30", "21:30"), ("9pm", "21:00"),
    ("12 am", "00:00"), ("9:30 AM", "09:30"), (":15", "00:15"), (" 7 ", "07:00"),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9:75", "noon", "13pm", "", "9:5"])
def test_parse_time_rejects_with_a_clear_message(text):
    with pytest.raises(ScheduleError, match="not a time"):
        parse_time(text)


def test_parse_timezone_and_every():
    assert parse_timezone("europe/london") == "Europe/London"
    assert parse_timezone("America/New York") == "America/New_York"
    with pytest.raises(ScheduleError, match="Did you mean Europe/London"):
        parse_timezone("Europe/Londn")
    assert parse_every("Daily") == "day"
    with pytest.raises(ScheduleError, match="day or hour"):
        parse_every("week")


def test_timezone_autocomplete():
    assert timezone_matches("london")[0] == "Europe/London"
    assert len(timezone_matches("a")) == 25
    assert "UTC" in timezone_matches("")


ZONES = st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe",
                         "Asia/Kolkata", "Pacific/Chatham", "America/Santiago", "UTC"])
MOMENTS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(ZONES, MOMENTS, st.integers(0, 23), st.integers(0, 59))
def test_property_daily_is_in_the_future_at_the_wanted_local_time(zone, after, hour, minute):
    s = schedule(f"{hour:02d}:{minute:02d}", zone)
    run = next_run(s, after)
    assert after < run <= after + timedelta(days=1, hours=3)
    local = run.astimezone(ZoneInfo(zone))
    wall = datetime(local.year, local.month, local.day, hour, minute, tzinfo=ZoneInfo(zone))
    exists = wall.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == \
        wall.replace(tzinfo=None)
    if exists:
        assert (local.hour, local.minute) == (hour, minute)
    else:  # in a gap: the first valid moment after it
        assert local.replace(tzinfo=None) > wall.replace(tzinfo=None)
        before = (run - timedelta(seconds=1)).astimezone(ZoneInfo(zone))
        assert before.utcoffset() != local.utcoffset()


@settings(max_examples=300, deadline=None)
@given(ZONES, MOMENTS, st.integers(0, 59))
def test_property_hourly_is_within_an_hour_at_the_wanted_minute(zone, after, minute):
    run = next_run(schedule(f"00:{minute:02d}", zone, "hour"), after)
    assert after < run <= after + timedelta(hours=1)
    assert run.astimezone(ZoneInfo(zone)).minute == minute
