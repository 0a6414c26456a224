"""Ratings written any way, placed on AO3's five; one nobody can place is never General."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text.ratings import (
    EXPLICIT,
    GENERAL,
    LEVELS,
    MATURE,
    NOT_RATED,
    RATINGS,
    TEEN,
    rating_field,
    read_rating,
)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        # AO3's own names and letters
        ("General Audiences", GENERAL), ("teen and up audiences", TEEN), ("Mature", MATURE),
        ("EXPLICIT", EXPLICIT), ("Not Rated", NOT_RATED), ("G", GENERAL), ("T", TEEN),
        ("M", MATURE), ("E", EXPLICIT), ("NR", NOT_RATED), ("", NOT_RATED), ("  ", NOT_RATED),
        # fanfiction.net
        ("K", GENERAL), ("K+", GENERAL), ("Fiction T", TEEN), ("Rated: Fiction M", MATURE),
        ("Fiction M - English - Romance/Angst - Chapters: 3 - Words: 5,000", MATURE),
        ("Fiction MA", EXPLICIT),
        # film, TV and ages
        ("PG", GENERAL), ("PG-13", TEEN), ("R", MATURE), ("NC-17", EXPLICIT), ("TV-14", TEEN),
        ("TV-MA", MATURE), ("18+", EXPLICIT), ("+18", EXPLICIT), ("16+", MATURE),
        ("13+", TEEN), ("R18", EXPLICIT), ("R-15", MATURE), ("P16", MATURE),
        ("FSK 12", TEEN), ("Ab 18", EXPLICIT), ("18 and over", EXPLICIT), ("NC-21", EXPLICIT),
        # words and combinations
        ("Adult", EXPLICIT), ("NSFW", EXPLICIT), ("adults only", EXPLICIT), ("SFW", GENERAL),
        ("Explicit (18+)", EXPLICIT), ("Mature/Explicit", EXPLICIT), ("M or E", EXPLICIT),
        ("Teen And Up Audiences (13+)", TEEN), ("General Audiences, Not Rated", GENERAL),
        ("Mature Audiences Only", MATURE), ("Rating: Teen", TEEN), ("**Explicit**", EXPLICIT),
        # other languages
        ("Explícito", EXPLICIT), ("Maduro", MATURE), ("Adolescentes", TEEN),
        ("Tout public", GENERAL), ("Для взрослых", EXPLICIT), ("全年龄", GENERAL),
        ("全年齢", GENERAL), ("成人向け", EXPLICIT), ("19금", EXPLICIT), ("R-18", EXPLICIT),
    ],
)
def test_ratings_written_any_way_are_placed(text, rating):
    reading = read_rating(text)
    assert reading.rating == rating
    assert reading.known


@pytest.mark.parametrize("text", ["Spicy", "5 stars", "Rated Q", "lemony goodness", "???"])
def test_a_rating_nobody_can_place_counts_as_explicit(text):
    reading = read_rating(text)
    assert (reading.rating, reading.known, reading.text) == (EXPLICIT, False, text)


def test_rating_field_notes_only_what_it_cannot_place():
    warnings: list[str] = []
    assert rating_field("NC-17", warnings, where="front matter") == EXPLICIT
    assert warnings == []
    assert rating_field("Spicy", warnings, where="front matter") == EXPLICIT
    assert warnings == [
        "front matter: rating 'Spicy' is not one the bot knows, so it is treated as Explicit; "
        "give one of General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated"
    ]


@given(st.text(max_size=40))
def test_property_any_string_gives_one_of_the_five_and_never_general_unless_placed(text):
    reading = read_rating(text)
    assert reading.rating in RATINGS
    if not reading.known:
        assert reading.rating == EXPLICIT


@given(st.lists(st.sampled_from(["General Audiences", "Teen", "Mature", "Explicit", "R",
                                 "PG-13", "18+"]), min_size=2, max_size=4),
       st.sampled_from(["/", ", ", " or ", " | "]))
def test_property_a_combination_counts_as_the_highest_it_names(parts, separator):
    expected = max((read_rating(part).rating for part in parts), key=LEVELS.__getitem__)
    assert read_rating(separator.join(parts)).rating == expected


def test_a_rating_longer_than_any_real_one_is_unknown_and_read_as_explicit():
    reading = read_rating("Rating: " + "(" * 16_000)
    assert reading.rating == "Explicit" and not reading.known
    assert len(reading.text) <= 201
