"""Where an HTML book's chapters start, and cutting a document there."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from bot.parsers.html_chapters import (
    Start,
    anchor_element,
    heading_starts,
    heading_text,
    is_contents_title,
    is_link_list,
    split,
)
from bot.text.story import BlockKind


def body(html: str) -> etree._Element:
    return etree.fromstring(f"<html><body>{html}</body></html>", etree.HTMLParser()).find("body")


def starts_of(html: str) -> list[str]:
    return [heading_text(el) for el in heading_starts(body(html))]


def test_the_level_used_repeatedly_starts_chapters():
    assert starts_of("<h1>Book</h1><h2>A</h2><p>x</p><h2>B</h2><p>y</p>") == ["A", "B"]
    assert starts_of("<h1>Book</h1><p>x</p>") == []
    assert starts_of("<h2>A</h2><h3>a1</h3><p>x</p><h2>B</h2><p>y</p>") == ["A", "B"]
    # Scene-break ornaments and navigation are not chapters.
    assert starts_of("<h2>A</h2><p>x</p><h3>* * *</h3><p>y</p><h3>* * *</h3><h2>B</h2>") == [
        "A",
        "B",
    ]
    assert starts_of("<nav><h2>Home</h2><h2>About</h2></nav><h3>I</h3><p>x</p><h3>II</h3>") == [
        "I",
        "II",
    ]
    # Empty headings (an anchor's place holder) count for nothing.
    assert starts_of("<h2></h2><h2>A</h2><p>x</p><h3>s</h3><h3>t</h3>") == ["s", "t"]


def test_parts_are_found_only_when_they_hold_the_chapters():
    parts = "<h2>P1</h2><h3>1</h3><p>x</p><h3>2</h3><p>x</p><h2>P2</h2><h3>3</h3><p>x</p><h3>4</h3>"
    assert starts_of(parts) == ["P1", "1", "2", "P2", "3", "4"]
    # The same counts, but each h2 opens with prose: sections under chapters.
    prose = parts.replace("</h2><h3>", "</h2><p>intro</p><h3>")
    assert starts_of(prose) == ["P1", "P2"]


def test_heading_text_with_line_breaks_and_markup():
    h = body("<h2>CHAPTER IV<br/><span>THE <em>STORM</em></span></h2>")[0]
    assert heading_text(h) == "CHAPTER IV: THE STORM"
    h = body("<h2>Chapter 4.<br/>The Storm</h2>")[0]
    assert heading_text(h) == "Chapter 4. The Storm"


def test_contents_titles():
    for title in ("Contents", "TABLE OF CONTENTS", "Índice", "Inhalt:", "目次", "Содержание"):
        assert is_contents_title(title)
    assert not is_contents_title("The Contents of the Box")


def test_link_lists():
    toc = '<ul><li><a href="#a">One</a></li><li><a href="b.html">Two</a></li></ul>'
    assert is_link_list(body(toc)[0])
    assert not is_link_list(body('<p>See <a href="#a">the map</a> for the route we took.</p>')[0])
    # Links out of the book are not a table of contents.
    assert not is_link_list(body('<p><a href="https://example.org">Home</a></p>')[0])


def test_anchor_element_is_the_block_an_inline_anchor_opens():
    root = body('<p><a id="x"></a>Text</p><span id="y"></span><p>More</p>')
    p = root[0]
    assert anchor_element(p[0], root) is p
    loose = root[1]
    assert anchor_element(loose, root) is loose and loose.tag == "div"


def test_split_at_starts_and_notes():
    root = body(
        "<p>front</p><div><h2>One</h2><p>a</p><div class='n'><p>note</p></div><p>b</p>"
        "<h2>Two</h2><p>c</p></div>tail text"
    )
    one, two = root.iter("h2")
    sections = split(
        root,
        {one: Start("One", is_title=True), two: Start("Second")},
        notes={el for el in root.iter("div") if el.get("class") == "n"},
    )
    assert [(t, [(b.kind, b.plain) for b in blocks]) for t, blocks in sections] == [
        (None, [(BlockKind.PARAGRAPH, "front")]),
        ("One", [(BlockKind.PARAGRAPH, "a"), (BlockKind.NOTE, "note"),
                 (BlockKind.PARAGRAPH, "b")]),
        ("Second", [(BlockKind.HEADING, "Two"), (BlockKind.PARAGRAPH, "c"),
                    (BlockKind.PARAGRAPH, "tail text")]),
    ]


# Letters only: "xxx" and "o0o" alone on a line are scene-break ornaments.
WORDS = st.lists(st.text("abcdeé漢", min_size=1, max_size=5), min_size=1, max_size=6)


@settings(max_examples=50, deadline=None)
@given(
    chapters=st.lists(st.lists(WORDS, min_size=1, max_size=3), min_size=2, max_size=5),
    nested=st.booleans(),
)
def test_split_keeps_every_word_once_in_order(chapters, nested):
    parts = []
    for n, paragraphs in enumerate(chapters):
        inner = f"<h2>C{n}</h2>" + "".join(f"<p>{' '.join(p)}</p>" for p in paragraphs)
        parts.append(f"<section>{inner}</section>" if nested else inner)
    root = body("".join(parts))
    found = heading_starts(root)
    sections = split(root, {el: Start(heading_text(el), is_title=True) for el in found})
    assert [t for t, _ in sections] == [None, *(f"C{n}" for n in range(len(chapters)))]
    got = [w for _, blocks in sections for b in blocks for w in b.plain.split()]
    assert got == [w for paragraphs in chapters for p in paragraphs for w in p]
