"""The shelf core: rows, paging, bookmark labels, forgetting."""

import pytest

from bot.members.shelf import (
    PAGE_SIZE,
    bookmark_choice_name,
    forgotten_text,
    shelf_footer,
    shelf_row,
    shelf_text,
)
from bot.storage.bookmarks import Bookmark
from bot.storage.database import Forgotten
from bot.storage.progress import Progress
from bot.text.formatting import clamp_page, page_count, page_offset, relative_time

NOW = 1_000_000_000.0


def progress(**changes) -> Progress:
    values = dict(user_id=1, story_id="tale", position=100, anchor="", furthest=500,
                  length=1000, pages_turned=3, words_read=90, started_at=NOW - 500,
                  last_read_at=NOW - 7200, finished_at=None)
    values.update(changes)
    return Progress(**values)


@pytest.mark.parametrize(("ago", "text"), [
    (5, "just now"), (60, "1 minute ago"), (150, "2 minutes ago"), (7200, "2 hours ago"),
    (86400 * 1.5, "yesterday"), (86400 * 3, "3 days ago"), (86400 * 14, "2 weeks ago"),
    (86400 * 65, "2 months ago"), (86400 * 800, "2 years ago"), (-30, "just now"),
])
def test_relative_time(ago, text):
    assert relative_time(NOW - ago, NOW) == text


def test_shelf_row_shows_furthest_share_page_and_time():
    row = shelf_row(progress(), title="A Tale", page=2, pages=8, now=NOW)
    assert row.percent == 50 and row.bar == "▰▰▰▰▱▱▱"
    assert row.line() == "**A Tale**\n▰▰▰▰▱▱▱ 50% · page 2/8 · last read 2 hours ago"
    assert row.available and not row.finished


def test_finished_row_is_full_and_marked():
    row = shelf_row(progress(finished_at=NOW, furthest=990), title="A Tale", page=8, pages=8,
                    now=NOW)
    assert row.percent == 100 and row.finished and "✅" in row.line()


def test_story_gone_from_library():
    row = shelf_row(progress(), title=None, page=None, pages=None, now=NOW)
    assert not row.available and row.title == "tale"
    assert "no longer in the library" in row.line()


def test_empty_shelf_says_what_to_do():
    assert "/read" in shelf_text([], page=1, total=0)


@pytest.mark.parametrize(("items", "pages"), [(0, 1), (1, 1), (5, 1), (6, 2), (11, 3)])
def test_page_count(items, pages):
    assert page_count(items, PAGE_SIZE) == pages


def test_clamp_and_offset():
    assert (clamp_page(0, 11, PAGE_SIZE) == 1 and clamp_page(9, 11, PAGE_SIZE) == 3
            and clamp_page(2, 11, PAGE_SIZE) == 2)
    assert page_offset(3, PAGE_SIZE) == 10
    assert shelf_footer(1, 1) == "1 story"
    assert shelf_footer(2, 11) == "11 stories · page 2/3"


def test_bookmark_choice_name_fits():
    mark = Bookmark(1, 1, "tale", 0, "", "n" * 300, NOW)
    assert len(bookmark_choice_name(mark, title="T" * 200, page=3)) <= 100


def test_forgotten_text():
    assert "nothing to delete" in forgotten_text(Forgotten())
    text = forgotten_text(Forgotten(progress=2, bookmarks=1, readings=3))
    assert "2 stories' progress, 1 bookmark and 3 open reading messages" in text
    assert "opt-out" in forgotten_text(Forgotten(optout=1))
