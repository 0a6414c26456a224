"""Age gating: which ratings open where, under every server setting."""

import itertools

import pytest

from bot.reading.gate import AgeThreshold, Gate, is_gated, may_show
from bot.text.ratings import RATINGS

THRESHOLDS = tuple(AgeThreshold)


@pytest.mark.parametrize(
    ("rating", "threshold", "not_rated_open"),
    list(itertools.product(RATINGS, THRESHOLDS, (False, True))),
)
def test_gating_for_every_rating_threshold_and_not_rated_setting(rating, threshold,
                                                                  not_rated_open):
    order = ["General Audiences", "Teen And Up Audiences", "Mature", "Explicit"]
    if rating == "Not Rated":
        level = 0 if not_rated_open else order.index("Mature")
    else:
        level = order.index(rating)
    gated = threshold != "off" and level >= order.index(threshold)
    gate = Gate(threshold, not_rated_open)
    assert is_gated(rating, gate) is gated
    assert may_show(rating, gate, age_restricted=False, dm=False) is not gated
    assert may_show(rating, gate, age_restricted=True, dm=False)
    assert may_show(rating, gate, age_restricted=False, dm=True)


def test_default_gate_holds_back_mature_explicit_and_not_rated_as_ao3_does():
    assert [r for r in RATINGS if is_gated(r, Gate())] == ["Mature", "Explicit", "Not Rated"]
    opened = Gate(not_rated_open=True)
    assert [r for r in RATINGS if is_gated(r, opened)] == ["Mature", "Explicit"]


def test_an_unknown_rating_string_is_gated_as_the_highest():
    assert is_gated("Spicy", Gate("Explicit"))


@pytest.mark.parametrize(
    ("gate", "text"),
    [
        (Gate(), "stories rated Mature or above and Not Rated stories"),
        (Gate("Teen And Up Audiences", True), "stories rated Teen And Up Audiences or above"),
        (Gate("Explicit"), "stories rated Explicit"),
        (Gate("Explicit", True), "stories rated Explicit"),
        (Gate("off"), "no stories"),
    ],
)
def test_the_gate_describes_what_it_holds_back(gate, text):
    assert gate.describe() == text
