"""The `.txt` parser: AO3 work pages saved as text, and plain prose with or without a sidecar."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.parsers import text
from bot.parsers.common import is_break_line
from bot.story import SCENE_BREAK_BLOCK, BlockKind, Story, StoryError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "text"


def load(name: str, *, sidecar: str | None = None) -> Story:
    data = (FIXTURES / name).read_bytes()
    side = (FIXTURES / sidecar).read_bytes() if sidecar else None
    return text.parse(data, name, side)


def parse(source: str, name: str = "story.txt", sidecar: str | None = None) -> Story:
    return text.parse(source.encode(), name, sidecar.encode() if sidecar is not None else None)


def kinds(story: Story, chapter: int = 0) -> list[str]:
    return [block.kind.value for block in story.chapters[chapter].blocks]


def plains(story: Story, chapter: int = 0) -> list[str]:
    return [block.plain for block in story.chapters[chapter].blocks]


# -- AO3 work page saved as text ---------------------------------------------------------------


def test_ao3_with_empty_header_reads_the_story_text():
    story = load("ao3_empty_header.txt")
    assert story.title == "Ao3 Empty Header"
    assert story.meta.rating == "Not Rated"
    assert [c.title for c in story.chapters] == [""]
    assert kinds(story) == [
        "paragraph",
        "paragraph",
        "paragraph",
        "paragraph",
        "break",
        "paragraph",
        "paragraph",
        "break",
        "paragraph",
    ]
    assert story.warnings == ()


def test_ao3_text_is_kept_exactly():
    paragraphs = plains(load("ao3_empty_header.txt"))
    assert paragraphs[0] == "“Did you bring the lantern?”"
    assert (
        paragraphs[1]
        == "Marisol shook her head. “It’s on the hook by the door — where it always is.”"
    )
    assert "…" in paragraphs[2]
    assert paragraphs[6] == "灯台の光が消えた。 She read the note twice."
    # Asterisks and underscores in a text file are the author's characters, not formatting.
    assert paragraphs[-1].endswith("smudged: *wet ink*, not_emphasis.")
    assert all(
        run.style == 0
        for block in load("ao3_empty_header.txt").chapters[0].blocks
        for run in block.runs
    )


def test_ao3_header_one_line_form():
    meta = load("ao3_header_inline.txt").meta
    assert meta.title == "The Second Marker"
    assert meta.author == "quietharbour"
    assert meta.rating == "Teen And Up Audiences"
    assert meta.warnings == ("No Archive Warnings Apply",)
    assert meta.categories == ("Gen", "F/F")
    assert meta.fandoms == ("Lighthouse Keepers (Original Work)", "Tidewater Tales")
    assert meta.relationships == ("Marisol Ortega/Fen Abernathy",)
    assert meta.characters == ("Marisol Ortega", "Fen Abernathy", "The Gull")
    assert meta.tags == ("Slow Burn", "Weather", "Found Family")
    assert meta.language == "English"
    assert meta.series == ("Part 2 of The Estuary Cycle",)
    assert (meta.published, meta.updated, meta.completed) == ("2021-03-04", "2021-05-06", "")
    assert meta.declared_words == 1234
    assert meta.declared_chapters == "2/3"
    assert [b.plain for b in meta.summary] == [
        "The tide goes out further than it should.",
        "Nobody in the village will say why.",
    ]
    assert [b.plain for b in meta.notes] == ["Written for a prompt about lamps."]


def test_ao3_header_indented_form_with_unlabelled_title_and_author():
    story = load("ao3_header_indented.txt")
    meta = story.meta
    assert meta.title == "The Weight of Nets"
    assert meta.author == "Hollis Wren"
    assert meta.rating == "Mature"
    assert meta.warnings == ("Graphic Depictions Of Violence", "Major Character Death")
    assert meta.categories == ("M/M",)
    assert meta.fandoms == ("Tidewater Tales",)
    assert meta.relationships == ("Ansel Varga/Teodor Lisk",)
    assert meta.characters == ("Ansel Varga", "Teodor Lisk")
    assert meta.tags == ("Angst", "Hurt/Comfort")
    assert meta.language == "Deutsch"
    # A series name may hold a comma; each line is one series.
    assert meta.series == ("Part 1 of Salt, and Other Preservatives",)
    assert (meta.published, meta.completed) == ("2022-12-24", "2023-01-02")
    assert meta.declared_words == 4321
    assert meta.declared_chapters == "1/1"
    assert [b.plain for b in meta.summary] == [
        "Ansel mends nets for a living. Teodor tears them.",
        "A story in one long night.",
    ]
    assert [b.plain for b in meta.notes] == ["Thanks to my beta, who knows who she is."]
    assert plains(story) == [
        "Ansel knotted the last mesh and held it up to the window.",
        "The light came through in small, exact squares.",
    ]
    assert story.warnings == ()


def test_ao3_header_value_on_the_next_line_without_indentation():
    story = parse("Work Header\nRating:\nExplicit\nFandom:\nA, B\n\nWork Text:\nText.\n")
    assert story.meta.rating == "Explicit"
    assert story.meta.fandoms == ("A", "B")


def test_ao3_header_stats_each_on_their_own_line():
    story = parse(
        "Work Header\nPublished: 2020-01-01\nUpdated: 2020-02-02\nWords: 12 345\n"
        "Chapters: 3/?\nWork Text:\nText.\n"
    )
    meta = story.meta
    assert (meta.published, meta.updated) == ("2020-01-01", "2020-02-02")
    assert meta.declared_words == 12345
    assert meta.declared_chapters == "3/?"


def test_ao3_header_unknown_field_is_skipped_with_a_warning():
    story = parse(
        "Work Header\nRating: Mature\nShiny New Field:\n    whatever\nWork Text:\nText.\n"
    )
    assert story.meta.rating == "Mature"
    assert story.title == "Story"
    assert any("Shiny New Field" in w for w in story.warnings)


def test_ao3_chapters_with_summary_notes_and_end_notes():
    story = load("ao3_chapters.txt")
    assert story.meta.fandoms == ("Tidewater Tales",)
    assert [c.title for c in story.chapters] == ["Low Water", "Chapter 2", "High Water"]
    first = story.chapters[0].blocks
    assert [(b.kind.value, b.plain) for b in first] == [
        ("note", "The first chapter, in which the tide leaves."),
        ("note", "This started as a drabble."),
        ("paragraph", "The harbour emptied in an hour."),
        ("paragraph", "Boats lay on their sides like sleeping dogs."),
        ("note", "More soon!"),
    ]
    assert kinds(story, 1) == ["paragraph", "break", "paragraph"]
    assert plains(story, 2) == ["It did not leave again."]


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("Chapter 4", "Chapter 4"),
        ("Chapter 4: The Storm", "The Storm"),
        ("Chapter IV - The Storm", "The Storm"),
        ("Chapter Four", "Chapter Four"),
        ("CHAPTER 12. Ends", "Ends"),
    ],
)
def test_chapter_lines(line, title):
    story = parse(f"Before.\n\n{line}\n\nAfter.\n")
    assert [c.title for c in story.chapters] == ["", title]


@pytest.mark.parametrize(
    "line", ["Chapter 4 was the best one.", "The chapter 4", "Chapter Mix", "Chapters: 2/2"]
)
def test_prose_that_mentions_a_chapter_is_not_a_chapter_line(line):
    story = parse(f"Before.\n\n{line}\n\nAfter.\n")
    assert len(story.chapters) == 1
    assert line in plains(story)


def test_ao3_note_labels_are_plain_text_outside_an_ao3_file():
    story = parse("Summary:\n\nShe wrote the list.\n\nNotes:\n\nChapter Text\n")
    assert plains(story) == ["Summary:", "She wrote the list.", "Notes:", "Chapter Text"]
    assert kinds(story) == ["paragraph"] * 4


def test_ao3_without_work_text_line_is_an_error():
    with pytest.raises(StoryError, match="Work Text"):
        parse("Work Header\nRating: Mature\n\nSome text.\n")


def test_ao3_with_no_story_text_is_an_error():
    with pytest.raises(StoryError, match="no story text"):
        parse("Work Header\n\nWork Text:\n\n\n")


# -- plain prose and sidecars ------------------------------------------------------------------


def test_plain_prose_with_sidecar_metadata():
    story = load("plain_prose.txt", sidecar="plain_prose.toml")
    meta = story.meta
    assert meta.title == "Four O’Clock Bread"
    assert meta.author == "Juniper Hale"
    assert meta.rating == "General Audiences"
    assert meta.fandoms == ("Original Work",)
    assert meta.tags == ("Bakeries", "Early Mornings", "Slice of Life")
    assert meta.published == "2020-02-29"
    assert meta.url == "https://example.org/works/1"
    assert [b.plain for b in meta.summary] == [
        "Oriel bakes before the sign says she should.",
        "A very small story.",
    ]
    assert kinds(story) == ["paragraph", "paragraph", "break", "paragraph", "paragraph"]
    assert plains(story)[-1] == "“Rye,” he said today. “No — the seeded one. No. Rye.”"


def test_plain_prose_without_sidecar_takes_the_title_from_the_file_name():
    story = load("plain_prose.txt")
    assert story.title == "Plain Prose"
    assert story.meta.author == ""


@pytest.mark.parametrize("name", ["the.long-road_home", "the.long-road_home.txt"])
def test_title_from_a_stem_or_a_file_name(name):
    assert parse("Text.", name=name).title == "The Long Road Home"


def test_broken_sidecar_is_an_error_naming_it():
    with pytest.raises(StoryError, match=r"^plain_prose\.toml: .*line 1"):
        load_with_sidecar_text("title = \n")


def load_with_sidecar_text(sidecar: str) -> Story:
    return parse((FIXTURES / "plain_prose.txt").read_text(), "plain_prose.txt", sidecar)


def test_sidecar_with_a_wrong_type_names_the_file_and_key():
    with pytest.raises(StoryError, match=r"plain_prose\.toml: 'tags' should be"):
        load_with_sidecar_text("tags = 5\n")


def test_sidecar_that_is_not_utf8_is_an_error_naming_it():
    with pytest.raises(StoryError, match=r"plain_prose\.toml: not UTF-8"):
        text.parse(b"Text.", "plain_prose.txt", b'title = "caf\xe9"\n')


def test_empty_sidecar_is_fine():
    assert load_with_sidecar_text("").title == "Plain Prose"


def test_ao3_header_overrides_the_sidecar_field_by_field():
    story = parse(
        "Work Header\nRating: Explicit\nWork Text:\nText.\n",
        sidecar='title = "From Sidecar"\nrating = "G"\nauthor = "Someone"\n',
    )
    assert (story.title, story.meta.rating, story.meta.author) == (
        "From Sidecar",
        "Explicit",
        "Someone",
    )


# -- paragraphs and line joining ---------------------------------------------------------------


def test_one_paragraph_per_line_when_no_blank_lines_separate_them():
    story = parse("First line.\nSecond line.\nThird line.\n")
    assert plains(story) == ["First line.", "Second line.", "Third line."]


def test_hard_wrapped_paragraphs_are_joined():
    source = (
        "It was late in the year when the ferry stopped running, and the town on\n"
        "the far shore became, for a while, a rumour rather than a place.\n"
        "\n"
        "Nobody minded much. There were enough potatoes in the cellars and enough\n"
        "gossip in the kitchens to see everyone through to the thaw in March.\n"
    )
    assert plains(parse(source)) == [
        "It was late in the year when the ferry stopped running, and the town on "
        "the far shore became, for a while, a rumour rather than a place.",
        "Nobody minded much. There were enough potatoes in the cellars and enough "
        "gossip in the kitchens to see everyone through to the thaw in March.",
    ]


def test_short_lines_inside_a_paragraph_keep_their_line_breaks():
    source = (
        "She found the letter under the door on a morning when the frost had come in\n"
        "early, and she read it standing in the hall with her coat still on.\n"
        "\n"
        "Dear Ada,\n"
        "Come home.\n"
        "Your brother\n"
    )
    assert plains(parse(source))[1] == "Dear Ada,\nCome home.\nYour brother"


def test_long_lines_with_single_newlines_are_separate_paragraphs():
    long = "word " * 40
    source = f"{long}one.\n{long}two.\n\n{long}three.\n"
    assert [p[-4:] for p in plains(parse(source))] == ["one.", "two.", "ree."]


def test_wrapped_cjk_joins_without_a_space():
    line1 = "海辺の町に冬が来ると、渡し船は止まり、向こう岸の村は"
    line2 = "しばらくのあいだ噂になった。"
    source = f"{line1}\n{line2}\n\n{line1}\n"
    assert plains(parse(source))[0] == line1 + line2


def test_lines_are_trimmed_but_no_break_spaces_inside_are_kept():
    story = parse("  Indented\u00a0 line.\t \n\nNext — “quoted”…\n")
    assert plains(story) == ["Indented\u00a0 line.", "Next — “quoted”…"]


def test_crlf_input_reads_like_lf():
    source = (FIXTURES / "ao3_empty_header.txt").read_text()
    assert parse(source.replace("\n", "\r\n")).chapters == parse(source).chapters


def test_a_line_of_only_a_no_break_space_is_blank():
    story = parse("One.\n\u00a0\n\u00a0\n\u00a0\nTwo.\n\nThree.\n")
    assert kinds(story) == ["paragraph", "break", "paragraph", "paragraph"]


# -- scene breaks ------------------------------------------------------------------------------


@pytest.mark.parametrize("ornament", ["* * *", "***", "~~~", "---", "⁂", "  *  *  *  ", "o0o"])
def test_break_ornament_lines(ornament):
    story = parse(f"Before.\n\n{ornament}\n\nAfter.\n")
    assert story.chapters[0].blocks[1] == SCENE_BREAK_BLOCK
    assert plains(story) == ["Before.", "⁂", "After."]


@pytest.mark.parametrize(
    ("blank_lines", "has_break"), [(1, False), (2, False), (3, True), (5, True)]
)
def test_blank_line_runs(blank_lines, has_break):
    story = parse("Before." + "\n" * (blank_lines + 1) + "After.\n")
    expected = ["paragraph", "break", "paragraph"] if has_break else ["paragraph", "paragraph"]
    assert kinds(story) == expected


def test_breaks_collapse_and_never_open_or_close_a_chapter():
    story = parse("***\n\n\n\n\nOne.\n\n* * *\n\n\n\n~~~\n\nTwo.\n\n---\n\n\n\n")
    assert kinds(story) == ["paragraph", "break", "paragraph"]


def test_break_ornament_inside_one_paragraph_per_line_text():
    story = parse("One.\nTwo.\n* * *\nThree.\n")
    assert kinds(story) == ["paragraph", "paragraph", "break", "paragraph"]


# -- files that cannot be read -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n\t\n", "empty"),
        (b"* * *\n\n~~~\n", "no story text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9".encode("latin-1"), "UTF-8"),
    ],
)
def test_unreadable_files(data, reason):
    with pytest.raises(StoryError, match=reason):
        text.parse(data, "bad.txt")


def test_utf16_with_byte_order_mark():
    story = text.parse("Ünïcödé — 你好\n".encode("utf-16"), "u.txt")
    assert plains(story) == ["Ünïcödé — 你好"]


# -- properties --------------------------------------------------------------------------------

_WORD = st.text(
    st.characters(
        whitelist_categories=("L", "N", "P", "S"),
        blacklist_characters="\u2028\u2029",
    ),
    min_size=1,
    max_size=12,
)
_PARAGRAPH = (
    st.lists(_WORD, min_size=1, max_size=12)
    .map(" ".join)
    .filter(lambda p: not is_break_line(p) and not text._chapter_title(p))
    .filter(lambda p: p.strip().lower() != "work header")
)


@given(st.lists(_PARAGRAPH, min_size=1, max_size=12), st.sampled_from(["\n", "\n\n", "\n\n\n"]))
def test_paragraphs_round_trip(paragraphs, separator):
    story = parse(separator.join(paragraphs))
    blocks = [b for c in story.chapters for b in c.blocks]
    assert all(b.kind is BlockKind.PARAGRAPH for b in blocks)
    assert [b.plain for b in blocks] == paragraphs


@given(st.lists(_PARAGRAPH, min_size=2, max_size=8), st.integers(3, 6))
def test_three_or_more_blank_lines_always_break(paragraphs, blank_lines):
    story = parse(("\n" * (blank_lines + 1)).join(paragraphs))
    assert kinds(story) == ["paragraph", "break"] * (len(paragraphs) - 1) + ["paragraph"]


_SOURCE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\ufeff"
) | st.sampled_from("\n\n\n  \t*-~_")


def _nonspace(value: str) -> str:
    return "".join(value.replace("⁂", "").split())


@given(st.text(_SOURCE_CHARS, max_size=300))
def test_no_text_is_lost(source):
    lines = source.split("\n")
    assume(not any(text._chapter_title(line.strip(" \t")) for line in lines))
    assume(source.strip().split("\n")[0].strip().lower() != "work header")
    kept = "\n".join(line for line in lines if not is_break_line(line))
    try:
        story = parse(source)
    except StoryError:
        assert not _nonspace(kept)
        return
    assert _nonspace(story.plain) == _nonspace(kept)
