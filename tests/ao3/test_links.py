"""What a member means by the AO3 link or number they paste."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ao3.links import NotAo3, SeriesLink, WorkLink, parse_link, series_url, work_url

ids = st.integers(min_value=1, max_value=10**12 - 1)


@pytest.mark.parametrize("text", [
    "123",
    " 123 ",
    "000123",
    "https://archiveofourown.org/works/123",
    "http://archiveofourown.org/works/123",
    "https://www.archiveofourown.org/works/123",
    "archiveofourown.org/works/123",
    "www.archiveofourown.org/works/123/",
    "//archiveofourown.org/works/123",
    "https://ao3.org/works/123",
    "ao3.org/works/123",
    "https://ARCHIVEOFOUROWN.ORG/works/123",
    "https://archiveofourown.org:443/works/123",
    "https://archiveofourown.org/works/123?view_adult=true",
    "https://archiveofourown.org/works/123?view_full_work=true#workskin",
    "https://archiveofourown.org/works/123#main",
    "https://archiveofourown.org/works/123/chapters/456",
    "https://archiveofourown.org/works/123/chapters/456?show_comments=true#comments",
    "https://archiveofourown.org/works/123/navigate",
    "https://archiveofourown.org/collections/WinterLanternSwap/works/123",
    "https://archiveofourown.org/collections/Winter_2024/works/123/chapters/7",
    "https://archiveofourown.org/downloads/123/The%20Lantern%20Ferry.html?updated_at=1",
    "<https://archiveofourown.org/works/123>",
])
def test_work_links(text):
    assert parse_link(text) == WorkLink(123)


@pytest.mark.parametrize("text", [
    "https://archiveofourown.org/series/77",
    "archiveofourown.org/series/77/",
    "https://ao3.org/series/77?page=2",
    "<https://www.archiveofourown.org/series/77#main>",
])
def test_series_links(text):
    assert parse_link(text) == SeriesLink(77)


@pytest.mark.parametrize(("text", "reason"), [
    ("https://www.fanfiction.net/s/123/1/", "not an AO3 link (www.fanfiction.net)"),
    ("https://archiveofourown.org.example.com/works/1", "not an AO3 link"),
    ("https://example.com/archiveofourown.org/works/1", "not an AO3 link"),
    ("ftp://archiveofourown.org/works/1", "does not look like a link"),
    ("https://archiveofourown.org/users/mossgrove", "a member's page"),
    ("https://archiveofourown.org/users/mossgrove/works", "a member's page"),
    ("https://archiveofourown.org/tags/Original%20Work/works", "a tag"),
    ("https://archiveofourown.org/collections/WinterLanternSwap", "a collection"),
    ("https://archiveofourown.org/chapters/456", "copy its address"),
    ("https://archiveofourown.org/works", "a list of works"),
    ("https://archiveofourown.org/works/search?work_search%5Bquery%5D=ferry", "a list of works"),
    ("https://archiveofourown.org/", "the front page"),
    ("https://archiveofourown.org/faq", "not a work or a series"),
    ("https://archiveofourown.org/works/0", "0 is not an AO3 work id"),
    ("https://archiveofourown.org/series/0", "0 is not an AO3 series id"),
    ("0", "0 is not an AO3 work id"),
    ("0000", "0 is not an AO3 work id"),
    ("1234567890123", "too long to be an AO3 work id"),
    ("https://archiveofourown.org/works/1234567890123", "too long"),
    ("https://archiveofourown.org/series/99999999999999999999", "too long to be an AO3 series"),
    ("", "Give me an AO3 work link"),
    ("   ", "Give me an AO3 work link"),
    ("<>", "Give me an AO3 work link"),
    ("work 123", "one AO3 link on its own"),
    ("https://archiveofourown.org/works/1 https://archiveofourown.org/works/2", "on its own"),
    ("-5", "does not look like a link"),
    ("12.5", "not an AO3 link"),
    ("https://[::1/works/1", "does not look like a link"),
])
def test_refusals_say_why(text, reason):
    result = parse_link(text)
    assert isinstance(result, NotAo3)
    assert reason in result.reason


def test_a_very_long_paste_is_refused_without_being_read():
    result = parse_link("https://archiveofourown.org/works/1?" + "a" * 10_000)
    assert isinstance(result, NotAo3)


@given(ids)
def test_any_bare_id_is_a_work(work_id):
    assert parse_link(str(work_id)) == WorkLink(work_id)


@given(ids, st.sampled_from(["https://archiveofourown.org", "ao3.org", "http://www.ao3.org"]))
def test_any_work_url_gives_its_id(work_id, host):
    assert parse_link(f"{host}/works/{work_id}?view_adult=true") == WorkLink(work_id)


@given(st.integers(min_value=10**12, max_value=10**40))
def test_ids_of_more_than_twelve_digits_are_refused(number):
    assert isinstance(parse_link(str(number)), NotAo3)


@given(st.text(max_size=200))
def test_any_text_gets_an_answer(text):
    assert isinstance(parse_link(text), WorkLink | SeriesLink | NotAo3)


def test_page_addresses():
    assert work_url("https://archiveofourown.org/", 5) == "https://archiveofourown.org/works/5"
    assert series_url("http://127.0.0.1:9", 7) == "http://127.0.0.1:9/series/7"
