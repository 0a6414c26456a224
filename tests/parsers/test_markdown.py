"""The `.md` parser: front matter, chapter headings, blocks and inline Markdown."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsers import markdown
from bot.parsers.inline_markdown import inline_markdown
from bot.parsers.metadata_map import metadata_from_mapping
from bot.text.story import SCENE_BREAK_BLOCK, BlockKind, Run, Story, StoryError, Style

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "markdown"

IT, BD, ST, UL = Style.ITALIC, Style.BOLD, Style.STRIKE, Style.UNDERLINE


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


def test_a_file_that_is_not_utf8_is_read_and_noted():
    story = markdown.parse("# Café\n\nŒuvre — « déjà vu ».\n".encode("cp1252"), "x.md")
    assert story.title == "Café"
    assert blocks(story) == [("paragraph", "Œuvre — « déjà vu ».")]
    assert any("not UTF-8" in warning for warning in story.warnings)


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


# -- raw HTML ----------------------------------------------------------------------------------


def styled(story: Story, chapter: int = 0) -> list[tuple[str, list[tuple[str, Style]]]]:
    return [
        (block.kind.value, [(run.text, run.style) for run in block.runs])
        for block in story.chapters[chapter].blocks
    ]


def test_html_and_footnotes_read_as_the_rendered_page():
    story = markdown.parse((FIXTURES / "glossary_and_notes.md").read_bytes(), "salt.md")
    assert story.title == "The Salt Road"
    assert [c.title for c in story.chapters] == [
        "Chapter One: The Ferry",
        "Chapter Two: The Estuary",
    ]
    one, two = styled(story), styled(story, 1)
    assert one[0] == (
        "paragraph",
        [
            ("Oriel Vashti stepped onto the ferry at dawn, her ", Style.NONE),
            ("ledger", IT),
            (
                " under one arm.[1] The ferryman, Old Ruslan, nodded to her as he always did.[2]",
                0,
            ),
        ],
    )
    assert one[1] == (
        "paragraph",
        [
            ("She counted the ", 0),
            ("crates", BD),
            (" twice, the ", 0),
            ("barrels", IT),
            (" once.", 0),
        ],
    )
    # The fenced div's fences go; the `<br>` is a line break, the `<span>` its text.
    letter = "Dear Ruslan, the tide tables were wrong again.\nYours, P."
    assert one[2] == ("paragraph", [(letter, 0)])
    # A second reference to a note reuses its number; one with no definition stays as written.
    assert one[3] == (
        "paragraph",
        [
            (
                "The ledger,[1] when she opened it, smelled of cedar and brine. "
                "Nobody had written in it since the salt war[^nosuchnote] ended.",
                0,
            )
        ],
    )
    assert one[4] == ("break", [])
    # The definition list: terms bold, entities decoded, the link its text.
    assert one[5:9] == [
        ("paragraph", [("Saltwife", BD)]),
        ("paragraph", [("A keeper of the road’s tallies, sworn at ", 0), ("sixteen", IT), (".", 0)]),  # noqa: E501
        ("paragraph", [("Tidegate", BD)]),
        (
            "paragraph",
            [
                (
                    "The iron door at the mouth of the estuary, opened twice a day "
                    "when the moon allows.",
                    0,
                )
            ],
        ),
    ]
    # Notes close the chapter, numbered in order of first reference; indented lines and an
    # indented paragraph continue a note, and so does the unindented line straight after one.
    assert one[9:] == [
        (
            "note",
            [
                (
                    "[1] The ledger is older than the road itself. "
                    "Its first pages are in a hand nobody can read.",
                    0,
                )
            ],
        ),
        ("note", [("A second paragraph of the same note, indented.", 0)]),
        (
            "note",
            [("[2] Ruslan is not his real name. Everyone on the river calls him that anyway.", 0)],
        ),
    ]
    # Numbering starts again in each chapter, which repeats the notes it refers to; a note
    # nothing refers to stays, unnumbered, in the chapter that holds it.
    assert two == [
        ("paragraph", [("The tidegate opened at noon, as it always did.[1]", 0)]),
        (
            "note",
            [("[1] Ruslan is not his real name. Everyone on the river calls him that anyway.", 0)],
        ),
        ("note", [("A note that nothing refers to, kept all the same.", 0)]),
    ]
    text = story.plain
    assert "<" not in text and "[^ledger]" not in text and "{" not in text and ":::" not in text



@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a <em>b</em> c", [("a ", 0), ("b", IT), (" c", 0)]),
        (
            "<i>a</i><b>b</b><u>c</u><s>d</s><del>e</del>",
            [("a", IT), ("b", BD), ("c", UL), ("de", ST)],
        ),
        ("<strong>a <I>b</I></strong>", [("a ", BD), ("b", BD | IT)]),
        ("<em>a *b* c</em>", [("a b c", IT)]),
        ("<em>a **b** c</em>", [("a ", IT), ("b", IT | BD), (" c", IT)]),
        ("x<sup>2</sup> H<sub>2</sub>O <span class='k'>k</span>", [("x2 H2O k", 0)]),
        ('<a href="https://x.org/a_b">the link</a>', [("the link", 0)]),
        ("one<br>two<br/>three <br /> four", [("one\ntwo\nthree\nfour", 0)]),
        ("one<br><br>two", [("one\n\ntwo", 0)]),
        ("a <!-- note --> b", [("a b", 0)]),
        ("a <!-- two\nlines --> b", [("a b", 0)]),
        ("a<script>x = '<em>'</script>b<style>p {}</style>c", [("abc", 0)]),
        ("a <?php echo 1 ?> b <!DOCTYPE html> c <![CDATA[ d ]]> e", [("a b c e", 0)]),
        ("a &lt;em&gt; b &amp;amp;", [("a <em> b &amp;", 0)]),
        ("a < b and c<d, <3, <- and <<", [("a < b and c<d, <3, <- and <<", 0)]),
        ("<Ann> hello <Bo> hi", [("<Ann> hello <Bo> hi", 0)]),
        ("<em unclosed", [("<em unclosed", 0)]),
        ("<em>runs to the end", [("runs to the end", IT)]),
        ("stray</em> close", [("stray close", 0)]),
        ("`<em>code</em>`", [("<em>code</em>", 0)]),
        (r"\<em>escaped", [("<em>escaped", 0)]),
        ("<my-widget size=2>custom</my-widget>", [("custom", 0)]),
    ],
)
def test_inline_html(source, expected):
    assert runs(source) == expected


def test_spaces_beside_a_line_break_go():
    assert blocks(parse("one \n<br>\n two  <br/>  three\n")) == [("paragraph", "one\ntwo\nthree")]


def test_block_tags_inside_a_paragraph_split_it():
    story = parse("One.<p>Two, <em>still</em></p>Three.<hr>Four.\n")
    assert styled(story) == [
        ("paragraph", [("One.", 0)]),
        ("paragraph", [("Two, ", 0), ("still", IT)]),
        ("paragraph", [("Three.", 0)]),
        ("break", []),
        ("paragraph", [("Four.", 0)]),
    ]


@pytest.mark.parametrize(
    "html",
    ["<hr>", "<hr />", '<hr class="scene">', '<p align="center">* * *</p>', "<div><hr></div>"],
)
def test_html_scene_breaks_between_markdown_paragraphs(html):
    story = parse(f"Before.\n\n{html}\n\nAfter.\n")
    assert blocks(story) == [("paragraph", "Before."), ("break", "⁂"), ("paragraph", "After.")]


def test_html_blocks_follow_commonmark():
    source = (
        "<div class='note'>\n\n*Markdown* inside a div.\n\n</div>\n\n"
        "<div>\nRaw *stars* stay.\n</div>\n\n"
        "Text then\n<span>a lone tag line</span>\ncontinues the paragraph.\n\n"
        "<table><tr><td>left</td><td>right</td></tr></table>\n\n"
        "<script>\nvar x = 1;\n\nvar y = '<p>';\n</script>\n\n"
        "<!--\nA comment\n\nover blank lines\n-->\n\n"
        "<style>p { color: red }</style>\n"
        "After.\n"
    )
    assert styled(parse(source)) == [
        ("paragraph", [("Markdown", IT), (" inside a div.", 0)]),
        ("paragraph", [("Raw *stars* stay.", 0)]),
        ("paragraph", [("Text then a lone tag line continues the paragraph.", 0)]),
        ("paragraph", [("left | right", 0)]),
        ("paragraph", [("After.", 0)]),
    ]


def test_html_headings_and_lists():
    story = parse("# One\n\nText.\n\n<h2>Aside</h2>\n<ul><li>first</li><li>second</li></ul>\n")
    assert blocks(story) == [
        ("paragraph", "Text."),
        ("heading", "Aside"),
        ("paragraph", "• first"),
        ("paragraph", "• second"),
    ]


def test_html_inside_a_quote():
    story = parse("> <div>\n> quoted <em>words</em>\n> </div>\n\nAfter.\n")
    assert styled(story) == [
        ("paragraph", [("quoted ", 0), ("words", IT)]),
        ("paragraph", [("After.", 0)]),
    ]


def test_a_comment_before_the_title_heading_is_not_text():
    story = parse("<!-- built 2024 -->\n\n# The Book\n\n## One\n\nA.\n\n## Two\n\nB.\n")
    assert story.title == "The Book"
    assert [c.title for c in story.chapters] == ["One", "Two"]


_TAGS = ["em", "i", "strong", "b", "u", "s", "del", "sup", "sub", "span", "small", "mark", "a"]


@given(
    st.lists(
        st.tuples(_WORDS, st.sampled_from(_TAGS), st.sampled_from(["", " ", "<br>", "\n"])),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["{}", "<p>{}</p>", "<div>\n{}\n</div>", "> {}", "{}[^n]\n\n[^n]: x"]),
)
def test_every_word_once_and_in_order_whatever_html_wraps_it(parts, wrapper):
    inner = "".join(f"<{tag}>{' '.join(words)}</{tag}>{gap or ' '}" for words, tag, gap in parts)
    story = parse(wrapper.format(inner.strip()))
    paragraphs = [b for b in story.chapters[0].blocks if b.kind is BlockKind.PARAGRAPH]
    words = " ".join(b.plain for b in paragraphs).replace("[1]", "").split()
    assert words == [word for words, _, _ in parts for word in words]
    assert all("<" not in b.plain for b in paragraphs)


# -- footnotes ---------------------------------------------------------------------------------


def test_footnotes_number_in_order_of_first_reference():
    story = parse(
        "[^late]: Defined first, referred to second.\n\n"
        "A[^early] b[^late] c[^early].\n\n"
        "[^early]: Referred to first.\n"
    )
    assert blocks(story) == [
        ("paragraph", "A[1] b[2] c[1]."),
        ("note", "[1] Referred to first."),
        ("note", "[2] Defined first, referred to second."),
    ]


def test_notes_are_not_story_words():
    short = parse("Three words here.[^a]\n\n[^a]: One.\n")
    long = parse("Three words here.[^a]\n\n[^a]: " + "many more words " * 20 + "\n")
    assert short.words == long.words


def test_footnote_labels_ignore_case_and_the_first_definition_wins():
    story = parse("Text[^Note].\n\n[^note]: First.\n\n[^NOTE]: Second.\n")
    assert blocks(story) == [
        ("paragraph", "Text[1]."),
        ("note", "[1] First."),
        ("note", "Second."),
    ]


def test_footnote_definitions_end_where_the_text_goes_on():
    story = parse(
        "Text[^a].\n\n"
        "[^a]: First line\n"
        "lazy line.\n"
        "\tTabbed line.\n\n"
        "        Indented paragraph with *style*.\n\n"
        "Story again.\n\n"
        "[^b]: A note\n"
        "# A heading ends it\n\n"
        "More.[^b]\n"
    )
    assert [c.title for c in story.chapters] == ["", "A heading ends it"]
    assert styled(story) == [
        ("paragraph", [("Text[1].", 0)]),
        ("paragraph", [("Story again.", 0)]),
        ("note", [("[1] First line lazy line. Tabbed line.", 0)]),
        ("note", [("Indented paragraph with ", 0), ("style", IT), (".", 0)]),
    ]
    assert blocks(story, 1) == [("paragraph", "More.[1]"), ("note", "[1] A note")]


@pytest.mark.parametrize(
    "source",
    ["`code [^a]` and \\[^a] and [^a b]\n\n[^a]: Note.\n", "A [^missing] reference.\n"],
)
def test_what_is_not_a_footnote_reference_stays_as_written(source):
    story = parse(source)
    first = story.chapters[0].blocks[0].plain
    assert first == source.split("\n\n")[0].strip().replace("`", "").replace("\\[", "[")


def test_footnote_references_need_the_footnote_callback():
    assert runs("a[^1]") == [("a[^1]", 0)]
    assert runs_with("a[^1] b[^2]", {"1": "¹"}) == [("a¹ b[^2]", 0)]


def runs_with(source: str, markers: dict[str, str]) -> list[tuple[str, Style]]:
    return [(run.text, run.style) for run in inline_markdown(source, markers.get)]


def test_a_note_nothing_refers_to_never_makes_a_chapter_of_its_own():
    story = parse("[^a]: An early note.\n\n# One\n\nText.\n\n# Two\n\nMore.\n")
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert blocks(story) == [("paragraph", "Text."), ("note", "An early note.")]


def test_a_file_of_footnotes_alone_has_no_story_text():
    with pytest.raises(StoryError, match="no story text"):
        parse("[^a]: Only a note.\n")


# -- pandoc extras -----------------------------------------------------------------------------


def test_heading_attributes_do_not_show():
    story = parse("# One {#one .chapter}\n\nA.\n\n# Two {-}\n\nB.\n\n# Sets {of} things\n\nC.\n")
    assert [c.title for c in story.chapters] == ["One", "Two", "Sets {of} things"]


def test_fenced_divs_keep_their_content():
    story = parse(
        ":::: {.letter #first}\nDear *friend*,\n\n::: signature\nYours.\n:::\n::::\n\n"
        ":::\n\nA lone fence line that closes nothing is text.\n"
    )
    assert styled(story) == [
        ("paragraph", [("Dear ", 0), ("friend", IT), (",", 0)]),
        ("paragraph", [("Yours.", 0)]),
        ("paragraph", [(":::", 0)]),
        ("paragraph", [("A lone fence line that closes nothing is text.", 0)]),
    ]


def test_attribute_lines_do_not_show():
    story = parse("{.lead}\nFirst.\n\nSecond.\n{: .note}\n\n{#x key=\"v\"}\n\nThird.\n")
    assert blocks(story) == [
        ("paragraph", "First."),
        ("paragraph", "Second."),
        ("paragraph", "Third."),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[Small caps]{.smallcaps} here", [("Small caps here", 0)]),
        ("[*styled* span]{#s lang=fr}", [("styled", IT), (" span", 0)]),
        ('[a link](https://x.org){target="_blank"} on', [("a link on", 0)]),
        ("![a picture](p.png){width=50%}", [("a picture", 0)]),
        ("`code`{.python} after", [("code after", 0)]),
        ("[not a span] {.x}", [("[not a span] {.x}", 0)]),
        ("[x]{not attributes}", [("[x]{not attributes}", 0)]),
        ("a {#b} c", [("a {#b} c", 0)]),
    ],
)
def test_inline_attributes_do_not_show(source, expected):
    assert runs(source) == expected


# -- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "> " * 200_000 + "deep\n",  # peeling markers one by one was quadratic
        "".join("`" * k + "a" for k in range(1, 1_200)),  # a search per run length was too
        "Text <!-- a " * 100_000,
        "Text <script>a " * 100_000,
        "<em>a " * 100_000,
        '<a x="' * 100_000,
    ],
)
def test_hostile_input_parses_in_linear_time(source):
    started = time.process_time()
    story = parse(source)
    assert time.process_time() - started < 3  # each takes well under a second
    assert story.chapters


@pytest.mark.parametrize("tail", ["<!", "<div>`<!", "<p>a <![CDATA[", "<em>x"])
def test_html_left_open_at_the_end_of_a_passage(tail):
    story = parse(f"Before.\n\n{tail}\n")
    assert blocks(story)[0] == ("paragraph", "Before.")
    assert all("\ue000" not in block.plain for block in story.chapters[0].blocks)


def test_wrapped_cjk_joins_without_a_space_across_tags():
    story = parse("東京の<em>\n夜</em>。\n\nword<em>\nnext</em>\n")
    assert styled(story) == [
        ("paragraph", [("東京の", 0), ("夜", IT), ("。", 0)]),
        ("paragraph", [("word", 0), (" next", IT)]),
    ]


# -- front matter that would cost more than its size ---------------------------------------------


def laughs(levels: int) -> str:
    """YAML under 1 KB whose aliases and merge keys double what it means at every level."""
    lines = ["l0: &l0 {a: lol, b: lol}"]
    lines += [f"l{n}: &l{n} {{<<: [*l{n - 1}, *l{n - 1}], k{n}: [*l{n - 1}, *l{n - 1}]}}"
              for n in range(1, levels)]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "front",
    [
        laughs(20),
        "title: &t The Harbour\nauthor: *t",  # harmless, and refused all the same
        "base: &b {title: One}\n<<: *b",
    ],
    ids=["laughs", "alias", "merge"],
)
def test_front_matter_with_yaml_aliases_is_refused(front):
    assert len(front) < 1024
    with pytest.raises(StoryError, match=r"^front matter uses YAML aliases \(\*name\), which"):
        parse(f"---\n{front}\n---\nText.\n")


def test_front_matter_anchors_without_aliases_are_fine():
    story = parse("---\ntitle: &t The Harbour\n---\nText.\n")
    assert story.title == "The Harbour"


def test_front_matter_over_the_size_limit_is_refused():
    front = "".join(f"tag{n}: value\n" for n in range(10_000))
    with pytest.raises(StoryError, match=r"^front matter is 1\d\d\.\d KB, over the 64 KB limit"):
        parse(f"---\n{front}---\nText.\n")


@pytest.mark.parametrize(
    "value",
    [
        "1" * 5_000,  # an integer past Python's limit on digits
        "1:30" + ":30" * 200 + ".5",  # a base-60 float past the float range
    ],
    ids=["integer", "base-60"],
)
def test_front_matter_numbers_too_big_to_read_are_invalid_yaml(value):
    with pytest.raises(StoryError, match=r"^front matter: invalid YAML"):
        parse(f"---\ntitle: {value}\n---\nText.\n")


# -- linear whatever the input --------------------------------------------------------------------


def test_many_unreferenced_footnotes_in_many_chapters():
    # Each note nothing refers to looked for a chapter with text from its own to the last one.
    source = "# Notes only\n\n[^a]: A note.\n\n" * 20_000 + "# Last\n\nThe text.\n"
    story = parse(source)
    assert [chapter.title for chapter in story.chapters] == ["Last"]
    kinds = [block.kind for block in story.chapters[0].blocks]
    assert kinds == [BlockKind.HEADING] * 20_000 + [BlockKind.PARAGRAPH] + [BlockKind.NOTE] * 20_000


def test_a_file_of_nothing_but_footnotes_is_refused():
    # Each note looked through all the notes before it for story text.
    source = "".join(f"[^{n}]: Note {n}.\n" for n in range(30_000))
    with pytest.raises(StoryError, match="no story text"):
        parse(source)


@pytest.mark.parametrize("space", [" ", "\t", " \t"], ids=["space", "tab", "both"])
def test_a_heading_with_a_long_run_of_spaces(space):
    story = parse(
        f"# A{space * 100_000}B\n\nText.\n\n# Two\n\n## C{space * 100_000}<br>D\n\nMore.\n"
    )
    assert [chapter.title for chapter in story.chapters] == ["A B", "Two"]
    assert blocks(story, 1) == [("heading", "C D"), ("paragraph", "More.")]
