"""The `.md` parser: front matter, chapter headings, blocks and inline Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsers import markdown
from bot.parsers.common import inline_markdown, metadata_from_mapping
from bot.story import SCENE_BREAK_BLOCK, BlockKind, Run, Story, StoryError, Style

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "markdown"

IT, BD, ST = Style.ITALIC, Style.BOLD, Style.STRIKE


def parse(source: str, name: str = "story.md") -> Story:
    return markdown.parse(source.encode(), name)


def blocks(story: Story, chapter: int = 0) -> list[tuple[str, str]]:
    return [(block.kind.value, block.plain) for block in story.chapters[chapter].blocks]


def runs(source: str) -> list[tuple[str, Style]]:
    return [(run.text, run.style) for run in inline_markdown(source)]


# -- front matter ------------------------------------------------------------------------------


def test_front_matter_with_every_key():
    story = markdown.parse((FIXTURES / "full_front_matter.md").read_bytes(), "full.md")
    meta = story.meta
    assert meta.title == "The Cartographer’s Apprentice"
    assert meta.author == "Wren Ashdown"
    assert meta.rating == "Teen And Up Audiences"
    assert meta.warnings == ("No Archive Warnings Apply",)
    assert meta.fandoms == ("Original Work",)
    assert meta.relationships == ()
    assert meta.characters == ("Ilka Moor", "Master Brand")
    assert meta.tags == ("Maps", "Apprenticeship", "Rivers")  # one text, split on commas
    assert meta.series == ("Part 3 of Inland Waters, Revised",)  # one text, one series
    assert meta.categories == ("Gen",)
    assert meta.language == "English"
    assert meta.url == "https://example.org/works/42"
    assert (meta.published, meta.updated) == ("2019-07-01", "2019-08-15")
    assert [block.runs for block in meta.summary] == [
        (Run("Ilka learns to draw rivers that "), Run("will not", BD), Run(" stay still.")),
        (Run("The second paragraph of the summary."),),
    ]
    assert story.warnings == ("front matter: unknown key 'mood' ignored",)
    # The single `#` repeats the title; the `##` headings are the chapters.
    assert [c.title for c in story.chapters] == ["Chapter One: Ink", "Chapter Two: Water"]
    assert story.chapters[0].blocks[0].runs[1] == Run("nobody", IT)


def test_no_front_matter_takes_the_title_from_the_file_name():
    story = parse("Just a paragraph.\n", name="the_quiet-harbour.md")
    assert story.title == "The Quiet Harbour"
    assert story.meta.rating == "Not Rated"
    assert blocks(story) == [("paragraph", "Just a paragraph.")]


def test_empty_front_matter_is_fine():
    assert parse("---\n---\nText.\n", name="x.md").title == "X"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("---\ntitle: ok\ntags: [a, b\nauthor: x\n---\nText.\n", r"invalid YAML at line 4"),
        ("---\ntitle: ok\n  author: x\n---\nText.\n", r"invalid YAML at line 3"),
        ("---\ntitle: ok\n\tauthor: x\n---\nText.\n", r"invalid YAML at line 3"),
        ("---\n- a\n- b\n---\nText.\n", r"expected 'key: value' lines, found a list"),
        ("---\njust some words\n---\nText.\n", r"expected 'key: value' lines"),
        ("---\ntitle: never closed\n\nText.\n", r"no closing '---'"),
        ("---\ntitle: !!python/object:os.system x\n---\nText.\n", r"invalid YAML"),
    ],
)
def test_malformed_front_matter(source, message):
    with pytest.raises(StoryError, match=r"^front matter: .*" + message):
        parse(source)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("tags: 5", "'tags' should be a list or a comma-separated text, not a number (5)"),
        ("title: [a, b]", "'title' should be text, not a list"),
        ("author: {name: x}", "'author' should be text, not a table of keys"),
        ("rating: [M]", "'rating' should be text, not a list"),
        ("fandoms: [[a]]", "'fandoms' should hold text items, not a list"),
        ("summary: {a: 1}", "'summary' should be text or a list of paragraphs"),
        ("published: yes", "'published' should be a date or text, not true/false"),
        ("tag: a\ntags: b", "'tag' and 'tags' both give 'tags'"),
        ("summary: [ok, {a: 1}]", "'summary' paragraphs should be text, not a table of keys"),
    ],
)
def test_wrong_typed_keys_name_the_key_and_what_was_expected(line, message):
    with pytest.raises(StoryError) as info:
        parse(f"---\n{line}\n---\nText.\n")
    assert str(info.value).startswith(f"front matter: {message}")


def test_front_matter_values_are_forgiving_where_meaning_is_clear():
    story = parse(
        "---\nTitle: 1984\nauthors: [Ann, Bo]\nRating: e\nfandom: Solo\n"
        "characters: [7, Ada]\nsummary: [First., Second.]\nurl: not a link\n---\nText.\n"
    )
    meta = story.meta
    assert meta.title == "1984"
    assert meta.author == "Ann, Bo"
    assert meta.rating == "Explicit"
    assert meta.fandoms == ("Solo",)
    assert meta.characters == ("7", "Ada")
    assert [b.plain for b in meta.summary] == ["First.", "Second."]
    assert meta.url == ""
    assert any("'url'" in warning for warning in story.warnings)


def test_dates_are_kept_as_iso_text():
    story = parse("---\ntitle: 2020-01-02\npublished: 2019-07-01 10:30:00\n---\nText.\n")
    assert story.title == "2020-01-02"
    assert story.meta.published == "2019-07-01T10:30:00"


def test_metadata_from_mapping_uses_the_fallback_title_and_ignores_nulls():
    meta = metadata_from_mapping(
        {"title": None, "tags": None, "rating": ""}, fallback_title="Fallback", where="x"
    )
    assert (meta.title, meta.tags, meta.rating) == ("Fallback", (), "Not Rated")


# -- chapters ----------------------------------------------------------------------------------


def test_hash_headings_are_chapters():
    story = parse("# One\n\nA.\n\n# Two\n\nB.\n\n## Aside\n\nC.\n")
    assert story.title == "Story"
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert blocks(story, 1) == [("paragraph", "B."), ("heading", "Aside"), ("paragraph", "C.")]


def test_single_hash_over_double_hash_chapters_is_the_book_title():
    story = parse("# The Book\n\n## One\n\nA.\n\n### Scene\n\nB.\n\n## Two\n\nC.\n")
    assert story.title == "The Book"
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert blocks(story) == [("paragraph", "A."), ("heading", "Scene"), ("paragraph", "B.")]
    assert story.warnings == ()


def test_double_hash_chapters_without_a_title_heading():
    story = parse("## One\n\nA.\n\n## Two\n\nB.\n")
    assert [c.title for c in story.chapters] == ["One", "Two"]


def test_a_lone_heading_over_the_text_is_the_title():
    story = parse("# Night Ferry\n\nThe ferry left at nine.\n")
    assert story.title == "Night Ferry"
    assert [c.title for c in story.chapters] == [""]
    assert blocks(story) == [("paragraph", "The ferry left at nine.")]


def test_a_lone_heading_under_a_front_matter_title_is_a_chapter():
    story = parse("---\ntitle: Night Ferry\n---\n# Chapter One: Departure\n\nText.\n")
    assert story.title == "Night Ferry"
    assert [c.title for c in story.chapters] == ["Chapter One: Departure"]


def test_front_matter_title_wins_over_a_different_title_heading():
    story = parse("---\ntitle: Night Ferry\n---\n# Ferry\n\n## One\n\nA.\n\n## Two\n\nB.\n")
    assert story.title == "Night Ferry"
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert len(story.warnings) == 1 and "differs" in story.warnings[0]


def test_text_before_the_first_chapter_is_an_untitled_chapter():
    story = parse("An epigraph.\n\n# One\n\nA.\n\n# Two\n\nB.\n")
    assert [c.title for c in story.chapters] == ["", "One", "Two"]
    assert blocks(story) == [("paragraph", "An epigraph.")]


def test_an_empty_chapter_heading_becomes_a_heading_of_the_next():
    story = parse("# Part One\n\n# Chapter 1\n\nA.\n\n# Chapter 2\n\nB.\n")
    assert [c.title for c in story.chapters] == ["Chapter 1", "Chapter 2"]
    assert blocks(story) == [("heading", "Part One"), ("paragraph", "A.")]


def test_heading_markup_and_closing_hashes():
    story = parse("# *The* Storm ##\n\nA.\n\n# C# Notes\n\nB.\n")
    assert [c.title for c in story.chapters] == ["The Storm", "C# Notes"]


def test_hash_without_a_space_is_text():
    story = parse("#hashtag and #5\n")
    assert blocks(story) == [("paragraph", "#hashtag and #5")]


# -- blocks ------------------------------------------------------------------------------------


def test_paragraph_lines_join_with_spaces_and_hard_breaks_stay():
    story = parse("one\ntwo  \nthree\\\nfour\nfive\\\n")
    assert blocks(story) == [("paragraph", "one two\nthree\nfour five\\")]


def test_list_items_keep_their_own_lines():
    story = parse("Shopping:\n- eggs\n- milk\n1. first\n")
    assert blocks(story) == [("paragraph", "Shopping:\n- eggs\n- milk\n1. first")]


@pytest.mark.parametrize("ornament", ["---", "***", "* * *", "~~~", "___", "- - -", "⁂", "-" * 60])
def test_scene_breaks(ornament):
    story = parse(f"Before.\n\n{ornament}\n\nAfter.\n")
    assert story.chapters[0].blocks[1] == SCENE_BREAK_BLOCK


def test_a_thematic_break_under_a_paragraph_line_is_a_break_not_a_heading():
    story = parse("He left.\n---\nMorning came.\n")
    assert [c.title for c in story.chapters] == [""]
    assert blocks(story) == [
        ("paragraph", "He left."),
        ("break", "⁂"),
        ("paragraph", "Morning came."),
    ]


def test_breaks_collapse_and_never_open_or_close_a_chapter():
    story = parse("# One\n\n***\n\nA.\n\n---\n\n* * *\n\nB.\n\n~~~\n\n# Two\n\nC.\n")
    assert blocks(story) == [("paragraph", "A."), ("break", "⁂"), ("paragraph", "B.")]


def test_blank_lines_do_not_make_breaks_in_markdown():
    story = parse("A.\n\n\n\n\nB.\n")
    assert blocks(story) == [("paragraph", "A."), ("paragraph", "B.")]


def test_blockquotes_become_paragraphs():
    story = parse("> She wrote: *come home*.\n> Soon.\n>\n> > Nested.\n\nAfter.\n")
    assert blocks(story) == [
        ("paragraph", "She wrote: come home. Soon."),
        ("paragraph", "Nested."),
        ("paragraph", "After."),
    ]


def test_fenced_code_is_literal():
    story = parse("```\n*not italic*\n  kept indent\n```\n\nAfter.\n")
    assert story.chapters[0].blocks[0].runs == (Run("*not italic*\n  kept indent"),)


def test_indented_lines_are_paragraphs_not_code():
    story = parse("    An indented first line\nof a paragraph.\n")
    assert blocks(story) == [("paragraph", "An indented first line of a paragraph.")]


def test_crlf_input_reads_like_lf():
    source = (FIXTURES / "full_front_matter.md").read_text()
    crlf = markdown.parse(source.replace("\n", "\r\n").encode(), "full.md")
    lf = markdown.parse(source.encode(), "full.md")
    assert crlf == lf


def test_curly_quotes_dashes_and_cjk_are_kept_exactly():
    source = "“Wait—” she said… ‘fine’ – 東京の夜。\u00a0Done.\n"
    assert blocks(parse(source)) == [("paragraph", source.rstrip("\n"))]


def test_wrapped_cjk_joins_without_a_space():
    assert blocks(parse("東京の\n夜。\n")) == [("paragraph", "東京の夜。")]


@pytest.mark.parametrize("source", ["", "\n\n", "---\ntitle: x\n---\n", "# Only\n\n## Headings\n"])
def test_no_story_text_is_an_error(source):
    with pytest.raises(StoryError):
        parse(source)


def test_no_story_text_message():
    with pytest.raises(StoryError, match="no story text"):
        parse("---\ntitle: x\n---\n\n***\n")


# -- inline Markdown ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*a*", [("a", IT)]),
        ("_a_", [("a", IT)]),
        ("**a**", [("a", BD)]),
        ("__a__", [("a", BD)]),
        ("***a***", [("a", IT | BD)]),
        ("~~a~~", [("a", ST)]),
        ("x *a* y", [("x ", 0), ("a", IT), (" y", 0)]),
        ("**bold *both* bold**", [("bold ", BD), ("both", IT | BD), (" bold", BD)]),
        ("***a** b*", [("a", IT | BD), (" b", IT)]),
        ("un*believ*able", [("un", 0), ("believ", IT), ("able", 0)]),
        ("snake_case_name", [("snake_case_name", 0)]),
        ("_a_b_", [("a_b", IT)]),
        ("*unclosed", [("*unclosed", 0)]),
        ("**unclosed *a*", [("**unclosed ", 0), ("a", IT)]),
        ("a * b * c", [("a * b * c", 0)]),
        ("2 * 3 = 6", [("2 * 3 = 6", 0)]),
        ("~one~", [("~one~", 0)]),
        ("~~~a~~~", [("~~~a~~~", 0)]),
        (r"\*literal\*", [("*literal*", 0)]),
        (r"\_a\_ \\ \# \[x]", [("_a_ \\ # [x]", 0)]),
        (r"a\b", [("a\\b", 0)]),
        ("`*code*`", [("*code*", 0)]),
        ("``a ` b``", [("a ` b", 0)]),
        ("`unclosed", [("`unclosed", 0)]),
        ("[the *link*](https://x.org/a_b)", [("the ", 0), ("link", IT)]),
        ("![alt text](pic.png)", [("alt text", 0)]),
        ("[not a link] (x)", [("[not a link] (x)", 0)]),
        ("<https://x.org/a_b_c>", [("https://x.org/a_b_c", 0)]),
        ("a &mdash; b &amp; c &bogus;", [("a — b & c &bogus;", 0)]),
        ("*a\nb*", [("a\nb", IT)]),
    ],
)
def test_inline_markdown(source, expected):
    assert runs(source) == expected


_PLAIN = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\ufeff\\"),
    max_size=80,
)


def _escape(text: str) -> str:
    return "".join("\\" + c if c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" else c for c in text)


@given(_PLAIN)
def test_escaped_text_round_trips(text):
    parsed = inline_markdown(_escape(text))
    assert "".join(run.text for run in parsed) == text
    assert all(run.style == Style.NONE for run in parsed)


_MARKERS = "*_~"


@given(st.text(st.sampled_from("ab *_~.,\n"), max_size=60))
def test_markers_are_the_only_characters_that_may_disappear(text):
    plain = "".join(run.text for run in inline_markdown(text))
    assert "".join(c for c in plain if c not in _MARKERS) == "".join(
        c for c in text if c not in _MARKERS
    )


_WORDS = st.lists(st.text("abcdefghij", min_size=1, max_size=8), min_size=1, max_size=6)


@given(st.lists(st.tuples(_WORDS, st.sampled_from(["", "*", "**", "~~", "***"])), max_size=8))
def test_styled_words_round_trip(parts):
    source = " ".join(f"{mark}{' '.join(words)}{mark}" for words, mark in parts)
    styles = {"": Style.NONE, "*": IT, "**": BD, "~~": ST, "***": IT | BD}
    expected = [(" ".join(words), styles[mark]) for words, mark in parts]
    got = inline_markdown(source)
    assert "".join(run.text for run in got) == " ".join(text for text, _ in expected)
    for text, style in expected:
        assert any(run.text.strip() == text and run.style == style for run in got) or not style


@given(st.lists(_WORDS.map(" ".join), min_size=1, max_size=10))
def test_plain_paragraphs_round_trip(paragraphs):
    story = parse("\n\n".join(paragraphs))
    assert [b.plain for c in story.chapters for b in c.blocks] == paragraphs
    assert all(b.kind is BlockKind.PARAGRAPH for c in story.chapters for b in c.blocks)


# -- size --------------------------------------------------------------------------------------


def test_ten_megabyte_paragraph_parses_whole():
    # Its speed is measured by bench/library.py; here, that nothing is lost or split.
    words = ("river heron lamp map ink the and of " * 300_000).encode()
    assert len(words) > 10_000_000
    story = markdown.parse(words, "big.md")
    assert story.words == 2_400_000
    assert len(story.chapters) == 1 and len(story.chapters[0].blocks) == 1
