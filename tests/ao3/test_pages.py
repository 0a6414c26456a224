"""Reading AO3's pages: download links, chapter counts, series listings and stand-in pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ao3.pages import (
    Problem,
    WorkStatus,
    classify,
    download_link,
    next_page,
    series_works,
    work_status,
)

SITE = Path(__file__).parent / "site"
BASE = "http://127.0.0.1:8080"
AO3 = "https://archiveofourown.org"


def fixture(name: str) -> str:
    return (SITE / name).read_text(encoding="utf-8")


def stats(chapters: str) -> str:
    return f'<dl class="stats"><dt>Chapters:</dt><dd class="chapters">{chapters}</dd></dl>'


def test_the_html_download_is_picked_from_the_menu():
    assert download_link(fixture("work_oneshot.html"), BASE) == (
        f"{BASE}/downloads/101/The%20Lantern%20Ferry.html?updated_at=1700000000"
    )


def test_the_download_menu_may_list_html_anywhere():
    assert download_link(fixture("work_wip.html"), AO3 + "/") == (
        f"{AO3}/downloads/222/Salt%20Roads%20Slowly.html?updated_at=1710000000"
    )


def test_an_absolute_ao3_download_is_fetched_from_the_configured_archive():
    page = ('<li class="download"><ul><li><a href="https://archiveofourown.org/downloads/5/'
            'Five.html?updated_at=9">HTML</a></li></ul></li>')
    assert download_link(page, BASE) == f"{BASE}/downloads/5/Five.html?updated_at=9"


@pytest.mark.parametrize("page", [
    '<li class="download"><a href="https://elsewhere.example/downloads/5/Five.html">HTML</a></li>',
    '<li class="download"><a href="/downloads/5/Five.epub">EPUB</a></li>',
    '<ul class="work"><li><a href="/downloads/5/Five.html">HTML</a></li></ul>',
    "",
])
def test_no_download_link_when_the_page_offers_no_html_download_from_ao3(page):
    assert download_link(page, BASE) is None


def test_an_unrevealed_work_offers_no_download():
    assert download_link(fixture("work_unrevealed.html"), BASE) is None


def test_a_one_shot_is_complete():
    assert work_status(fixture("work_oneshot.html")) == WorkStatus(1, 1, True, "The Lantern Ferry")


def test_a_work_in_progress_has_no_total_and_its_count_may_be_a_link():
    assert work_status(fixture("work_wip.html")) == WorkStatus(
        2, None, False, "Salt Roads, Slowly"
    )


@pytest.mark.parametrize(("chapters", "posted", "total", "complete"), [
    ("3/3", 3, 3, True),
    ("12/?", 12, None, False),
    (" 4 / 10 ", 4, 10, False),
    ('<a href="/works/1/chapters/9">7</a>/?', 7, None, False),
    ("1,204/2,000", 1204, 2000, False),
    ("6/5", 6, 5, True),
])
def test_chapter_counts(chapters, posted, total, complete):
    status = work_status(stats(chapters))
    assert (status.chapters_posted, status.chapters_total, status.complete) == (
        posted, total, complete,
    )
    assert status.title == ""


@pytest.mark.parametrize("page", ["", "<p>no stats</p>", stats("soon")])
def test_a_page_without_a_chapter_count_is_refused(page):
    with pytest.raises(ValueError, match="chapter count"):
        work_status(page)


@pytest.mark.parametrize(("status", "url", "page", "problem"), [
    (200, f"{AO3}/works/101?view_adult=true", "work_oneshot.html", None),
    (200, f"{AO3}/works/222/chapters/333", "work_wip.html", None),
    (404, f"{AO3}/works/9", "not_found.html", Problem.DELETED),
    (410, f"{AO3}/works/9", "not_found.html", Problem.DELETED),
    (200, f"{AO3}/users/login?restricted=true", "login_restricted.html", Problem.RESTRICTED),
    (200, f"{AO3}/works/9", "login_restricted.html", Problem.RESTRICTED),
    (200, f"{AO3}/users/login", "login_restricted.html", Problem.HIDDEN),
    (200, f"{AO3}/users/login?high_load=true", "login_restricted.html", Problem.DOWN),
    (200, f"{AO3}/works/306", "work_unrevealed.html", Problem.HIDDEN),
    (200, f"{AO3}/works/9", "maintenance.html", Problem.DOWN),
    (503, f"{AO3}/works/9", "maintenance.html", Problem.DOWN),
    (500, f"{AO3}/works/9", "not_found.html", Problem.DOWN),
    (403, f"{AO3}/works/9", "not_found.html", None),
])
def test_classify(status, url, page, problem):
    assert classify(status, url, fixture(page)) == problem


@pytest.mark.parametrize("notice", [
    "This work is part of an ongoing challenge and is scheduled to be revealed on 1 May.",
    "This work is part of a collection that has not been revealed.",
    "This work has been hidden by an administrator.",
])
def test_hidden_works_are_recognised_by_their_notice(notice):
    assert classify(200, f"{AO3}/works/9", f'<div class="notice"><p>{notice}</p></div>') == (
        Problem.HIDDEN
    )


def test_a_work_whose_text_mentions_maintenance_is_still_a_work():
    page = fixture("work_oneshot.html")
    assert "down for maintenance" in page
    assert classify(200, f"{AO3}/works/101", page) is None


def test_a_notice_split_by_markup_is_still_read():
    page = "<p>This work is only available to <b>registered</b>\n users of the Archive.</p>"
    assert classify(200, f"{AO3}/works/9", page) == Problem.RESTRICTED


def test_series_works_in_order_without_mystery_works():
    assert series_works(fixture("series.html")) == [(501, "First Tide & After"), (502, "Neap")]


def test_a_later_series_page_and_repeats():
    assert series_works(fixture("series_page2.html")) == [
        (504, "Spring Tide, Kept"), (501, "First Tide & After"),
    ]


def test_series_works_of_a_page_that_is_no_series():
    assert series_works(fixture("work_oneshot.html")) == []
    assert series_works("") == []


def test_the_next_page_of_a_series():
    assert next_page(fixture("series.html"), BASE) == f"{BASE}/series/77?page=2"
    assert next_page(fixture("series_page2.html"), BASE) is None


def test_a_next_page_elsewhere_stays_on_the_archive():
    page = '<a rel="next" href="https://elsewhere.example/series/77?page=2">Next</a>'
    assert next_page(page, BASE) == f"{BASE}/series/77?page=2"


@pytest.mark.parametrize("page", [
    "", "  ", "<!-- only a comment -->", "<!DOCTYPE html>", '<?xml version="1.0"?>', "\x00",
])
def test_empty_pages_hold_nothing(page):
    assert classify(200, f"{AO3}/works/1", page) is None
    assert download_link(page, BASE) is None
    assert series_works(page) == []
    assert next_page(page, BASE) is None
    with pytest.raises(ValueError, match="chapter count"):
        work_status(page)


@given(st.text(max_size=300), st.integers(min_value=100, max_value=599))
def test_any_page_is_read_without_an_exception(text, status):
    classify(status, f"{AO3}/works/1", text)
    download_link(text, BASE)
    series_works(text)
    next_page(text, BASE)
