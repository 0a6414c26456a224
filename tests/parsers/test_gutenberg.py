"""Project Gutenberg's wrapping: the markers, the header, and a Gutenberg book read as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsers import gutenberg, parse_story
from bot.text.story import Run, Story, Style

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "text"


def load(name: str, sidecar: str | None = None) -> Story:
    data = (FIXTURES / name).read_bytes()
    return parse_story(data, name, sidecar.encode() if sidecar is not None else None)


def story_words(story: Story) -> str:
    return " ".join([story.plain, *(chapter.title for chapter in story.chapters)])


# -- the markers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "*** START OF THE PROJECT GUTENBERG EBOOK THE SALT LEDGER ***",
        "***START OF THIS PROJECT GUTENBERG EBOOK LANTERNS ON THE WEIR***",
        "*** START OF THIS PROJECT GUTENBERG EBOOK ***",
        "START OF THE PROJECT GUTENBERG EBOOK THE SALT LEDGER",
        "*** START OF THE PROJECT GUTENBERG E-BOOK THE SALT LEDGER ***",
        "*** START OF THE PROJECT GUTENBERG ETEXT THE SALT LEDGER ***",
        "*** Start of the Project Gutenberg eBook The Salt Ledger ***",
    ],
)
def test_start_marker_forms(line):
    assert gutenberg.is_wrapped(f"Header.\n\n{line}\n\nBook.\n")
    _, body = gutenberg.unwrap(f"Header.\n\n{line}\n\nBook.\n")
    assert body.strip() == "Book."


@pytest.mark.parametrize(
    "line",
    [
        "The start of the project was a Gutenberg bible.",
        "She said: START OF THE PROJECT, then stopped.",
        "*** START OF THE PROJECT GUTENBERG",
    ],
)
def test_prose_is_not_a_start_marker(line):
    assert not gutenberg.is_wrapped(f"{line}\n")
    assert gutenberg.unwrap(f"{line}\n") is None


def test_unwrap_drops_end_line_end_marker_licence_and_credits():
    source = (
        "The Project Gutenberg EBook of Tide, by Ann Reed\n\nTitle: Tide\n\n"
        "*** START OF THIS PROJECT GUTENBERG EBOOK TIDE ***\n\n"
        "Produced by the Night Readers\nand friends\n\n"
        "The book itself.\n\n"
        "End of the Project Gutenberg EBook of Tide, by Ann Reed\n\n"
        "*** END OF THIS PROJECT GUTENBERG EBOOK TIDE ***\n\nThe licence.\n"
    )
    fields, body = gutenberg.unwrap(source)
    assert fields == {"title": "Tide", "author": "Ann Reed"}
    assert body.strip() == "The book itself."


def test_book_without_end_marker_runs_to_the_end():
    fields, body = gutenberg.unwrap("*** START OF THE PROJECT GUTENBERG EBOOK X ***\nAll of it.\n")
    assert fields == {}
    assert body.strip() == "All of it."


# -- the header --------------------------------------------------------------------------------


def test_header_title_continues_on_an_indented_line_and_authors_are_one_a_line():
    fields = gutenberg.header_fields(
        "Title: The Salt Ledger\n       Being an Account of the Harbour Years\n\n"
        "Author: Wren Halloway\n        Tobias Fenn\n\n"
        "Release date: March 3, 2021 [eBook #99901]\n"
        "                Most recently updated: April 1, 2022\n\nLanguage: English\n"
    )
    assert fields == {
        "title": "The Salt Ledger: Being an Account of the Harbour Years",
        "author": "Wren Halloway, Tobias Fenn",
        "published": "March 3, 2021",
        "language": "English",
    }


def test_header_title_that_wraps_mid_sentence_runs_on():
    fields = gutenberg.header_fields("Title: The Voyage of the Small Boat, and what\n  befell it\n")
    assert fields["title"] == "The Voyage of the Small Boat, and what befell it"


@pytest.mark.parametrize(
    ("first", "title", "author"),
    [
        ("The Project Gutenberg eBook of Tide, by Ann Reed", "Tide", "Ann Reed"),
        ("The Project Gutenberg EBook of Tide", "Tide", None),
        ("Project Gutenberg's Tide, by Ann Reed", "Tide", "Ann Reed"),
        ("The Project Gutenberg Etext of Tide, by Ann Reed", "Tide", "Ann Reed"),
        ("The Project Gutenberg eBook, Tide, by Ann Reed", "Tide", "Ann Reed"),
    ],
)
def test_title_and_author_from_the_first_line_when_no_fields(first, title, author):
    fields = gutenberg.header_fields(f"{first}\n\nSome terms of use.\n")
    assert fields.get("title") == title
    assert fields.get("author") == author


def test_labelled_fields_win_over_the_first_line():
    fields = gutenberg.header_fields(
        "The Project Gutenberg eBook of TIDE, by A. REED\n\nTitle: Tide\n\nAuthor: Ann Reed\n"
    )
    assert (fields["title"], fields["author"]) == ("Tide", "Ann Reed")


# -- a Gutenberg book read as text -------------------------------------------------------------


def test_new_form_book_metadata_from_its_header():
    story = load("gutenberg_new.txt")
    meta = story.meta
    assert meta.title == "The Salt Ledger: Being an Account of the Harbour Years"
    assert meta.author == "Wren Halloway, Tobias Fenn"
    assert meta.language == "English"
    assert meta.published == "2021-03-03"
    assert story.warnings == ()


def test_new_form_book_chapters_and_text():
    story = load("gutenberg_new.txt")
    assert [c.title for c in story.chapters] == [
        "",
        "THE TALLY-HOUSE",
        "LOW WATER",
        "WHAT THE LEDGER SAID",
    ]
    # The contents list stays in the untitled opening, as text.
    assert "CONTENTS" in [b.plain for b in story.chapters[0].blocks]
    first = story.chapters[1].blocks[0]
    assert first.plain.startswith("The tally-house stood at the end of the mole,")
    assert Run("twice", Style.ITALIC) in first.runs
    assert story.chapters[-1].blocks[0].runs[-2:] == (
        Run("Returned", Style.BOLD),
        Run("."),
    )
    assert story.chapters[-1].blocks[-1].plain == "THE END"


@pytest.mark.parametrize("name", ["gutenberg_new.txt", "gutenberg_old_latin1.txt"])
def test_header_markers_and_licence_are_never_story_text(name):
    words = story_words(load(name))
    for wrapping in (
        "Project Gutenberg",
        "PROJECT GUTENBERG",
        "START OF",
        "END OF",
        "licence",
        "terms",
        "Release",
        "Produced by",
        "Transcribed",
        "CHAPTER 4",
        "named 98802",
    ):
        assert wrapping not in words, wrapping


def test_old_form_latin1_book():
    story = load("gutenberg_old_latin1.txt")
    meta = story.meta
    assert (meta.title, meta.author, meta.language) == (
        "Lanterns on the Weir",
        "Ottilie Brandt",
        "English",
    )
    assert meta.published == "2006-06-09"
    assert story.warnings == ("read as Windows-1252 (not UTF-8)",)
    assert [c.title for c in story.chapters] == [
        "",
        "PREFACE",
        "THE MILLER'S DAUGHTER",
        "A FÊTE BY THE RIVER",
        "WINTER",
    ]
    assert story.chapters[2].blocks[0].plain.startswith("Hélène Varga was seventeen")
    assert "crème brûlée" in story.chapters[1].blocks[0].plain
    # The contents list with page numbers is text of the opening, not chapters.
    opening = [b.plain for b in story.chapters[0].blocks]
    assert "CONTENTS" in opening
    assert any("A FÊTE BY THE RIVER 14" in " ".join(p.split()) for p in opening)
    assert story.chapters[-1].blocks[-1].plain.endswith("and it did not go out.")


def test_sidecar_wins_over_the_gutenberg_header():
    story = load(
        "gutenberg_old_latin1.txt",
        sidecar='title = "Lanterns"\nrating = "General Audiences"\n',
    )
    assert story.meta.title == "Lanterns"
    assert story.meta.author == "Ottilie Brandt"
    assert story.meta.rating == "General Audiences"


def test_every_word_of_the_book_once_and_in_order():
    source = (FIXTURES / "gutenberg_new.txt").read_text()
    book = source[source.index("THE SALT LEDGER\n\nBEING") : source.index("*** END OF")]
    headings = {"I", "II", "III", "THE TALLY-HOUSE", "LOW WATER", "WHAT THE LEDGER SAID"}
    lines = [line for line in book.split("\n") if line.strip() not in headings]
    expected = "\n".join(lines).replace("_", "").replace("*", "").split()
    story = load("gutenberg_new.txt")
    assert [word for word in story.plain.split() if word != "⁂"] == expected
    assert [c.title for c in story.chapters][1:] == [
        "THE TALLY-HOUSE",
        "LOW WATER",
        "WHAT THE LEDGER SAID",
    ]


# -- every word once, whatever the wrapping ----------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøñ", min_size=1, max_size=9)
_PARAGRAPH = st.lists(_WORD, min_size=3, max_size=14).map(lambda words: " ".join(words) + ".")
_HEADERS = [
    "The Project Gutenberg eBook of The Salt Ledger, by Hester Quill\n\nTitle: The Salt Ledger\n"
    "\nAuthor: Hester Quill\n\n*** START OF THE PROJECT GUTENBERG EBOOK THE SALT LEDGER ***\n",
    "Project Gutenberg's The Salt Ledger, by Hester Quill\n\nTitle: The Salt Ledger\n\n"
    "*** START OF THIS PROJECT GUTENBERG EBOOK THE SALT LEDGER ***\n\n\n"
    "Produced by the Weir Proofreaders\n",
]
_ENDINGS = [
    "\n\nEnd of the Project Gutenberg EBook of The Salt Ledger, by Hester Quill\n\n"
    "*** END OF THIS PROJECT GUTENBERG EBOOK THE SALT LEDGER ***\n\nThe licence, section 1.\n",
    "\n\n*** END OF THE PROJECT GUTENBERG EBOOK THE SALT LEDGER ***\n\nSection 2. Donations.\n",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(_PARAGRAPH, min_size=1, max_size=12), st.sampled_from(_HEADERS),
       st.sampled_from(_ENDINGS))
def test_property_every_word_of_the_book_once_and_in_order_and_nothing_of_the_wrapping(
        paragraphs, header, ending):
    source = header + "\n\n" + "\n\n".join(paragraphs) + ending
    story = parse_story(source.encode(), "ledger.txt")
    assert story.plain.split() == "\n\n".join(paragraphs).split()
    assert (story.title, story.meta.author) == ("The Salt Ledger", "Hester Quill")
