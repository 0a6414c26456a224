"""The one set of small text helpers: clipping, counting, times, bars, list pages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.formatting import (
    bar,
    clamp_page,
    clip,
    clip_lines,
    fraction,
    inline,
    is_link,
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


# --- inline: the one way story and member text enters markdown -----------------------------

# Discord's escape rule: a backslash before any ASCII punctuation shows that character.
_DISCORD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
HOSTILE = ["[Free Nitro](https://evil.example/claim)", "<@123>", "<@!123>", "<@&456>", "<#1>",
           "<t:0:R>", "</read:1>", "<:emoji:1>", "<https://evil.example>", "@everyone",
           "@here", "**bold**", "__under__", "*it*", "_it_", "~~gone~~", "||spoiler||",
           "`code`", "```block```", "> quote", "# heading", "-# subtext", "- item", "+ item",
           "1. item", "\\", "\\*", "](", "[", "]", "(", ")", " ", "\n", "\t", "\u2028", "a",
           "Ωμέγα", "漢字", "https://example.com/x_y"]
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=6), max_size=12).map("".join)


def discord_unescape(markdown: str) -> str:
    """What Discord shows for escaped text: each escape gives back its character."""
    return _DISCORD_ESCAPE.sub(r"\1", markdown)


def live_markup(markdown: str) -> list[str]:
    """Markdown left live once every escape pair is taken out."""
    bare = re.sub(r"\\.", "\x00", markdown)
    live = [char for char in "*_~`|<" if char in bare]
    live += [token for token in ("](", "@everyone", "@here") if token in bare]
    if re.match(r"[ \t]*(>|#{1,3}[ \t]|[-+][ \t#]|\d+\.[ \t])", bare):
        live.append("line start")
    return live


@pytest.mark.parametrize("text", [*HOSTILE, " ".join(HOSTILE)])
def test_inline_neutralises_every_hostile_example(text):
    shown = inline(text, 2000)
    assert live_markup(shown) == []
    assert discord_unescape(shown) == " ".join(text.split())


@settings(max_examples=500, deadline=None)
@given(hostile_text)
def test_inline_shows_the_text_itself_and_no_markup(text):
    shown = inline(text, 10**6)
    assert discord_unescape(shown) == " ".join(text.split())
    assert live_markup(shown) == []
    assert "\n" not in shown


@settings(max_examples=500, deadline=None)
@given(hostile_text, st.integers(min_value=1, max_value=80))
def test_inline_cuts_within_its_limit_between_characters(text, limit):
    shown = inline(text, limit)
    whole = " ".join(text.split())
    assert len(shown) <= limit
    assert live_markup(shown.removesuffix("…")) == []
    if discord_unescape(shown) != whole:
        assert shown.endswith("…")
        assert whole.startswith(discord_unescape(shown[:-1]))


def test_inline_limit_holds_for_text_that_doubles_when_escaped():
    assert len(inline("*" * 300, 256)) <= 256
    assert inline("a_b_c_d", 6) == "a\\_b…"
    assert inline("The Lantern Keeper", 10) == clip("The Lantern Keeper", 10)


@pytest.mark.parametrize(("url", "usable"), [
    ("https://archiveofourown.org/works/123", True),
    ("http://example.com/a_b?c=d&e=(f)#g", True),
    ("https://ja.wikipedia.org/wiki/日本", True),
    ("ftp://example.com", False),
    ("https://example.com/a b", False),
    ("https://example.com/<@123>", False),
    ("https://example.com/x>y", False),
    ("https://example.com/`x`", False),
    ("https://example.com/a|b", False),
    ("https://example.com/\\x", False),
    ("https://example.com/\u200bx", False),
    ("https://example.com/" + "x" * 2000, False),
])
def test_is_link_takes_only_plain_web_links(url, usable):
    assert is_link(url) is usable


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
