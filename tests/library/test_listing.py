"""The shelf, story cards and search results, without Discord."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.library.listing import (
    CARD_BUDGET,
    FIELD_LIMIT,
    LISTING_PAGE_SIZE,
    ListingFilters,
    empty_listing_message,
    facet_choices,
    filter_stories,
    highlight,
    hit_label,
    hit_line,
    join_clipped,
    listing_line,
    listing_page,
    progress_cell,
    reader_progress,
    story_card,
    summary_markdown,
)
from bot.storage.progress import Progress
from bot.text.formatting import page_count
from bot.text.markup import to_plain
from bot.text.story import Block, BlockKind, Chapter, Metadata, Run, Story, Style, paragraph


def make_story(story_id: str, title: str, **meta) -> Story:
    chapters = meta.pop("chapters", 1)
    return Story(
        meta=Metadata(title=title, **meta),
        chapters=tuple(Chapter(f"Part {n}", (paragraph("Text."),)) for n in range(chapters)),
        id=story_id,
    )


SHELF = [
    make_story("alpha", "Alpha Tide", author="Ines Rook", rating="General Audiences",
               fandoms=("Original Work",), tags=("Slow Burn",)),
    make_story("beta", "Beta Harbour", author="Zoë Marchetti", rating="Mature",
               fandoms=("Pokémon",), relationships=("Misty/Brock",), tags=("Angst",)),
    make_story("gamma", "Gamma", author="Pip", rating="Explicit",
               fandoms=("Original Work", "Harbour Tales"), characters=("The Ferrywoman",)),
]


def ids(stories) -> list[str]:
    return [s.id for s in stories]


def progress(*, furthest: int, length: int = 1000, finished: bool = False,
             position: int = 0) -> Progress:
    return Progress(1, "alpha", position, "", furthest, length, 3, 100, 0.0, 0.0,
                    1.0 if finished else None)


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("filters", "expected"), [
    (ListingFilters(), ["alpha", "beta", "gamma"]),
    (ListingFilters(search="harbour"), ["beta", "gamma"]),  # title, then a fandom
    (ListingFilters(search="ZOE"), ["beta"]),  # author, accents and case ignored
    (ListingFilters(search="rook tide"), ["alpha"]),  # every word, anywhere
    (ListingFilters(search="rook harbour"), []),
    (ListingFilters(search="slow burn"), ["alpha"]),  # tags count
    (ListingFilters(fandom="pokemon"), ["beta"]),
    (ListingFilters(fandom="original"), ["alpha", "gamma"]),
    (ListingFilters(tag="misty"), ["beta"]),  # relationships are tags
    (ListingFilters(tag="ferry"), ["gamma"]),  # so are characters
    (ListingFilters(tag="original"), []),  # fandoms are not tags
    (ListingFilters(rating="Mature"), ["beta"]),
    (ListingFilters(fandom="original", rating="Explicit"), ["gamma"]),
    (ListingFilters(search="   "), ["alpha", "beta", "gamma"]),
])
def test_filters(filters, expected):
    assert ids(filter_stories(SHELF, filters)) == expected


def test_filters_keep_the_given_order():
    shown = filter_stories(list(reversed(SHELF)), ListingFilters())
    assert ids(shown) == ["gamma", "beta", "alpha"]


def test_filters_describe_and_escape():
    assert not ListingFilters()
    assert ListingFilters(rating="Mature")
    text = ListingFilters(search="*bold*", tag="a_b", rating="Mature").describe()
    assert text == "search “\\*bold\\*” · tag “a\\_b” · rating Mature"


def test_empty_shelf_messages():
    message = empty_listing_message(ListingFilters(fandom="Nope"), 3)
    assert "fandom “Nope”" in message and "dropping a filter" in message
    assert "library is empty" in empty_listing_message(ListingFilters(), 0)


def test_facet_choices():
    values = ["Original Work", "Pokémon", "original work", "Harbour Tales", "Work Songs", ""]
    assert facet_choices(values, "work") == ["Original Work", "Work Songs"][::-1]
    assert facet_choices(values, "") == ["Harbour Tales", "Original Work", "Pokémon",
                                         "Work Songs"]
    assert facet_choices(values, "POKE") == ["Pokémon"]
    assert len(facet_choices([f"tag {i}" for i in range(40)], "tag")) == 25


# --- paging ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (1, 1), (8, 1), (9, 2), (16, 2), (17, 3)])
def test_page_count(count, pages):
    assert page_count(count, LISTING_PAGE_SIZE) == pages


def test_listing_pages_cover_every_item_once():
    items = list(range(19))
    seen = []
    for number in range(1, page_count(len(items), LISTING_PAGE_SIZE) + 1):
        page = listing_page(items, number)
        assert page.start == (number - 1) * LISTING_PAGE_SIZE
        assert page.has_prev == (number > 1)
        assert page.has_next == (number < 3)
        seen.extend(page.items)
    assert seen == items


@pytest.mark.parametrize(("asked", "shown"), [(-4, 1), (0, 1), (2, 2), (3, 3), (99, 3)])
def test_listing_page_clamps(asked, shown):
    page = listing_page(list(range(20)), asked)
    assert (page.number, page.total) == (shown, 3)


def test_empty_listing_page():
    page = listing_page([], 1)
    assert page.items == () and page.total == 1 and not page.has_next


# --- progress --------------------------------------------------------------------------------


def test_progress_cells():
    assert progress_cell(None) == "not started"
    assert progress_cell(progress(furthest=280)) == "▰▰▱▱▱▱▱ 28%"
    assert progress_cell(progress(furthest=1000, finished=True)) == "▰▰▰▰▰▰▰ ✓ finished"
    # A story that grew since: the share stays within 0-100%.
    assert progress_cell(progress(furthest=1500)).endswith(" 100%")
    assert progress_cell(progress(furthest=0, length=0)).endswith("100%")


def test_reader_progress_lines():
    assert reader_progress(None, 1, 9, "alpha") == "Not started yet — `/read alpha` opens it."
    line = reader_progress(progress(furthest=500), 4, 9, "alpha")
    assert line == "▰▰▰▰▱▱▱ 50% · saved at page 4/9"
    done = reader_progress(progress(furthest=1000, finished=True), 9, 9, "alpha")
    assert "✓ Finished" in done and "page 9/9" in done


# --- shelf lines -----------------------------------------------------------------------------


def test_shelf_line_plain_and_gated():
    alpha, beta = SHELF[0], SHELF[1]
    line = listing_line(1, alpha, words=1234, gated=False, progress=None)
    assert line == ("`1.` **Alpha Tide** by Ines Rook · `alpha`\n"
                    "General · 1,234 words · 1 chapter · not started")
    gated = listing_line(12, beta, words=5, gated=True, progress=progress(furthest=500))
    assert gated.startswith("`12.` 🔞 **Beta Harbour**")
    assert "Mature · 5 words · 1 chapter · ▰▰▰▰▱▱▱ 50%" in gated


def test_shelf_line_escapes_and_clips():
    odd = make_story("odd", "*" * 300, author="_under_", chapters=3)
    line = listing_line(1, odd, words=0, gated=False, progress=None)
    assert "\\*" in line and "\\_under\\_" in line and "3 chapters" in line
    assert len(line) < 450


# --- story cards -----------------------------------------------------------------------------


def rich_story(**changes) -> Story:
    meta = dict(
        title="The Lantern Keeper", author="Hollis Vane", rating="Mature",
        warnings=("Major Character Death", "Graphic Depictions Of Violence"),
        fandoms=("Original Work",), relationships=("Mara/Tobin",),
        characters=("Mara", "Tobin"), tags=("Slow Burn", "Found_Family"),
        language="English", published="2021-03-04",
        summary=(paragraph("A keeper and ", Run("a lamp", Style.ITALIC), "."),
                 paragraph("Second paragraph.")),
    )
    meta.update(changes)
    return Story(Metadata(**meta),
                 (Chapter("Dusk", (paragraph("x"),)), Chapter("Dawn", (paragraph("y"),))),
                 id="lantern")


def fields(card) -> dict[str, str]:
    return {f.name: f.value for f in card.fields}


def test_card_fields():
    card = story_card(rich_story(), words=4321, gated=True, show_text=True,
                      link="https://example.org/works/1", progress_line="▰▱ 10%")
    assert card.title == "The Lantern Keeper"
    assert card.author == "by Hollis Vane"
    assert card.url == "https://example.org/works/1"
    assert card.description == "A keeper and _a lamp_.\n\nSecond paragraph."
    got = fields(card)
    assert got["Rating"] == "Mature 🔞"
    assert got["Words"] == "4,321"
    assert got["Chapters"] == "2"
    assert got["Chapter titles"] == "1. Dusk\n2. Dawn"
    assert got["Archive warnings"] == ("||Major Character Death||, "
                                       "||Graphic Depictions Of Violence||")
    assert got["Fandoms"] == "Original Work"
    assert got["Relationships"] == "Mara/Tobin"
    assert got["Characters"] == "Mara, Tobin"
    assert got["Tags"] == "Slow Burn, Found\\_Family"
    assert got["Source"] == "https://example.org/works/1"
    assert got["Your progress"] == "▰▱ 10%"
    assert got["Dates"] == "Published 2021-03-04"
    assert card.footer == "Open it with /read lantern"


def test_card_withholds_the_summary_of_a_gated_story():
    card = story_card(rich_story(), words=1, gated=True, show_text=False, link=None,
                      progress_line="", progress_title="Progress — alice")
    assert "keeper" not in card.description
    assert "🔞" in card.description and "age-restricted" in card.description
    assert "Source" not in fields(card)
    assert "Progress — alice" in fields(card)


def test_card_without_optional_parts():
    bare = Story(Metadata(title="Bare"), (Chapter("", (paragraph("x"),)),), id="bare")
    card = story_card(bare, words=1, gated=False, show_text=True, link=None, progress_line="-")
    assert card.description == "*No summary.*"
    assert set(fields(card)) == {"Rating", "Words", "Chapters", "Your progress"}
    assert card.author == ""


def test_card_fits_discord_limits_with_huge_metadata():
    many = tuple(f"Tag number {i} with a fairly long name" for i in range(400))
    story = rich_story(
        title="T" * 400, author="A" * 400, warnings=many, fandoms=many, relationships=many,
        characters=many, tags=many, summary=tuple(paragraph("Word " * 200) for _ in range(5)),
    )
    card = story_card(story, words=1, gated=False, show_text=True, link=None,
                      progress_line="p")
    assert len(card) <= CARD_BUDGET
    assert len(card.title) <= 256 and len(card.author) <= 256
    assert len(card.description) <= 1500
    for field in card.fields:
        assert 0 < len(field.value) <= FIELD_LIMIT and len(field.name) <= 256
    assert fields(card)["Tags"].endswith("more")
    assert len(card.fields) <= 25


def test_join_clipped():
    assert join_clipped([], 100) == ""
    assert join_clipped(["a", "b"], 100) == "a, b"
    assert join_clipped(["a|b"], 100, spoiler=True) == "||a\\|b||"
    clipped = join_clipped([f"item{i}" for i in range(50)], 60)
    assert len(clipped) <= 60 and clipped.endswith("more")
    assert clipped.startswith("item0, item1")
    assert join_clipped(["x" * 100], 30) == "… and 1 more"


def test_summary_cut_between_words_keeps_spans_closed():
    blocks = (paragraph("Short opening."),
              paragraph(Run("italic words " * 40, Style.ITALIC), "plain tail"))
    text = summary_markdown(blocks, 200)
    assert len(text) <= 200
    assert text.startswith("Short opening.\n\n_italic words")
    assert text.endswith("_…")  # the italics closed before the ellipsis
    assert text.count("_") % 2 == 0
    assert "italic word_" not in text  # cut between words


def test_summary_keeps_paragraphs_and_notes():
    note = Block(BlockKind.NOTE, (Run("line one\nline two"),))
    text = summary_markdown((paragraph("a"), note))
    assert text == "a\n\n> line one\n> line two"
    assert to_plain(summary_markdown((paragraph("x*y"),))) == "x*y"


# --- search results --------------------------------------------------------------------------


def test_highlight_escapes_and_bolds():
    assert highlight("a *b* c", [(3, 4)]) == "a \\***b**\\* c"
    assert highlight("plain", []) == "plain"
    assert highlight("> quoted", [(2, 8)]) == "\\> **quoted**"
    # Overlapping or empty marks are skipped rather than producing broken markdown.
    assert highlight("abcdef", [(0, 3), (1, 2), (4, 4)]) == "**abc**def"
    assert to_plain(highlight("x_y **z**", [(0, 3)])) == "x_y **z**"


def test_hit_line_and_label():
    one = SHELF[0]
    line = hit_line(2, one, chapter=0, page=3, pages=9, snippet_markdown="…the **tide**…")
    assert line == "`2.` **Alpha Tide** · page 3/9\n> …the **tide**…"
    many = make_story("m", "Many", chapters=3)
    assert "Chapter 2 · page 5/9" in hit_line(1, many, chapter=1, page=5, pages=9,
                                              snippet_markdown="x")
    label = hit_label(5, make_story("x", "L" * 200), 123)
    assert len(label) <= 80 and label.endswith("· p. 123")


def test_card_keeps_the_count_the_file_states_when_it_differs():
    story = rich_story()
    stated = Story(replace(story.meta, declared_words=180_297), story.chapters, id=story.id)
    assert fields(story_card(stated, words=180_011, gated=False, show_text=True, link=None,
                             progress_line="-"))["Words"] == "180,011 (the file says 180,297)"
    same = Story(replace(story.meta, declared_words=4321), story.chapters, id=story.id)
    assert fields(story_card(same, words=4321, gated=False, show_text=True, link=None,
                             progress_line="-"))["Words"] == "4,321"
