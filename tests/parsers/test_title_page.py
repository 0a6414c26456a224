"""Pages and headers of `Label: value` lines read as metadata."""

from __future__ import annotations

import pytest

from bot.parsers import title_page
from bot.story import Block, BlockKind, Metadata, Run, Style, paragraph


def lines(*texts: str) -> tuple[Block, ...]:
    """Blocks, one per argument; `\\n` inside one is a line break, as `<br/>` gives."""
    return tuple(paragraph(text) for text in texts)


def read(*texts: str, where: str = "title page") -> tuple[Metadata, list[str]]:
    fields = title_page.read_page(lines(*texts))
    assert fields is not None
    warnings: list[str] = []
    return title_page.apply(Metadata(title="T"), fields, warnings, where=where), warnings


def test_fanficfare_style_page():
    meta, warnings = read(
        "Night Train by osk",
        "Category: Original Work\nGenre: Mystery, Trains\nLanguage: English\n"
        "Status: Completed\nPublished: 2021-01-01\nUpdated: 2021-02-02\n"
        "Rating: Explicit\nWarnings: Major Character Death\nChapters: 3/3\nWords: 12,345",
        "Summary:",
        "Someone is on the wrong train.",
        "Nobody will say who.",
        "Relationships: A/B\nCharacters: A, B\nComments: 4\nKudos: 50",
    )
    assert warnings == []
    assert meta.rating == "Explicit"
    assert meta.fandoms == ("Original Work",)
    assert meta.tags == ("Mystery", "Trains")
    assert meta.warnings == ("Major Character Death",)
    assert meta.relationships == ("A/B",)
    assert meta.characters == ("A", "B")
    assert (meta.published, meta.updated) == ("2021-01-01", "2021-02-02")
    assert (meta.declared_words, meta.declared_chapters) == (12345, "3/3")
    assert [b.plain for b in meta.summary] == [
        "Someone is on the wrong train.",
        "Nobody will say who.",
    ]


def test_category_that_names_ao3_categories():
    meta, _ = read("Rating: Mature", "Category: F/F, Gen", "Fandom: Original Work")
    assert meta.categories == ("F/F", "Gen")
    assert meta.fandoms == ("Original Work",)


def test_fanfiction_net_stats_line():
    meta, _ = read(
        "Salt Roads",
        "By: Oriel Fenn",
        "Rated: Fiction T - English - Adventure - Chapters: 12 - Words: 40,001 - "
        "Reviews: 3 - Published: 2019-03-04",
    )
    assert meta.rating == "Teen And Up Audiences"
    assert meta.language == "English"
    assert (meta.declared_chapters, meta.declared_words) == ("12", 40001)
    assert meta.published == "2019-03-04"


def test_dash_inside_one_value_does_not_split_it():
    meta, _ = read("Category: Good Tales - A. Writer & B. Writer", "Rating: K+", "Words: 10")
    assert meta.fandoms == ("Good Tales - A. Writer & B. Writer",)
    assert meta.rating == "General Audiences"


def test_unknown_rating_is_noted_and_counts_as_explicit():
    meta, warnings = read("Rating: Spicy", "Fandom: X", "Words: 3", where="title page")
    assert meta.rating == "Explicit"
    assert warnings == [
        "title page: rating 'Spicy' is not one the bot knows, so it is treated as Explicit; "
        "give one of General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated"
    ]


def test_summary_keeps_its_styles():
    summary = Block(BlockKind.PARAGRAPH, (Run("A "), Run("bold", Style.BOLD), Run(" one")))
    fields = title_page.read_page((*lines("Rating: Mature", "Fandom: X", "Summary:"), summary))
    assert fields is not None
    meta = title_page.apply(Metadata(title="T"), fields, [], where="p")
    assert meta.summary == (summary,)


@pytest.mark.parametrize(
    "texts",
    [
        # Prose with colons in it.
        ("She said: no.", "He said: yes.", "They said: maybe.", "Then the rain came."),
        # Labels, but not ones these pages use.
        ("To: the mayor", "From: the clerk", "Subject: the bridge"),
        # A long stretch of prose before any label.
        ("One line.", "Two lines.", "Three.", "Four.", "Five.", "Rating: M", "Fandom: X",
         "Words: 2"),
        # Too much text that is not a label's value.
        ("Rating: M", "Fandom: X", "Words: 2", "a", "b", "c", "d"),
    ],
)
def test_pages_that_are_not_metadata(texts):
    assert title_page.read_page(lines(*texts)) is None


def test_header_above_the_story():
    blocks = lines(
        "Title: Fog\nAuthor: M. Abara\nRating: NC-17\nFandom: Original Work",
        "The fog came in.",
        "It stayed.",
    )
    found = title_page.read_header(blocks)
    assert found is not None
    fields, consumed = found
    assert consumed == 1
    meta = title_page.apply(Metadata(title=""), fields, [], where="header")
    assert (meta.title, meta.author, meta.rating) == ("Fog", "M. Abara", "Explicit")


def test_header_summary_between_labels_belongs_to_it():
    blocks = lines(
        "Rating: Mature",
        "Summary:",
        "A short summary.",
        "Fandom: Original Work\nWords: 900",
        "Story starts here.",
    )
    fields, consumed = title_page.read_header(blocks)
    assert consumed == 4
    meta = title_page.apply(Metadata(title="T"), fields, [], where="header")
    assert [b.plain for b in meta.summary] == ["A short summary."]


def test_header_needs_three_known_labels_with_short_values():
    assert title_page.read_header(lines("Rating: M", "Fandom: X", "The story.")) is None
    prose = lines(
        "Note: the kettle was broken.",
        "Rating: five stars, she wrote, and meant it, every single word of it, twice over.",
        "Warnings: none that she could see.",
        "Fandom: she had never heard the word.",
    )
    assert title_page.read_header(prose) is None


def test_fill_keeps_what_is_known():
    fields = title_page.read_page(lines("Rating: General Audiences", "Fandom: Y", "Words: 7"))
    meta = Metadata(title="T", rating="Mature", fandoms=("X",))
    filled = title_page.apply(meta, fields, [], where="log", fill=True)
    assert (filled.rating, filled.fandoms, filled.declared_words) == ("Mature", ("X",), 7)
