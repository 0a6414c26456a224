"""AO3 "Download → HTML" files and plain HTML stories, and the HTML-to-blocks conversion."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from bot.parsers import html as html_parser
from bot.parsers.html_blocks import BlockBuilder, simplify, to_blocks
from bot.text.story import SCENE_BREAK_BLOCK, Block, BlockKind, Run, StoryError, Style

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ao3"
ITALIC, BOLD, UNDERLINE, STRIKE = Style.ITALIC, Style.BOLD, Style.UNDERLINE, Style.STRIKE
NOTE, PARAGRAPH, HEADING, BREAK = (
    BlockKind.NOTE,
    BlockKind.PARAGRAPH,
    BlockKind.HEADING,
    BlockKind.BREAK,
)


def load(name: str):
    return html_parser.parse((FIXTURES / name).read_bytes(), name)


def styled(block: Block) -> list[tuple[str, Style]]:
    return [(run.text, run.style) for run in block.runs]


def convert(html: str, kind: BlockKind = PARAGRAPH) -> tuple[Block, ...]:
    """Blocks for the body of an HTML snippet."""
    root = etree.fromstring(html, etree.HTMLParser())
    return to_blocks([root.find("body")], kind)


@pytest.fixture(scope="module")
def oneshot():
    return load("oneshot.html")


@pytest.fixture(scope="module")
def multichapter():
    return load("multichapter.html")


# -- metadata --------------------------------------------------------------------------------


def test_oneshot_metadata(oneshot):
    meta = oneshot.meta
    assert meta.title == "Salt and Clockwork"
    assert meta.author == "quillfeather"
    assert meta.rating == "Teen And Up Audiences"
    assert meta.warnings == ("No Archive Warnings Apply",)
    assert meta.categories == ("Gen",)
    assert meta.fandoms == ("Original Work",)
    assert meta.relationships == ("Ines Varga & Tomas Reyes",)
    assert meta.characters == ("Ines Varga", "Tomas Reyes", "The Lighthouse (Original Work)")
    # A tag may hold commas: tags come from the links, not from splitting the text.
    assert meta.tags == (
        "Lighthouses",
        "Clockwork",
        "Storms, Rain, and Other Weather",
        "Found Family",
    )
    assert meta.language == "English"
    assert meta.series == ("Part 2 of Tales from Gull Point",)
    assert meta.url == "https://archiveofourown.org/works/90000001"
    assert meta.published == "2023-04-02"
    assert meta.updated == ""
    assert meta.completed == ""
    assert meta.declared_words == 392
    assert meta.declared_chapters == "1/1"


def test_multichapter_metadata(multichapter):
    meta = multichapter.meta
    assert meta.title == "The Lantern-Keeper's Ledger"
    assert meta.author == "moth_and_ember, Juniper Quay (jquay)"
    assert meta.rating == "Mature"
    # AO3 pluralises the labels when there are several tags.
    assert meta.warnings == ("Graphic Depictions Of Violence", "Major Character Death")
    assert meta.categories == ("F/F", "Gen")
    assert meta.fandoms == ("Original Work", "The Ledger Cycle (Original Work)")
    assert meta.relationships == ("Wren Halloway/Odile Marchetti", "Wren Halloway & Pim")
    assert meta.characters == ("Wren Halloway", "Odile Marchetti", "Pim (Original Work)")
    assert meta.tags == ("Alternate Universe - Shopkeepers", "Slow Burn", "Letters")
    assert meta.series == ("Part 1 of The Ledger Cycle", "Part 3 of Lamplight, Lamplight")
    assert meta.published == "2024-01-05"
    assert meta.updated == "2024-03-10"
    assert meta.completed == ""
    assert meta.declared_words == 1381
    assert meta.declared_chapters == "3/4"
    assert meta.url == "https://archiveofourown.org/works/90000002"


def test_summary_notes_and_end_notes(oneshot, multichapter):
    assert [styled(b) for b in oneshot.meta.summary] == [
        [
            ("The lighthouse clock on Gull Point runs four minutes slow, and ", Style.NONE),
            ("someone", ITALIC),
            (" has to climb up and fix it before the storm.", Style.NONE),
        ]
    ]
    assert [b.plain for b in oneshot.meta.notes] == [
        "Written for the Small Machines prompt “a clock that refuses to keep time.”"
    ]
    assert [b.plain for b in oneshot.meta.end_notes] == [
        "The escapement details are simplified. Real tower clocks are much fussier.",
        "Thank you for reading!",
    ]
    assert oneshot.meta.end_notes[0].runs[1] == Run("much", BOLD)
    assert [b.plain for b in multichapter.meta.summary] == [
        "Wren inherits a lantern shop, a cat of uncertain loyalty, and a ledger that writes back.",
        "Odile just wants her lamp repaired.",
    ]
    # "Notes" with only the link to the end notes: there are no notes to show.
    assert multichapter.meta.notes == ()
    assert [b.plain for b in multichapter.meta.end_notes] == [
        "Chapter four is half written. Pim has opinions about it."
    ]


# -- chapters --------------------------------------------------------------------------------


def test_oneshot_is_one_untitled_chapter(oneshot):
    assert [chapter.title for chapter in oneshot.chapters] == [""]
    assert oneshot.warnings == ()


def test_multichapter_titles_kept_as_given(multichapter):
    assert [c.title for c in multichapter.chapters] == [
        "The Lantern Shop",
        "Chapter 2",
        "Ledger Lines",
    ]
    assert multichapter.warnings == ()


def test_oneshot_paragraphs(oneshot):
    blocks = oneshot.chapters[0].blocks
    assert [b.kind for b in blocks].count(PARAGRAPH) == 12
    assert len(blocks) == 13
    assert blocks[0].plain == (
        "The clock at the top of the Gull Point lighthouse had been running four minutes slow "
        "since March, and Ines was the only person on the island who minded."
    )
    # Curly quotes kept; the trailing space inside the last span trimmed.
    assert blocks[2].plain == (
        "“Ships care about the tide tables,” Ines said, “and the tide tables care about the "
        "clock.” She did not look up from the gear train laid out on the bench like a "
        "dissected beetle."
    )
    # Em dashes kept.
    assert "for weeks — catching, slipping, catching again," in blocks[7].plain
    # The no-break space (literal and `&#160;`), the ellipsis, CJK text and emoji are kept.
    assert "one hundred and\u00a0twelve." in blocks[6].plain
    assert "rosary beads… and lost count" in blocks[6].plain
    assert "around Room\u00a012, where" in blocks[6].plain
    assert "「時は潮を待たず」." in blocks[10].plain
    assert blocks[12].plain.endswith("as she rounded the point. 🌊")


def test_italics_and_bold_become_runs(oneshot):
    blocks = oneshot.chapters[0].blocks
    # AO3 puts each span on a line of its own; that layout is not a space before a comma.
    assert styled(blocks[3])[-2:] == [
        ("Marigold", ITALIC),
        (", the last of the herring boats, was still working her way home.", Style.NONE),
    ]
    assert styled(blocks[4]) == [
        ("Four minutes.", BOLD),
        (
            " It did not sound like much. It was long enough to miss a channel marker in the dark.",
            Style.NONE,
        ),
    ]
    assert styled(blocks[12])[-2:] == [
        ("Marigold", ITALIC),
        (" sounded her horn twice as she rounded the point. 🌊", Style.NONE),
    ]


def test_unclosed_em_does_not_leak(oneshot, multichapter):
    blocks = oneshot.chapters[0].blocks
    # `<p><em><span>Tick, tock, tick.</span></p>` with the `<em>` never closed.
    assert styled(blocks[8]) == [("Tick, tock, tick.", ITALIC)]
    assert styled(blocks[9])[0][1] == Style.NONE
    assert all(run.style == Style.NONE for run in blocks[9].runs)
    chapter_two = multichapter.chapters[1].blocks
    assert styled(chapter_two[1]) == [("It flickers,", ITALIC)]
    assert all(run.style == Style.NONE for run in chapter_two[2].runs)


def test_line_breaks_inside_a_paragraph(oneshot):
    # A leading `<br/>` goes; the ones between lines stay.
    assert styled(oneshot.chapters[0].blocks[11]) == [
        ("Line by line", ITALIC),
        (
            ", she read the old maintenance log aloud:\noiled the train,\nwound the weights,\n"
            "cursed the gulls.",
            Style.NONE,
        ),
    ]


def test_scene_breaks(oneshot, multichapter):
    # `<p> </p><hr/><p> </p>`: the empty paragraphs go, the rule is a break.
    assert oneshot.chapters[0].blocks[5] == SCENE_BREAK_BLOCK
    first = multichapter.chapters[0].blocks
    # `<p>* * *</p>` is a break; `<hr/>` then `<p>~~~</p>` collapse into one.
    assert [i for i, b in enumerate(first) if b.kind is BREAK] == [5, 12]
    # No break at the start or end of a chapter, though chapter 2 has both in its HTML.
    for chapter in multichapter.chapters + oneshot.chapters:
        assert chapter.blocks[0].kind is not BREAK
        assert chapter.blocks[-1].kind is not BREAK


def test_chapter_notes_are_note_blocks(multichapter):
    first, second, third = (c.blocks for c in multichapter.chapters)
    assert [b.kind for b in first[:3]] == [NOTE, NOTE, PARAGRAPH]
    assert first[0].plain == "In which a will is read and a door is unlocked."
    assert styled(first[1]) == [
        ("Updates every other Friday, ", Style.NONE),
        ("probably", ITALIC),
        (".", Style.NONE),
    ]
    assert first[-1] == Block(
        NOTE, (Run("The cat’s name is revealed in chapter three. It is not a good name."),)
    )
    assert NOTE not in {b.kind for b in second}
    assert third[0] == Block(NOTE, (Run("Content note for a brief description of a fire."),))
    assert third[-1].kind is PARAGRAPH


def test_multichapter_text(multichapter):
    first, second, third = (c.blocks for c in multichapter.chapters)
    assert [b.kind for b in second] == [PARAGRAPH] * 5
    assert second[3].plain == (
        "Wren turned the lamp over in her hands. It was old, older than the shop, with a glass "
        "chimney etched in a script she could not read — Κάθε φλόγα θυμάται — and a wick that "
        "had never, by the look of it, been trimmed."
    )
    # A heading inside the text, a list, a letter in a blockquote; `<p>&nbsp;</p>` dropped.
    assert first[7] == Block(HEADING, (Run("Stock, as of this morning"),))
    assert first[8].plain == "• Forty-one lanterns, brass"
    assert styled(first[9]) == [
        ("• One lantern, ", Style.NONE),
        ("not", ITALIC),
        (" brass", Style.NONE),
    ]
    assert [b.plain for b in first[10:12]] == [
        "Dear Wren,",
        "Do not sell the blue lantern. Do not let the cat near the lamp oil. Do not — whatever "
        "she tells you — trust the ledger on Tuesdays.",
    ]
    # Underline, strike, and bold nested in italics.
    assert styled(third[1]) == [
        ("On Tuesday the ledger wrote: ", Style.NONE),
        ("Sell the blue lantern.", UNDERLINE),
    ]
    assert styled(third[2]) == [
        ("Wren crossed it out — ", Style.NONE),
        ("sell the blue lantern", STRIKE),
        (" — and wrote beneath it, ", Style.NONE),
        ("absolutely ", ITALIC),
        ("not", ITALIC | BOLD),
        (".", Style.NONE),
    ]
    assert "Старый кот знает больше, чем говорит" in third[3].plain
    # A table becomes a paragraph per row.
    assert [b.plain for b in third[4:6]] == ["Item | Price", "Blue lantern | Not for sale"]


def test_words_close_to_declared(oneshot):
    assert abs(oneshot.words - oneshot.meta.declared_words) <= 5


# -- other HTML ------------------------------------------------------------------------------


def test_generic_html_uses_title_element_and_author_meta():
    html = (
        "<html><head><title>A Quiet Harbour</title><meta name='author' content='R. Vale'>"
        "</head><body><h1>A Quiet Harbour</h1><p>First line.</p><p>Second <i>line</i>.</p>"
        "</body></html>"
    )
    story = html_parser.parse(html.encode(), "harbour.html")
    assert story.meta.title == "A Quiet Harbour"
    assert story.meta.author == "R. Vale"
    assert story.meta.rating == "Not Rated"
    assert [c.title for c in story.chapters] == [""]
    # The heading repeating the title is not kept as text.
    assert [b.plain for b in story.chapters[0].blocks] == ["First line.", "Second line."]


def test_generic_html_title_from_h1_or_file_name():
    story = html_parser.parse(b"<body><h1>Night Ferry</h1><p>Text.</p></body>", "x.htm")
    assert story.meta.title == "Night Ferry"
    story = html_parser.parse(b"<p>Just a paragraph.</p>", "the_long-road home.html")
    assert story.meta.title == "The Long Road Home"
    assert story.chapters[0].blocks == (Block(PARAGRAPH, (Run("Just a paragraph."),)),)


def test_declared_charset_other_than_utf8():
    html = '<meta charset="windows-1252"><p>caf\u00e9 \u201cnoir\u201d</p>'.encode("cp1252")
    story = html_parser.parse(html, "cafe.html")
    assert story.chapters[0].blocks[0].plain == "café “noir”"


def test_xml_declaration_charset():
    html = '<?xml version="1.0" encoding="ISO-8859-15"?><p>€ 5</p>'.encode("iso-8859-15")
    assert html_parser.parse(html, "x.xhtml").chapters[0].blocks[0].plain == "€ 5"


def test_latin1_declared_reads_as_windows_1252():
    # Browsers do the same: the curly quotes of Windows-1252 in a file that says Latin-1.
    html = b'<meta charset="iso-8859-1"><p>\x93quoted\x94 caf\xe9</p>'
    assert html_parser.parse(html, "q.html").chapters[0].blocks[0].plain == "“quoted” café"


def test_utf8_wins_over_a_wrong_declaration():
    html = '<meta charset="windows-1252"><p>café — 東京</p>'.encode()
    assert html_parser.parse(html, "u.html").chapters[0].blocks[0].plain == "café — 東京"


def test_decoding_order():
    # UTF-8 first, then the declared charset, and only what neither reads is detected.
    russian = "Глава первая. Паром пересёк залив до рассвета, и фонари качались над водой."
    declared = f'<meta charset="koi8-r"><p>{russian}</p>'.encode("koi8-r")
    assert html_parser.parse(declared, "k.html").chapters[0].blocks[0].plain == russian
    # Declared wrongly: the detector finds what the bytes are.
    wrong = f'<meta charset="no-such-charset"><p>{russian}</p>'.encode("cp1251")
    assert html_parser.parse(wrong, "k.html").chapters[0].blocks[0].plain == russian
    undeclared = f"<p>{russian}</p>".encode("cp1251")
    assert html_parser.parse(undeclared, "k.html").chapters[0].blocks[0].plain == russian
    # A declared charset wins over what detection would guess from the bytes alone.
    short = '<meta charset="koi8-r"><p>Глава</p>'.encode("koi8-r")
    assert html_parser.parse(short, "k.html").chapters[0].blocks[0].plain == "Глава"


def test_unknown_preface_rating_is_noted():
    data = (FIXTURES / "oneshot.html").read_bytes()
    data = data.replace(b">Teen And Up Audiences</a>", b">Rated Q</a>")
    story = html_parser.parse(data, "q.html")
    assert story.meta.rating == "Explicit"
    assert story.warnings == (
        "AO3 preface: rating 'Rated Q' is not one the bot knows, so it is treated as Explicit; "
        "give one of General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated",
    )


def test_utf16_with_byte_order_mark():
    story = html_parser.parse("<p>Ünïcödé</p>".encode("utf-16"), "u.html")
    assert story.chapters[0].blocks[0].plain == "Ünïcödé"


def test_control_characters_are_dropped():
    story = html_parser.parse(b"<p>bell\x07 and&#1; tab\x0b</p>", "c.html")
    assert story.chapters[0].blocks[0].plain == "bell and tab"


def test_cut_off_download_loads_with_a_warning():
    data = (FIXTURES / "multichapter.html").read_bytes()
    cut = data[: data.index(b"Odile Marchetti came in") + 60]
    story = html_parser.parse(cut, "cut.html")
    assert [c.title for c in story.chapters] == ["The Lantern Shop", "Chapter 2"]
    assert story.chapters[1].blocks[-1].plain.startswith("Odile Marchetti came in")
    assert "no AO3 afterword: the file may be cut off" in story.warnings
    assert "AO3 lists 3 chapters but the file has 2" in story.warnings


def test_ao3_file_without_chapters_div_uses_other_text():
    data = (FIXTURES / "oneshot.html").read_bytes().replace(b'id="chapters"', b'id="story"')
    story = html_parser.parse(data, "edited.html")
    assert story.meta.title == "Salt and Clockwork"
    assert len(story.chapters[0].blocks) == 13


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not a text file"),
        (b"<html><he", "no story text found"),
        (b"<html><body><p> </p><p>&nbsp;</p></body></html>", "no story text found"),
        (b"<!-- only a comment -->", "no story text found (the HTML has no content)"),
    ],
)
def test_refused_files(data, message):
    with pytest.raises(StoryError) as error:
        html_parser.parse(data, "bad.html")
    assert str(error.value) == message


def test_preface_without_story_text_is_refused():
    data = (FIXTURES / "oneshot.html").read_bytes()
    cut = data[: data.index(b'<div id="chapters"')]
    with pytest.raises(StoryError, match=r"^no story text found$"):
        html_parser.parse(cut, "preface-only.html")


def test_two_megabytes_parse_quickly():
    # A 2 MB download made of 1,500 copies of the fixture's chapters. The bound is loose so
    # that a busy test machine cannot fail it; it catches a slowdown that grows faster than
    # the file.
    data = (FIXTURES / "multichapter.html").read_text(encoding="utf-8")
    head, rest = data.split('<div id="chapters" class="userstuff">', 1)
    chapters, tail = rest.split('<div id="afterword">', 1)
    chapters = chapters.rsplit("</div>", 1)[0]
    copies = 2_000_000 // len(chapters.encode())
    big = f'{head}<div id="chapters" class="userstuff">{chapters * copies}</div>'
    big = (big + '<div id="afterword">' + tail).encode()
    assert len(big) > 1_900_000
    start = time.perf_counter()
    story = html_parser.parse(big, "big.html")
    assert time.perf_counter() - start < 2.0
    assert len(story.chapters) == 3 * copies


# -- the conversion --------------------------------------------------------------------------


def test_whitespace_collapses_but_no_break_spaces_stay():
    blocks = convert("<p>  a \n\t b   c  </p><p>\u00a0\u00a0indented\u00a0</p><p>d<br> <br/>e</p>")
    assert [b.plain for b in blocks] == ["a b c", "\u00a0\u00a0indented\u00a0", "d", "e"]


def test_styles_nest_and_close():
    blocks = convert("<p><b>bold <i>both</i></b><i> it</i> x <u>u<s>us</s></u></p>")
    assert styled(blocks[0]) == [
        ("bold ", BOLD),
        ("both", BOLD | ITALIC),
        (" it", ITALIC),
        (" x ", Style.NONE),
        ("u", UNDERLINE),
        ("us", UNDERLINE | STRIKE),
    ]


def test_css_styles():
    blocks = convert(
        '<p><span style="font-style: italic">a</span> <span style="font-weight:700">b</span> '
        '<em>c<span style="font-style:normal">d</span></em> '
        '<span style="text-decoration: line-through">e</span></p>'
    )
    assert styled(blocks[0]) == [
        ("a", ITALIC),
        (" ", Style.NONE),
        ("b", BOLD),
        (" ", Style.NONE),
        ("c", ITALIC),
        ("d ", Style.NONE),
        ("e", STRIKE),
    ]


def test_paragraph_repaired_inside_unclosed_em():
    # libxml2 nests the second `<p>` inside the `<em>` that was never closed.
    blocks = convert("<p><em>first<p>second</p>")
    assert [styled(b) for b in blocks] == [[("first", ITALIC)], [("second", Style.NONE)]]


def test_italics_around_several_paragraphs_are_kept():
    blocks = convert("<div><em><p>one</p><p>two</p></em></div>")
    assert [styled(b) for b in blocks] == [[("one", ITALIC)], [("two", ITALIC)]]


def test_double_line_break_splits_a_paragraph():
    blocks = convert("<p>one<br><br>two <em>three<br><br><br>four</em></p>")
    assert [styled(b) for b in blocks] == [
        [("one", Style.NONE)],
        [("two ", Style.NONE), ("three", ITALIC)],
        [("four", ITALIC)],
    ]


def test_lists_numbered_from_start():
    blocks = convert(
        '<ol start="3"><li>c</li><li>d</li></ol><ul><li>x<ul><li>y</li></ul></li></ul>'
    )
    assert [b.plain for b in blocks] == ["3. c", "4. d", "• x", "• y"]


def test_skipped_elements_and_comments():
    blocks = convert("<p>a<!-- hidden -->b<script>var x;</script>c<style>p{}</style>d</p>")
    assert [b.plain for b in blocks] == ["abcd"]


def test_breaks_collapse_and_never_start_or_end():
    blocks = convert("<hr><p>* * *</p><p>a</p><hr><hr><p>~~~</p><p>b</p><p>---</p>")
    assert [b.kind for b in blocks] == [PARAGRAPH, BREAK, PARAGRAPH]


def test_notes_have_no_breaks_and_headings_become_notes():
    blocks = convert("<h3>Notes</h3><p>a</p><hr><p>b</p>", NOTE)
    assert [(b.kind, b.plain) for b in blocks] == [(NOTE, "Notes"), (NOTE, "a"), (NOTE, "b")]


def test_simplify_changes_nothing_but_speed():
    html = (FIXTURES / "oneshot.html").read_bytes()
    root = etree.fromstring(html, etree.HTMLParser())
    text = root.xpath("//div[@id='chapters']/div")[0]
    before = to_blocks([text])
    simplify(text)
    assert text.find(".//span") is None
    assert to_blocks([text]) == before


def test_builder_keeps_order_across_elements_and_loose_text():
    root = etree.fromstring("<div><p>one</p></div>", etree.HTMLParser())
    builder = BlockBuilder()
    builder.add(root.find(".//p"))
    builder.add_text("loose text")
    builder.add(root.find(".//p"))
    assert [b.plain for b in builder.blocks()] == ["one", "loose text", "one"]
