"""Reading whole numbers as members type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.numbers import MAX_DIGITS, whole_number


@pytest.mark.parametrize(("text", "expected"), [
    ("7", 7), (" 12 ", 12), ("-3", -3), ("+4", 4), ("−2", -2), ("٣", 3), ("４２", 42),
    ("0", 0), ("9" * MAX_DIGITS, int("9" * MAX_DIGITS)),
])
def test_numbers_people_type(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize("text", [
    "", " ", "-", "²", "①", "5²", "--5", "+-3", "1 000", "1,000", "3.5", "1e3", "½", "0x10",
    "9" * (MAX_DIGITS + 1), "twelve",
])
def test_what_is_not_a_number(text):
    assert whole_number(text) is None


def test_unsigned_refuses_a_sign():
    assert whole_number("-1", signed=False) is None
    assert whole_number("+1", signed=False) is None
    assert whole_number("1", signed=False) == 1


@given(st.text(max_size=30))
def test_any_text_gives_a_number_that_fits_or_none(text):
    value = whole_number(text)
    assert value is None or abs(value) < 2**63


@given(st.integers(min_value=-(10**MAX_DIGITS) + 1, max_value=10**MAX_DIGITS - 1))
def test_every_written_number_reads_back(value):
    assert whole_number(str(value)) == value
