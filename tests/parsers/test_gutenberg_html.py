"""Project Gutenberg's header and licence cut out of element trees."""

from __future__ import annotations

from lxml import etree

from bot.parsers import gutenberg_html
from bot.parsers.html_blocks import to_blocks


def body(html: str) -> etree._Element:
    return etree.fromstring(f"<html><body>{html}</body></html>", etree.HTMLParser()).find("body")


def plain(*bodies: etree._Element) -> list[str]:
    return [block.plain for block in to_blocks(bodies)]


START = "*** START OF THE PROJECT GUTENBERG EBOOK MOSS ***"
END = "*** END OF THE PROJECT GUTENBERG EBOOK MOSS ***"


def test_markers_in_their_own_elements():
    root = body(
        f"<div><p>Title: Moss</p><p>Author: R. Fell</p><p>{START}</p></div>"
        f"<p>One.</p><div><p>Two.</p><p>{END}</p><p>Licence.</p></div><p>More licence.</p>"
    )
    fields = gutenberg_html.unwrap([root])
    assert fields == {"title": "Moss", "author": "R. Fell"}
    assert plain(root) == ["One.", "Two."]


def test_markers_inside_text_with_other_lines():
    root = body(
        f"<pre>Title: Moss\nAuthor: R. Fell\n\n{START}\n\nProduced by A. Volunteer\n\n"
        f"Chapter text in the header pre.</pre><p>One.</p>"
        f"<pre>Last words.\n\nEnd of the Project Gutenberg EBook of Moss\n\n{END}\nLicence</pre>"
    )
    fields = gutenberg_html.unwrap([root])
    assert fields["title"] == "Moss"
    assert plain(root) == ["Chapter text in the header pre.", "One.", "Last words."]


def test_marker_in_an_elements_tail():
    root = body(f"<b>Title: Moss</b><br/>{START}<br/>The book.<br/>{END}<br/>Licence")
    gutenberg_html.unwrap([root])
    assert plain(root) == ["The book."]


def test_documents_before_and_after_the_markers_go():
    cover, first, last, licence = (
        body("<p>Cover</p>"),
        body(f"<p>Title: Moss</p><p>{START}</p><p>Chapter one.</p>"),
        body(f"<p>Chapter two.</p><p>{END}</p>"),
        body("<p>Licence</p>"),
    )
    fields = gutenberg_html.unwrap([cover, first, last, licence])
    assert fields["title"] == "Moss"
    assert plain(cover, first, last, licence) == ["Chapter one.", "Chapter two."]


def test_no_end_marker_keeps_the_rest():
    root = body(f"<p>{START}</p><p>All of it.</p>")
    assert gutenberg_html.unwrap([root]) == {}
    assert plain(root) == ["All of it."]


def test_books_without_the_start_marker_are_left_alone():
    for html in (
        "<p>Nothing to see.</p>",
        "<p>About Project Gutenberg, the library.</p><p>END OF THE PROJECT GUTENBERG EBOOK</p>",
    ):
        root = body(html)
        before = etree.tostring(root)
        assert gutenberg_html.unwrap([root]) is None
        assert etree.tostring(root) == before
