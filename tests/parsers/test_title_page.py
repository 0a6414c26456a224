"""Pages and headers of `Label: value` lines read as metadata."""

from __future__ import annotations

import pytest

from bot.parsers import epub, text, title_page
from bot.text.story import Block, BlockKind, Metadata, Run, Style, paragraph
from tests.parsers.epubs import make_epub, xhtml


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


# -- one reader for every format ---------------------------------------------------------------

STATS = (
    "Rated: Fiction M - English - Romance/Hurt/Comfort - [Ann, Bo] Cy - Chapters: 3 - "
    "Words: 5,000 - Reviews: 10 - Updated: 5/1/2012 - Published: 1/1/2012"
)
STORY = "The tide was out, and the boat sat in the mud until evening came round again."


def _stats_fields(meta: Metadata) -> tuple[object, ...]:
    return (
        meta.rating,
        meta.language,
        meta.tags,
        meta.relationships,
        meta.characters,
        meta.declared_chapters,
        meta.declared_words,
        meta.published,
        meta.updated,
    )


def test_stats_line_reads_the_same_in_a_text_file_and_on_an_epub_title_page():
    from_text = text.parse(f"{STATS}\n\n{STORY}\n".encode(), "salt.txt")
    documents = [
        ("page1.xhtml", xhtml(f"<h1>Salt Roads</h1><p>{STATS}</p>")),
        ("page2.xhtml", xhtml(f"<h2>The Quay</h2><p>{STORY}</p>")),
    ]
    from_epub = epub.parse(make_epub(documents), "salt.epub")
    expected = (
        "Mature",
        "English",
        ("Romance", "Hurt/Comfort"),
        ("Ann", "Bo"),
        ("Cy",),
        "3",
        5000,
        "1/1/2012",
        "5/1/2012",
    )
    assert _stats_fields(from_text.meta) == expected
    assert _stats_fields(from_epub.meta) == expected
    assert from_text.warnings == from_epub.warnings == ()


@pytest.mark.parametrize(
    ("line", "pieces"),
    [
        ("Words: 5,000 | Chapters: 3", [("words", "5,000"), ("chapters", "3")]),
        # The unlabelled parts after a rating are fanfiction.net's stats; others are dropped.
        (
            "Rated: Fiction T - English - Words: 7 - Complete",
            [("rated", "Fiction T - English"), ("words", "7")],
        ),
        ("Category: Good Tales - A. Writer", [("category", "Good Tales - A. Writer")]),
        ("Story  URL： https://example.org/s/1", [("story url", "https://example.org/s/1")]),
        ("She said: no.", [("she said", "no.")]),
        ("http://example.org", None),
        ("No label here", None),
    ],
)
def test_label_pieces(line, pieces):
    assert title_page.label_pieces(line) == pieces


def test_a_line_that_does_not_open_with_a_label_opens_nothing():
    line = "Salt Roads - Rated: Fiction T - Words: 7"
    assert title_page.label_pieces(line) == [("rated", "Fiction T"), ("words", "7")]
    assert title_page.label_pieces(line, opening=True) is None


def test_genres_split_at_slashes_only_between_fanfiction_net_genres():
    meta, _ = read("Genre: M/M, Romance/Hurt/Comfort, Fluff/Smut", "Rating: M", "Fandom: X")
    assert meta.tags == ("M/M", "Romance", "Hurt/Comfort", "Fluff/Smut")


@pytest.mark.parametrize(
    ("value", "rating", "extra"),
    [
        ("M - for language and some violence", "Mature", {}),
        ("Fiction K+ - Spanish", "General Audiences", {"language": "Spanish"}),
        ("Fiction T - English - Harry P., Ron W.", "Teen And Up Audiences",
         {"language": "English", "characters": ("Harry P.", "Ron W.")}),
        ("Fiction T - Adventure/Humor", "Teen And Up Audiences",
         {"tags": ("Adventure", "Humor")}),
    ],
)
def test_what_a_rating_value_gives(value, rating, extra):
    meta, warnings = read(f"Rating: {value}", "Fandom: X", "Words: 3")
    assert meta.rating == rating
    assert warnings == []
    for name, expected in extra.items():
        assert getattr(meta, name) == expected


def test_labels_of_every_header_are_known_and_an_author_loses_a_leading_by():
    found = title_page.read_page(
        lines(
            "Story: Fog", "Writer: by M. Abara", "Rating: Mature",
            "Link: https://example.org/f", "Note: Beta read by a friend.", "Kudos: 3",
            "Collections: Fog Week",
        )
    )
    assert found is not None
    meta = title_page.apply(Metadata(title=""), found, [], where="p")
    assert (meta.title, meta.author) == ("Fog", "M. Abara")
    assert meta.url == "https://example.org/f"
    assert [b.plain for b in meta.notes] == ["Beta read by a friend."]


def test_free_text_labels_prove_nothing():
    # Summary and Notes can open any story; the header needs three other labels.
    blocks = lines("Note: the kettle was broken.", "Rating: M", "Fandom: X", "The story.")
    assert title_page.read_header(blocks) is None
    assert not title_page.is_evidence("summary")
    assert title_page.is_evidence("status")
    assert not title_page.is_evidence("subject")


@pytest.mark.parametrize(
    ("label", "value", "reads"),
    [
        ("rating", "five stars, she wrote, and meant it, every single word of it, twice over.",
         False),
        ("rated", "Fiction M - English - Romance - Harry P., Hermione G., Ron W., Ginny W.",
         True),
        ("summary", " ".join(["word"] * 40), True),
        ("fandom", "Tidewater Tales", True),
        # A long list of short tags is a value; a long sentence with commas is not.
        ("tags", "Found Family, Slow Burn, Angst with a Happy Ending, Trains, Letters, "
                 "Lighthouses, Rain", True),
        ("tags", "the harbour, the kettle and the rain were all she had left, and then the "
                 "letters came, one a day.", False),
        ("genre", "the harbour and the kettle and the rain were all she ever wanted to keep "
                  "close", False),
    ],
)
def test_values_that_read_as_values(label, value, reads):
    assert title_page.reads_as_value(label, value) is reads
