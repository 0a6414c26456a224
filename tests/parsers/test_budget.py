"""Every format is read under one budget: time, HTML elements, paragraphs and text."""

from __future__ import annotations

import itertools

import pytest

from bot.parsers import parse_story
from bot.parsers.budget import MAX_BLOCKS, MAX_CHARS, MAX_ELEMENTS, Budget, OverBudget
from bot.text.story import StoryError
from tests.parsers.epubs import make_epub, xhtml

PARAGRAPHS = 300  # more than the small budgets below allow


def many_paragraphs(suffix: str, count: int = PARAGRAPHS) -> bytes:
    """A story file of `count` short paragraphs in the format `suffix` names."""
    paragraphs = [f"Paragraph {n} of a long story." for n in range(count)]
    if suffix == ".txt":
        return "\n\n".join(paragraphs).encode()
    if suffix == ".md":
        return ("# One\n\n" + "\n\n".join(paragraphs)).encode()
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    if suffix == ".html":
        return f"<html><head><title>Long</title></head><body>{body}</body></html>".encode()
    return make_epub([("one.xhtml", xhtml(body, "One"))])


FORMATS = [".txt", ".md", ".html", ".epub"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_format_loads_within_the_default_budget(suffix):
    story = parse_story(many_paragraphs(suffix), f"long{suffix}")
    assert sum(len(chapter.blocks) for chapter in story.chapters) == PARAGRAPHS


@pytest.mark.parametrize("suffix", FORMATS)
def test_too_many_paragraphs_are_refused_in_every_format(suffix):
    budget = Budget(max_blocks=100)
    with pytest.raises(OverBudget, match=r"too many paragraphs \(over 100\)"):
        parse_story(many_paragraphs(suffix), f"long{suffix}", budget=budget)
    # Counted as they are made: reading stops soon after the limit, not at the end.
    assert budget.blocks <= 100 + 64


@pytest.mark.parametrize("suffix", FORMATS)
def test_too_much_text_is_refused_in_every_format(suffix):
    with pytest.raises(OverBudget, match=r"too much text once unpacked \(over 0.001 million"):
        parse_story(many_paragraphs(suffix), f"long{suffix}", budget=Budget(max_chars=1000))


@pytest.mark.parametrize("suffix", [".html", ".epub", ".md"])
def test_too_many_html_elements_are_refused_before_they_are_parsed(suffix):
    data = many_paragraphs(suffix if suffix != ".md" else ".html")
    if suffix == ".md":
        data = b"Some text.\n\n<div>\n" + data + b"\n</div>\n"
    budget = Budget(max_elements=200)
    with pytest.raises(OverBudget, match=r"too many HTML elements \(over 200\)"):
        parse_story(data, f"long{suffix}", budget=budget)
    assert budget.blocks == 0


def test_an_epub_that_unpacks_to_millions_of_tiny_paragraphs_is_refused():
    # Some 80 KB of ZIP, 8 MB of XHTML once unpacked: a paragraph per eight bytes.
    body = "<p>a</p>" * (MAX_ELEMENTS + 1)
    data = make_epub([("bomb.xhtml", xhtml(body, "Bomb"))])
    assert len(data) < 100_000
    with pytest.raises(OverBudget, match="too many HTML elements"):
        parse_story(data, "bomb.epub")


def test_the_limits_let_the_longest_real_works_through():
    # AO3's longest works run to about five million words, in some 250,000 paragraphs and
    # 30 MB of text; a 20 MB HTML file of real prose holds a few hundred thousand elements.
    assert MAX_BLOCKS >= 4 * 250_000
    assert MAX_CHARS >= 30_000_000
    assert MAX_ELEMENTS >= 1_000_000


def test_a_file_past_its_time_is_refused_with_the_reason():
    with pytest.raises(OverBudget, match=r"took longer than 0 s to read"):
        parse_story(many_paragraphs(".txt"), "long.txt", budget=Budget(0))


@pytest.mark.parametrize("suffix", FORMATS)
def test_reading_stops_at_a_checkpoint_once_the_time_is_up(suffix):
    # A clock that jumps past the deadline after a few looks: reading must stop at the next
    # checkpoint inside the parser, long before the last paragraph is made.
    looks = itertools.count()
    budget = Budget(10, clock=lambda: 0.0 if next(looks) < 2 else 100.0)
    data = many_paragraphs(suffix, count=5_000)
    with pytest.raises(OverBudget, match="took longer than 10 s"):
        parse_story(data, f"long{suffix}", budget=budget)
    assert budget.blocks < 5_000


def test_over_budget_is_a_story_error():
    # The library skips a file on `StoryError`: an over-budget file is skipped like any other.
    assert issubclass(OverBudget, StoryError)
