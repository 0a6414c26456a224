"""HTML books that are not AO3 downloads: chapters at their headings, front matter, Project
Gutenberg's wrapping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsers import html as html_parser
from bot.text.story import BlockKind, StoryError


def parse(html: str, name: str = "book.html"):
    return html_parser.parse(html.encode(), name)


def titles(story) -> list[str]:
    return [c.title for c in story.chapters]


def texts(story) -> list[list[str]]:
    return [[b.plain for b in c.blocks] for c in story.chapters]


# -- chapters at headings --------------------------------------------------------------------

NOVEL = """<html><head><title>The Salt Road</title>
<meta name="author" content="Ilse Varro"></head><body>
<h1>The Salt Road</h1>
<p>by Ilse Varro</p>
<div class="chapter"><h2>Chapter One</h2><p>The caravan left at dawn.</p>
<h3>A letter</h3><p>Dear Anna, the salt is cheap this year.</p></div>
<div class="chapter"><h2>Chapter Two</h2><p>By noon the road had vanished.</p></div>
<div class="chapter"><h2>Chapter Three</h2><p>They found it again at dusk.</p></div>
</body></html>"""


def test_repeated_headings_start_chapters_and_the_title_heading_does_not():
    story = parse(NOVEL)
    assert story.meta.title == "The Salt Road"
    assert story.meta.author == "Ilse Varro"
    assert titles(story) == ["Chapter One", "Chapter Two", "Chapter Three"]
    # A heading used once inside a chapter stays in its text.
    assert [(b.kind, b.plain) for b in story.chapters[0].blocks] == [
        (BlockKind.PARAGRAPH, "The caravan left at dawn."),
        (BlockKind.HEADING, "A letter"),
        (BlockKind.PARAGRAPH, "Dear Anna, the salt is cheap this year."),
    ]


def test_front_matter_with_more_than_the_title_stays_as_an_untitled_chapter():
    story = parse(NOVEL.replace("<p>by Ilse Varro</p>", "<p>by Ilse Varro</p><p>For Teo.</p>"))
    assert titles(story) == ["", "Chapter One", "Chapter Two", "Chapter Three"]
    assert texts(story)[0] == ["For Teo."]


def test_chapters_in_any_language_and_heading_level():
    html = (
        "<body><h3>Capítulo 1</h3><p>Uno.</p><h3>Capítulo 2</h3><p>Dos.</p>"
        "<h3>第三章</h3><p>三。</p></body>"
    )
    story = parse(html)
    assert titles(story) == ["Capítulo 1", "Capítulo 2", "第三章"]
    assert texts(story) == [["Uno."], ["Dos."], ["三。"]]


def test_parts_with_chapters_under_them():
    html = """<body><h1>Two Rivers</h1>
<h2>Part One</h2><h3>I</h3><p>a</p><h3>II</h3><p>b</p>
<h2>Part Two</h2><h3>III</h3><p>c</p><h3>IV</h3><p>d</p></body>"""
    story = parse(html)
    assert titles(story) == ["I", "II", "III", "IV"]
    # A part's heading, with no text of its own, opens its first chapter.
    assert [(b.kind, b.plain) for b in story.chapters[2].blocks] == [
        (BlockKind.HEADING, "Part Two"),
        (BlockKind.PARAGRAPH, "c"),
    ]


def test_sections_under_chapters_do_not_split_them():
    html = """<body>
<h2>One</h2><p>a</p><h3>Morning</h3><p>b</p><h3>Evening</h3><p>c</p>
<h2>Two</h2><p>d</p><h3>Morning</h3><p>e</p><h3>Evening</h3><p>f</p></body>"""
    story = parse(html)
    assert titles(story) == ["One", "Two"]
    assert texts(story)[0] == ["a", "Morning", "b", "Evening", "c"]


def test_line_break_in_a_chapter_heading():
    html = "<h2>CHAPTER I<br/>THE WELL</h2><p>a</p><h2>CHAPTER II.<br>ROPE</h2><p>b</p>"
    assert titles(parse(html)) == ["CHAPTER I: THE WELL", "CHAPTER II. ROPE"]


def test_table_of_contents_is_not_text():
    html = """<body><h1>Lanterns</h1>
<h2>Contents</h2>
<table><tr><td><a href="#c1">I.</a></td><td>Wick</td></tr>
<tr><td><a href="#c2">II.</a></td><td>Oil</td></tr></table>
<h2 id="c1">I. Wick</h2><p>Trim it short.</p>
<h2 id="c2">II. Oil</h2><p>Fill it slowly.</p></body>"""
    story = parse(html, "lanterns.html")
    assert titles(story) == ["I. Wick", "II. Oil"]
    assert "Contents" not in story.plain
    assert story.plain.count("Wick") == 0


def test_link_list_before_the_first_chapter_is_dropped():
    html = """<body><p><a href="#a">Alpha</a> · <a href="#b">Beta</a></p>
<h2 id="a">Alpha</h2><p>First.</p><h2 id="b">Beta</h2><p>Second.</p></body>"""
    assert texts(parse(html)) == [["First."], ["Second."]]


def test_single_heading_book_is_one_chapter():
    story = parse("<body><h2>Only</h2><p>One.</p><p>Two.</p></body>", "only.html")
    assert titles(story) == [""]
    assert story.meta.title == "Only"
    assert texts(story) == [["One.", "Two."]]


# -- metadata before the story ---------------------------------------------------------------


def test_title_page_lines_before_the_chapters_are_metadata():
    html = """<body><h3>Tin Stars by larkspur</h3>
<div><b>Rating:</b> Mature<br/><b>Fandom:</b> Original Work<br/>
<b>Words:</b> 6<br/><b>Chapters:</b> 2/2<br/></div>
<h2>One</h2><p>Dock fees due.</p><h2>Two</h2><p>Jump now.</p></body>"""
    story = parse(html)
    assert story.meta.rating == "Mature"
    assert story.meta.fandoms == ("Original Work",)
    assert titles(story) == ["One", "Two"]


def test_header_lines_above_a_one_chapter_story():
    html = """<body><p>Title: Fog<br/>Author: M. Abara<br/>Rating: Explicit (18+)<br/>
Warnings: none</p><p>The fog came in.</p><p>It stayed.</p></body>"""
    story = parse(html)
    assert story.meta.rating == "Explicit"
    assert texts(story) == [["The fog came in.", "It stayed."]]


def test_rating_in_the_page_head():
    story = parse('<head><meta name="rating" content="adult"></head><body><p>x</p></body>')
    assert story.meta.rating == "Explicit"
    story = parse("<body><p>No rating anywhere.</p></body>")
    assert story.meta.rating == "Not Rated"


# -- Project Gutenberg -----------------------------------------------------------------------

MODERN = """<!DOCTYPE html><html><head>
<title>The Project Gutenberg eBook of The Tin Kettle, by Hester Quill</title></head><body>
<section class="pg-boilerplate pgheader" id="pg-header" lang="en">
<h2 id="pg-header-heading">The Project Gutenberg eBook of <span>The Tin Kettle</span></h2>
<div>This ebook is for the use of anyone anywhere in the United States at no cost.</div>
<div class="container" id="pg-machine-header"><p><strong>Title</strong>: The Tin Kettle</p>
<div id="pg-header-authlist"><p><strong>Author</strong>: Hester Quill</p></div>
<p><strong>Release date</strong>: March 3, 2011 [eBook #99999]<br>
Most recently updated: May 5, 2020</p>
<p><strong>Language</strong>: English</p></div>
<div id="pg-start-separator">
<span>*** START OF THE PROJECT GUTENBERG EBOOK THE TIN KETTLE ***</span>
</div></section>
<h1>THE TIN KETTLE</h1>
<p class="center">By Hester Quill</p>
{book}
<section class="pg-boilerplate pgheader" id="pg-footer" lang="en">
<div id="pg-end-separator">
<span>*** END OF THE PROJECT GUTENBERG EBOOK THE TIN KETTLE ***</span>
</div>
<div>Updated editions will replace the previous one—the old editions will be renamed.</div>
<h2>THE FULL PROJECT GUTENBERG LICENSE</h2>
<p>To protect the Project Gutenberg™ mission of promoting the free distribution of
electronic works, by using or distributing this work…</p>
</section></body></html>"""

OLD = """<html><head><title>The Project Gutenberg eBook of The Tin Kettle, by Hester Quill</title>
</head><body>
<pre>

The Project Gutenberg EBook of The Tin Kettle, by Hester Quill

This eBook is for the use of anyone anywhere at no cost and with
almost no restrictions whatsoever.

Title: The Tin Kettle

Author: Hester Quill

Release Date: March 3, 2011 [EBook #99999]

Language: English


*** START OF THIS PROJECT GUTENBERG EBOOK THE TIN KETTLE ***




Produced by the Online Distributed Proofreading Team



</pre>
{book}
<pre>

End of the Project Gutenberg EBook of The Tin Kettle, by Hester Quill

*** END OF THIS PROJECT GUTENBERG EBOOK THE TIN KETTLE ***

***** This file should be named 99999-h.htm or 99999-h.zip *****

Updated editions will replace the previous one--the old editions
will be renamed.
</pre>
</body></html>"""

PARAGRAPHS = """<p>Mid-marker form, with the markers in paragraphs of their own:</p>"""

BOOK = """<h2>CONTENTS</h2>
<p class="toc"><a href="#I">CHAPTER I</a></p>
<p class="toc"><a href="#II">CHAPTER II</a></p>
<h2><a id="I"></a>CHAPTER I</h2>
<p>The kettle sang at four, as it always had.</p>
<h2><a id="II"></a>CHAPTER II</h2>
<p>At five it was quiet, and Mrs. Bell looked up.</p>
<p>THE END</p>"""


@pytest.mark.parametrize("template", [MODERN, OLD], ids=["modern", "old"])
def test_gutenberg_html_is_only_the_book(template):
    story = parse(template.replace("{book}", BOOK), "99999-h.htm")
    assert story.meta.title == "The Tin Kettle"
    assert story.meta.author == "Hester Quill"
    assert story.meta.language == "English"
    assert story.meta.published == "March 3, 2011"
    assert titles(story) == ["CHAPTER I", "CHAPTER II"]
    assert texts(story) == [
        ["The kettle sang at four, as it always had."],
        ["At five it was quiet, and Mrs. Bell looked up.", "THE END"],
    ]
    assert "Gutenberg" not in story.plain


def test_gutenberg_markers_in_paragraphs():
    html = """<body><p>The Project Gutenberg eBook of Moss, by R. Fell</p>
<p>Title: Moss</p><p>Author: R. Fell</p>
<p>*** START OF THE PROJECT GUTENBERG EBOOK <span>MOSS</span> ***</p>
<p>Moss grows on the north side.</p><p>Usually.</p>
<p>*** END OF THE PROJECT GUTENBERG EBOOK MOSS ***</p>
<p>Section 1. General Terms of Use…</p></body>"""
    story = parse(html, "moss.html")
    assert (story.meta.title, story.meta.author) == ("Moss", "R. Fell")
    assert texts(story) == [["Moss grows on the north side.", "Usually."]]


def test_gutenberg_title_from_the_page_title_when_the_header_has_none():
    html = """<head><title>The Project Gutenberg eBook of Moss, by R. Fell</title></head>
<body><p>*** START OF THE PROJECT GUTENBERG EBOOK MOSS ***</p><p>Moss.</p></body>"""
    story = parse(html, "moss.html")
    assert (story.meta.title, story.meta.author) == ("Moss", "R. Fell")


def test_gutenberg_book_in_one_pre():
    html = """<body><pre>Title: Moss
Author: R. Fell

*** START OF THE PROJECT GUTENBERG EBOOK MOSS ***
Moss grows on the north side.
*** END OF THE PROJECT GUTENBERG EBOOK MOSS ***
licence</pre></body>"""
    story = parse(html, "moss.html")
    assert texts(story) == [["Moss grows on the north side."]]


def test_book_that_only_mentions_gutenberg_is_untouched():
    html = "<body><p>She had read about Project Gutenberg.</p><p>START OF SOMETHING</p></body>"
    assert texts(parse(html)) == [["She had read about Project Gutenberg.", "START OF SOMETHING"]]


def test_gutenberg_wrapping_with_no_book_is_refused():
    with pytest.raises(StoryError, match="no story text found"):
        parse(OLD.replace("{book}", ""), "empty.htm")


# No "x" or "o": "xxx" and "o0o" alone on a line are scene-break ornaments.
WORD = st.text("abcdefghijklmnpqrstuvwyzÀéß—“”…漢字", min_size=1, max_size=8)
PARAGRAPH = st.lists(WORD, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(
    chapters=st.lists(st.lists(PARAGRAPH, min_size=1, max_size=4), min_size=1, max_size=4),
    template=st.sampled_from([MODERN, OLD]),
)
def test_every_word_once_and_in_order_whatever_the_wrapping(chapters, template):
    book = "".join(
        f"<h2>Part {n}</h2>" + "".join(f"<p>{p}</p>" for p in paragraphs)
        for n, paragraphs in enumerate(chapters, 1)
    )
    story = parse(template.replace("{book}", book), "pg.htm")
    expected = [word for paragraphs in chapters for p in paragraphs for word in p.split()]
    got = [word for c in story.chapters for b in c.blocks for word in b.plain.split()]
    if len(chapters) > 1:
        assert titles(story) == [f"Part {n}" for n in range(1, len(chapters) + 1)]
    else:
        # No chapters to split at: the book's front matter and heading are its text.
        byline = ["By", "Hester", "Quill"] if template is MODERN else []
        expected = [*byline, "Part", "1", *expected]
    assert got == expected


def test_a_paragraph_with_a_long_run_of_wide_spaces_is_read_in_linear_time():
    # Ideographic spaces survive HTML's whitespace rules; looking for `Label: value` pieces
    # in the opening paragraph tried every one of them.
    story = parse(f"<html><body><p>A{chr(0x3000) * 200_000}B</p></body></html>", "wide.html")
    assert texts(story) == [[f"A{chr(0x3000) * 200_000}B"]]
