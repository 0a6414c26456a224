"""The one set of small text helpers: clipping, counting, times, bars, list pages."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text.formatting import (
    bar,
    clamp_page,
    clip,
    clip_lines,
    fraction,
    inline,
    page_count,
    page_offset,
    plural,
    relative_time,
)

lines_strategy = st.lists(st.text(alphabet=st.characters(blacklist_characters="\n\r"),
                                  max_size=120), max_size=60)


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis():
    assert clip("  The   Lantern\nKeeper ", 40) == "The Lantern Keeper"
    assert clip("The Lantern Keeper", 10) == "The Lante…"
    assert len(clip("word " * 100, 50)) <= 50


def test_inline_escapes_what_a_title_could_smuggle_in():
    shown = inline("**bold** [link](https://example.com)", 100)
    assert "**bold**" not in shown and "\\*\\*bold\\*\\*" in shown
    assert "](" not in shown.replace("\\]", "").replace("\\(", "")


def test_plural_and_pages():
    assert plural(1, "story", "stories") == "1 story"
    assert plural(1200, "story", "stories") == "1,200 stories"
    assert plural(2, "page") == "2 pages"
    assert [page_count(n, 10) for n in (0, 1, 10, 11)] == [1, 1, 1, 2]
    assert clamp_page(0, 25, 10) == 1 and clamp_page(9, 25, 10) == 3
    assert page_offset(3, 10) == 20 and page_offset(-4, 10) == 0


def test_relative_time_reads_as_people_say_it():
    now = 1_000_000_000.0
    assert relative_time(now - 5, now) == "just now"
    assert relative_time(now - 60, now) == "1 minute ago"
    assert relative_time(now - 3 * 3600, now) == "3 hours ago"
    assert relative_time(now - 86400, now) == "yesterday"
    assert relative_time(now - 15 * 86400, now) == "2 weeks ago"
    assert relative_time(now - 800 * 86400, now) == "2 years ago"
    assert relative_time(now + 50, now) == "just now"


def test_bar_is_full_only_at_the_end_and_empty_only_at_the_start():
    assert bar(0.0) == "▱" * 7 and bar(1.0) == "▰" * 7
    assert bar(0.999).count("▰") == 6 and bar(0.001).count("▰") == 1
    assert fraction(50, 100) == 0.5 and fraction(5, 0) == 1.0 and fraction(500, 100) == 1.0


def test_clip_lines_keeps_what_fits_whole_and_counts_the_rest():
    lines = [f"{n}. A line of the list" for n in range(1, 101)]
    shown = clip_lines(lines, 200)
    kept = shown.splitlines()
    assert len(shown) <= 200
    assert kept[-1] == f"…and {100 - (len(kept) - 1)} more."
    assert kept[:-1] == lines[: len(kept) - 1]
    assert clip_lines(lines[:3], 200) == "\n".join(lines[:3])


@given(lines_strategy, st.integers(min_value=20, max_value=2000))
def test_clip_lines_never_passes_its_limit_and_loses_no_line_silently(lines, limit):
    shown = clip_lines(lines, limit)
    assert len(shown) <= limit
    if shown == "\n".join(lines):
        return
    *kept, more = shown.split("\n")
    assert kept == lines[: len(kept)]
    assert more == f"…and {len(lines) - len(kept)} more."
