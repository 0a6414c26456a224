"""The waits between attempts to reach Discord."""

import random

import pytest

from bot.backoff import Backoff


def test_waits_double_from_five_seconds_to_five_minutes():
    steady = Backoff(jitter=0)
    assert [steady.wait(n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 300, 300, 300]


def test_a_long_outage_stays_at_the_cap():
    assert Backoff(jitter=0).wait(10_000) == 300


@pytest.mark.parametrize("attempt", [1, 2, 5, 7, 50])
def test_jitter_only_shortens_a_wait_a_little(attempt):
    steady = Backoff(jitter=0).wait(attempt)
    waits = {Backoff().wait(attempt, random.Random(seed)) for seed in range(200)}
    assert all(0.9 * steady <= wait <= steady for wait in waits)
    assert len(waits) > 100


def test_attempts_count_from_one():
    with pytest.raises(ValueError, match="attempt"):
        Backoff().wait(0)
