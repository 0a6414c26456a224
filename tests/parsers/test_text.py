"""The `.txt` parser: AO3 work pages saved as text, and plain prose with or without a sidecar."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.parsers import headings, parse_story, text, text_header
from bot.parsers.common import is_break_line
from bot.text.story import SCENE_BREAK_BLOCK, BlockKind, Run, Story, StoryError, Style

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "text"


def load(name: str, *, sidecar: str | None = None) -> Story:
    data = (FIXTURES / name).read_bytes()
    side = (FIXTURES / sidecar).read_bytes() if sidecar else None
    return parse_story(data, name, side)


def parse(source: str, name: str = "story.txt", sidecar: str | None = None) -> Story:
    return parse_story(source.encode(), name, sidecar.encode() if sidecar is not None else None)


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
    # `*wet ink*` hugs its words and is bold; the underscore inside a word stays literal.
    assert paragraphs[-1].endswith("smudged: wet ink, not_emphasis.")
    last = load("ao3_empty_header.txt").chapters[0].blocks[-1]
    assert [run for run in last.runs if run.style] == [Run("wet ink", Style.BOLD)]
    assert all(
        run.style == 0
        for block in load("ao3_empty_header.txt").chapters[0].blocks[:-1]
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
    assert text.parse(b"Text.", name).title == "The Long Road Home"


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
        parse_story(b"Text.", "plain_prose.txt", b'title = "caf\xe9"\n')


def test_empty_sidecar_is_fine():
    assert load_with_sidecar_text("").title == "Plain Prose"


def test_the_sidecar_wins_over_the_ao3_header_field_by_field():
    # An admin re-rates or retitles a file through its sidecar; the rest comes from the file.
    story = parse(
        "Work Header\nRating: Explicit\nFandom: Tidewater\nWork Text:\nText.\n",
        sidecar='title = "From Sidecar"\nrating = "Mature"\nauthor = "Someone"\n',
    )
    assert (story.title, story.meta.rating, story.meta.author, story.meta.fandoms) == (
        "From Sidecar",
        "Mature",
        "Someone",
        ("Tidewater",),
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
        # Markers that hug words are emphasis; they have properties of their own below.
        blacklist_characters="\u2028\u2029_*",
    ),
    min_size=1,
    max_size=12,
)


def _plain_paragraph(paragraph: str) -> bool:
    """Not a heading, a break, a contents heading or a label that would open a header."""
    return (
        not is_break_line(paragraph)
        and headings._heading(paragraph) is None
        and not text._chapter_title(paragraph)
        and not headings._CONTENTS.fullmatch(paragraph.rstrip(":："))
        and text_header._block_label(paragraph) is None
        and text_header._byline(paragraph) is None
        and paragraph.strip().lower() != "work header"
    )


_PARAGRAPH = st.lists(_WORD, min_size=1, max_size=12).map(" ".join).filter(_plain_paragraph)


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
    assume(not headings.chapter_headings([line.strip(" \t") for line in lines]))
    assume(text_header.opening_block(lines, [])[0] == {})
    assume(source.strip().split("\n")[0].strip().lower() != "work header")
    kept = "\n".join(line for line in lines if not is_break_line(line))
    try:
        story = parse(source)
    except StoryError:
        assert not _nonspace(kept)
        return
    # Markers that became styles are gone from the plain text (see the emphasis properties).
    assert _unmarked(_nonspace(story.plain)) == _unmarked(_nonspace(kept))


def _unmarked(value: str) -> str:
    return value.replace("_", "").replace("*", "")


# -- encodings ---------------------------------------------------------------------------------


def test_a_shift_jis_story_loads_with_a_note_of_its_encoding():
    story = load("japanese_shift_jis.txt")
    assert story.warnings == ("read as Shift_JIS (not UTF-8)",)
    assert [c.title for c in story.chapters] == ["灯台", "第二章"]
    assert plains(story)[1] == "「明日は晴れるかしら」と彼女は小さな声でつぶやいた。"


def test_a_latin1_story_loads_as_windows_1252():
    story = text.parse("Café au lait, naïve façade.\n".encode("latin-1"), "cafe.txt")
    assert plains(story) == ["Café au lait, naïve façade."]
    assert story.warnings == ("read as Windows-1252 (not UTF-8)",)


def test_utf8_story_has_no_encoding_note():
    assert parse("Plain “UTF-8” text.\n").warnings == ()


# -- chapter headings --------------------------------------------------------------------------

PROSE = "She waited by the window for a long while and said nothing to anyone in the house."


def titles(source: str) -> list[str]:
    return [c.title for c in parse(source).chapters]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("Chapter 1", "Chapter 2: The Road", ["Chapter 1", "The Road"]),
        ("CHAPTER I", "CHAPTER II. THE ROAD", ["CHAPTER I", "THE ROAD"]),
        ("chapter i", "chapter ii - The Road", ["chapter i", "The Road"]),
        ("Ch. 1", "Ch. 2 – The Road", ["Ch. 1", "The Road"]),
        ("Chapter One", "Chapter Twenty-Two", ["Chapter One", "Chapter Twenty-Two"]),
        ("Chapter the First", "Chapter the Second", ["Chapter the First", "Chapter the Second"]),
        ("Chapter Forty", "Chapter Forty-One: Late", ["Chapter Forty", "Late"]),
        ("Capítulo 1", "Capítulo 2: El camino", ["Capítulo 1", "El camino"]),
        ("CAPITULO PRIMERO", "CAPITULO SEGUNDO", ["CAPITULO PRIMERO", "CAPITULO SEGUNDO"]),
        ("Chapitre premier", "Chapitre 2 : La route", ["Chapitre premier", "La route"]),
        ("Kapitel 1", "Zweites Kapitel", ["Kapitel 1", "Zweites Kapitel"]),
        ("Глава 1", "Глава вторая. Дорога", ["Глава 1", "Дорога"]),
        ("Rozdział 1", "Rozdział II", ["Rozdział 1", "Rozdział II"]),
        ("Capitolo 1", "Capitolo secondo", ["Capitolo 1", "Capitolo secondo"]),
        ("Hoofdstuk 1", "Hoofdstuk 2", ["Hoofdstuk 1", "Hoofdstuk 2"]),
        ("Kapitola 1", "Kapitola 2", ["Kapitola 1", "Kapitola 2"]),
        ("1. luku", "Luku 2", ["1. luku", "Luku 2"]),
        ("1. fejezet", "2. fejezet", ["1. fejezet", "2. fejezet"]),
        ("1. Bölüm", "Birinci Bölüm", ["1. Bölüm", "Birinci Bölüm"]),
        ("BAB I", "Bab 2: Jalan", ["BAB I", "Jalan"]),
        ("第一章", "第二章 道", ["第一章", "道"]),
        ("第1章", "第２章：帰り道", ["第1章", "帰り道"]),
        ("第一回", "第十二話「帰り道」", ["第一回", "「帰り道」"]),
        ("제1장", "제 2 장 길", ["제1장", "길"]),
        ("Prologue", "Chapter 1", ["Prologue", "Chapter 1"]),
        ("Chapter 9", "Epilogue: Ten Years Later", ["Chapter 9", "Ten Years Later"]),
        ("Prólogo", "Epílogo", ["Prólogo", "Epílogo"]),
        ("Пролог", "Эпилог", ["Пролог", "Эпилог"]),
        ("INTERLUDE", "序章", ["INTERLUDE", "序章"]),
        ("Part One", "Part Two: Home", ["Part One", "Home"]),
        ("Book I", "Book II", ["Book I", "Book II"]),
        ("Volume 1", "Vol. 2", ["Volume 1", "Vol. 2"]),
        ("Parte primera", "Parte 2", ["Parte primera", "Parte 2"]),
        ("Partie 1", "Livre premier", ["Partie 1", "Livre premier"]),
        ("Teil 1", "Libro II", ["Teil 1", "Libro II"]),
        ("Часть 1", "Часть вторая", ["Часть 1", "Часть вторая"]),
        ("I", "II", ["I", "II"]),
        ("1.", "2.", ["1.", "2."]),
        ("- 1 -", "- 2 -", ["- 1 -", "- 2 -"]),
        ("I. THE HARBOUR", "II. THE ROAD", ["THE HARBOUR", "THE ROAD"]),
    ],
)
def test_chapter_headings_in_many_languages_and_forms(first, second, expected):
    source = f"Before the first heading.\n\n{first}\n\n{PROSE}\n\n{second}\n\n{PROSE}\n"
    assert titles(source) == ["", *expected]


def test_text_before_the_first_heading_is_an_untitled_chapter():
    story = parse(f"A foreword of sorts.\n\nChapter 1\n\n{PROSE}\n")
    assert [c.title for c in story.chapters] == ["", "Chapter 1"]
    assert plains(story) == ["A foreword of sorts."]


@pytest.mark.parametrize(
    "line",
    [
        "Chapter 3 of the law says that nobody may leave the island before the thaw.",
        "Chapter 3 was the one she liked best",
        "Part of me wanted to stay.",
        "Book one of the series sold well",
        "I",
        "In the end it was 1984.",
        "第一章はとても長かった。",
        "Prologue to a long night, she thought, and smiled at her own joke.",
    ],
)
def test_lines_of_prose_are_not_headings(line):
    story = parse(f"{PROSE}\n\n{line}\n\n{PROSE}\n")
    assert len(story.chapters) == 1
    assert line in plains(story)


def test_a_heading_must_stand_on_its_own_line():
    source = (
        "It was late in the year when the ferry stopped running, and they read the\n"
        "Chapter 3\n"
        "of the harbour rules aloud to anyone who would listen, which was nobody.\n"
    )
    story = parse(f"{source}\n{source}")
    assert len(story.chapters) == 1
    assert "Chapter 3" in plains(story)[0]


def test_headings_in_a_file_of_one_paragraph_per_line():
    story = parse(f"Chapter 1\n{PROSE}\n{PROSE}\nChapter 2\n{PROSE}\n")
    assert [c.title for c in story.chapters] == ["Chapter 1", "Chapter 2"]
    assert plains(story, 0) == [PROSE, PROSE]


def test_a_numeral_heading_takes_the_title_line_in_capitals_below_it():
    story = parse(
        f"I\n\nUNDER THE PINES\n\n\n{PROSE}\n\nII\n\nTHE MEETING.\n\n{PROSE}\n\n"
        f"III\n\nNot a title, just a short line\n\n{PROSE}\n"
    )
    assert [c.title for c in story.chapters] == ["UNDER THE PINES", "THE MEETING", "III"]
    assert plains(story, 2)[0] == "Not a title, just a short line"


def test_a_chapter_heading_without_title_takes_a_title_line_right_below_it():
    story = parse(f"CHAPTER I\nTHE HARBOUR\n\n{PROSE}\n\nCHAPTER II\n\n{PROSE}\n")
    assert [c.title for c in story.chapters] == ["THE HARBOUR", "CHAPTER II"]


def test_numerals_alone_count_only_when_they_count_up():
    source = f"1\n\n{PROSE}\n\n2\n\n{PROSE}\n\n7\n\n{PROSE}\n\n3\n\n{PROSE}\n"
    story = parse(source)
    assert [c.title for c in story.chapters] == ["1", "2", "3"]
    assert "7" in plains(story, 1)


def test_a_part_heading_before_a_chapter_heading_is_kept_as_a_heading():
    story = parse(f"PART ONE\n\nChapter 1\n\n{PROSE}\n\nChapter 2\n\n{PROSE}\n")
    assert [c.title for c in story.chapters] == ["Chapter 1", "Chapter 2"]
    first = story.chapters[0].blocks[0]
    assert (first.kind, first.plain) == (BlockKind.HEADING, "PART ONE")


# -- tables of contents ------------------------------------------------------------------------


def test_a_contents_list_under_its_heading_is_text():
    source = (
        "Contents\n\nChapter 1: The Ferry\nChapter 2: The Island\n\n\n\n"
        f"Chapter 1: The Ferry\n\n{PROSE}\n\nChapter 2: The Island\n\n{PROSE}\n"
    )
    story = parse(source)
    assert [c.title for c in story.chapters] == ["", "The Ferry", "The Island"]
    assert plains(story, 0) == ["Contents", "Chapter 1: The Ferry\nChapter 2: The Island"]


@pytest.mark.parametrize("heading", ["Table of Contents", "ÍNDICE", "Содержание", "目次", "目录"])
def test_contents_headings_in_other_languages(heading):
    source = (
        f"{heading}\n\nPrologue\n\nChapter 1\n\n\n\n"
        f"Prologue\n\n{PROSE}\n\nChapter 1\n\n{PROSE}\n"
    )
    assert [c.title for c in parse(source).chapters] == ["", "Prologue", "Chapter 1"]


def test_a_run_of_headings_with_no_text_between_is_a_contents_list():
    source = (
        "Chapter 1: The Ferry\n\nChapter 2: The Island\n\nChapter 3: The Storm\n\n\n\n"
        f"Chapter 1: The Ferry\n\n{PROSE}\n\nChapter 2: The Island\n\n{PROSE}\n\n"
        f"Chapter 3: The Storm\n\n{PROSE}\n"
    )
    story = parse(source)
    assert [c.title for c in story.chapters] == ["", "The Ferry", "The Island", "The Storm"]
    assert plains(story, 0) == [
        "Chapter 1: The Ferry",
        "Chapter 2: The Island",
        "Chapter 3: The Storm",
    ]


def test_lines_with_page_numbers_are_a_contents_list():
    source = (
        "I. THE FERRY ........ 1\nII. THE ISLAND ....... 9\n\n"
        f"I\n\nTHE FERRY\n\n{PROSE}\n\nII\n\nTHE ISLAND\n\n{PROSE}\n"
    )
    story = parse(source)
    assert [c.title for c in story.chapters] == ["", "THE FERRY", "THE ISLAND"]
    assert plains(story, 0) == ["I. THE FERRY ........ 1", "II. THE ISLAND ....... 9"]


def test_contents_entries_name_the_chapters_further_down():
    story = load("fanficfare_style.txt")
    assert [c.title for c in story.chapters] == [
        "",
        "Leaving",
        "The Middle of the Road",
        "Coming Back",
    ]
    assert plains(story, 0)[0] == "TABLE OF CONTENTS"
    # FanFicFare's closing line is not story text.
    assert plains(story, 3) == ["The road in was the same road, of course. It only felt shorter."]


# -- plain-text emphasis in a story ----------------------------------------------------------


def test_emphasis_runs_over_a_wrapped_line_within_a_paragraph():
    source = (
        "The harbour master said that it was none of his business, _not his\n"
        "business at all_, what the fishermen did on a Sunday afternoon.\n\n"
        "And then he went back to sleep in the chair by the stove, as always.\n"
    )
    first = parse(source).chapters[0].blocks[0]
    assert Run("not his business at all", Style.ITALIC) in first.runs


# -- a metadata block opening plain prose ------------------------------------------------------


def test_fanficfare_style_header_is_metadata():
    story = load("fanficfare_style.txt")
    meta = story.meta
    assert (meta.title, meta.author) == ("The Long Road Home", "quietharbour")
    assert meta.rating == "Mature"
    assert meta.fandoms == ("Tidewater Tales",)
    assert meta.tags == ("Romance", "Hurt/Comfort")
    assert meta.characters == ("Marisol O.", "Fen A.")
    assert meta.language == "English"
    assert (meta.published, meta.updated) == ("2019-04-01", "2019-06-30")
    assert (meta.declared_words, meta.declared_chapters) == (1234, "3")
    assert meta.url == "https://www.fanfiction.net/s/0000001/1/"
    assert [b.plain for b in meta.summary] == [
        "Marisol walks the coast road twice: once to leave, once to come back."
    ]
    words = story.plain
    for label in ("Category", "Packaged", "Publisher", "quietharbour", "End file"):
        assert label not in words


def test_hand_made_header_with_labels():
    story = parse(
        f"Title: Salt and Lanterns\nAuthor: Hollis Wren\nRated: NC-17\nFandom: Tidewater Tales\n"
        f"Summary: Two keepers, one lamp.\nIt goes about as well as you would think.\n\n{PROSE}\n"
    )
    meta = story.meta
    assert (meta.title, meta.author) == ("Salt and Lanterns", "Hollis Wren")
    assert meta.rating == "Explicit"
    assert meta.fandoms == ("Tidewater Tales",)
    assert [b.plain for b in meta.summary] == [
        "Two keepers, one lamp.",
        "It goes about as well as you would think.",
    ]
    assert plains(story) == [PROSE]


def test_fanfiction_net_rated_line():
    story = parse(
        "Rated: Fiction M - English - Romance/Angst - [Ann B., Cor D.] - Chapters: 3 - "
        f"Words: 5,000 - Reviews: 10 - Updated: 5/1/2012 - Published: 1/1/2012\n\n{PROSE}\n"
    )
    meta = story.meta
    assert meta.rating == "Mature"
    assert meta.language == "English"
    assert meta.tags == ("Romance", "Angst")
    assert meta.relationships == ("Ann B.", "Cor D.")
    assert (meta.declared_chapters, meta.declared_words) == ("3", 5000)
    assert (meta.published, meta.updated) == ("1/1/2012", "5/1/2012")
    assert plains(story) == [PROSE]


def test_a_rating_with_reasons_after_it():
    story = parse(f"Title: Nets\nRated: M - for language and some violence\n\n{PROSE}\n")
    assert story.meta.rating == "Mature"
    assert story.meta.characters == ()
    assert story.warnings == ()


def test_title_and_byline_are_a_header():
    story = parse(f"The Night Ferry\n\nby Juniper Hale\n\n{PROSE}\n")
    assert (story.title, story.meta.author) == ("The Night Ferry", "Juniper Hale")
    assert plains(story) == [PROSE]


def test_an_unknown_rating_in_the_header_is_noted_and_counts_as_explicit():
    story = parse(f"Title: Odd\nRating: spicy-ish\n\n{PROSE}\n")
    assert story.meta.rating == "Explicit"
    assert any("spicy-ish" in warning for warning in story.warnings)


@pytest.mark.parametrize(
    "source",
    [
        f"Title: Only One Label\n\n{PROSE}\n",
        f"{PROSE}\n\nTitle: Not At The Top\nRating: Explicit\n\n{PROSE}\n",
        f"Title: Runs Into Text\nRating: Explicit\n{PROSE}\n",
        f"Summary: she wrote a list.\n\n{PROSE}\n",
    ],
)
def test_what_is_not_a_header_stays_story_text(source):
    story = parse(source)
    assert story.meta.rating == "Not Rated"
    assert story.title == "Story"
    assert _unmarked(" ".join(story.plain.split())) == _unmarked(" ".join(source.split()))


def test_sidecar_wins_over_the_opening_block():
    story = parse(
        f"Title: From The File\nAuthor: File Author\nRating: Teen\n\n{PROSE}\n",
        sidecar='title = "From The Sidecar"\nrating = "Explicit"\n',
    )
    assert (story.title, story.meta.author, story.meta.rating) == (
        "From The Sidecar",
        "File Author",
        "Explicit",
    )


def test_prose_with_colons_is_not_a_header_when_a_value_reads_as_a_sentence():
    source = (
        "Note: the kettle was broken.\n"
        "Rating: five stars, she wrote, and meant it, every single word of it, twice over.\n"
        f"Warnings: none that she could see.\n\n{PROSE}\n"
    )
    story = parse(source)
    assert story.meta.rating == "Not Rated"
    assert story.warnings == ()
    assert plains(story)[0].startswith("Note: the kettle was broken.")


def test_fanficfare_labels_of_an_ao3_work_are_known():
    story = parse(
        "Little Lamps\n\nby wick\n\n\nCategory: F/M\nGenre: M/M, Slow Burn\n"
        "Rating: Teen And Up Audiences\nWords: 1,200 | Chapters: 1/1\nComments: 4\nKudos: 50\n"
        f"Hits: 900\nCollections: Lamp Week\n\n{PROSE}\n\nEnd file.\n"
    )
    meta = story.meta
    assert (meta.title, meta.author) == ("Little Lamps", "wick")
    assert meta.rating == "Teen And Up Audiences"
    assert (meta.categories, meta.tags) == (("F/M",), ("M/M", "Slow Burn"))
    assert (meta.declared_words, meta.declared_chapters) == (1200, "1/1")
    assert plains(story) == [PROSE]


# -- linear whatever the input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "space", [" ", "\t", "\u3000", "\u00a0"], ids=["space", "tab", "ideographic", "no-break"]
)
def test_a_line_with_a_long_run_of_spaces_is_one_paragraph(space):
    # Looking for `Label: value - Label: value` pieces tried every space of the run.
    story = parse(f"A{space * 200_000}B\n")
    assert plains(story) == [f"A{space * 200_000}B"]


def test_scene_breaks_before_the_first_paragraph_go_all_at_once():
    story = parse("* * *\n" * 400_000 + "\nThe story starts here.\n")
    assert plains(story) == ["The story starts here."]

