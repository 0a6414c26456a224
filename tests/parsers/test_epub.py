"""EPUB 2 and 3 books, and AO3's EPUB download; every book is built in memory (`epubs.py`)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.parsers import epub, epub_package
from bot.parsers import html as html_parser
from bot.text.story import Block, BlockKind, Run, StoryError, Style
from tests.parsers.epubs import (
    CONTAINER,
    ENCRYPTION,
    calibre_documents,
    calibre_split,
    make_epub,
    xhtml,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ao3"

GENERIC_METADATA = """
    <dc:title>The Cartographer’s Daughter</dc:title>
    <dc:creator id="c1">Mara Ellison</dc:creator>
    <meta refines="#c1" property="role" scheme="marc:relators">aut</meta>
    <dc:creator id="c2">Teodor Nkemelu</dc:creator>
    <dc:creator id="c3">An Editor</dc:creator>
    <meta refines="#c3" property="role" scheme="marc:relators">edt</meta>
    <dc:language>en-GB</dc:language>
    <dc:subject>Maps</dc:subject>
    <dc:subject>Coming of Age</dc:subject>
    <dc:description>&lt;p&gt;A girl inherits a map of a city that &lt;em&gt;does not
      exist&lt;/em&gt;.&lt;/p&gt;&lt;p&gt;Yet.&lt;/p&gt;</dc:description>
    <dc:identifier id="book-id">urn:uuid:0f6c2b9e-0000-4000-8000-000000000001</dc:identifier>
    <dc:source>https://example.org/stories/cartographer</dc:source>
    <dc:date>2021-06-30T00:00:00Z</dc:date>"""

GENERIC_NAV = """<nav epub:type="toc"><ol>
  <li><a href="one.xhtml">Chapter One: Ink</a></li>
  <li><a href="two.xhtml#start">Chapter Two: Paper</a></li>
</ol></nav>"""


@pytest.fixture(scope="module")
def generic():
    documents = [
        ("cover.xhtml", xhtml('<div><img src="cover.jpg" alt="Cover"/></div>')),
        (
            "one.xhtml",
            xhtml(
                "<h1>Chapter One: Ink</h1><p>The map was drawn on the back of a bakery "
                "receipt.</p><p>“Keep it,” her father said — and then he was gone…</p>"
            ),
        ),
        ("two.xhtml", xhtml('<h2 id="start">Paper</h2><p>Nobody in Vell had heard of it.</p>')),
        ("two_split.xhtml", xhtml("<p>Except, it seemed, <i>the cat</i>.</p>")),
    ]
    return epub.parse(
        make_epub(documents, metadata=GENERIC_METADATA, nav=GENERIC_NAV), "cartographer.epub"
    )


def test_generic_metadata(generic):
    meta = generic.meta
    assert meta.title == "The Cartographer’s Daughter"
    # Authors, not the editor.
    assert meta.author == "Mara Ellison, Teodor Nkemelu"
    assert meta.language == "en-GB"
    assert meta.tags == ("Maps", "Coming of Age")
    assert meta.url == "https://example.org/stories/cartographer"
    assert meta.published == "2021-06-30"
    assert meta.rating == "Not Rated"
    # The description is escaped HTML.
    assert [[(r.text, r.style) for r in b.runs] for b in meta.summary] == [
        [
            ("A girl inherits a map of a city that ", Style.NONE),
            ("does not exist", Style.ITALIC),
            (".", Style.NONE),
        ],
        [("Yet.", Style.NONE)],
    ]


def test_generic_chapters_follow_the_spine(generic):
    # The cover has no text; the nav document is not a chapter; a document the table of
    # contents does not name, with no heading, continues the chapter before it.
    assert [c.title for c in generic.chapters] == ["Chapter One: Ink", "Chapter Two: Paper"]
    one, two = (c.blocks for c in generic.chapters)
    # The heading that repeats the chapter title is dropped; a different one is kept.
    assert [b.plain for b in one] == [
        "The map was drawn on the back of a bakery receipt.",
        "“Keep it,” her father said — and then he was gone…",
    ]
    assert [(b.kind, b.plain) for b in two] == [
        (BlockKind.HEADING, "Paper"),
        (BlockKind.PARAGRAPH, "Nobody in Vell had heard of it."),
        (BlockKind.PARAGRAPH, "Except, it seemed, the cat."),
    ]
    assert two[2].runs[1] == Run("the cat", Style.ITALIC)


def test_epub2_with_ncx_and_opf_roles():
    ncx = """<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
  <navPoint id="p1" playOrder="1"><navLabel><text>I. The Well</text></navLabel>
    <content src="text/a.html"/></navPoint>
  <navPoint id="p2" playOrder="2"><navLabel><text>II. The Rope</text></navLabel>
    <content src="text/b.html#x"/></navPoint>
</navMap></ncx>"""
    metadata = """
    <dc:title>Wells</dc:title>
    <dc:creator opf:role="aut">Ada Brook</dc:creator>
    <dc:creator opf:role="ill">Ivo Pell</dc:creator>
    <dc:description>Plain text summary.

Second paragraph.</dc:description>
    <dc:identifier id="book-id">https://example.net/wells</dc:identifier>"""
    documents = [
        ("text/a.html", xhtml("<p>Down and down.</p>")),
        ("text/b.html", xhtml("<p>Up again, 上へ.</p>")),
    ]
    story = epub.parse(make_epub(documents, metadata=metadata, version="2.0", ncx=ncx), "w.epub")
    assert story.meta.author == "Ada Brook"
    assert story.meta.url == "https://example.net/wells"
    assert [b.plain for b in story.meta.summary] == ["Plain text summary.", "Second paragraph."]
    assert [c.title for c in story.chapters] == ["I. The Well", "II. The Rope"]
    assert story.chapters[1].blocks == (Block(BlockKind.PARAGRAPH, (Run("Up again, 上へ."),)),)


def test_titles_from_headings_or_title_element_without_a_table_of_contents():
    documents = [
        ("a.xhtml", xhtml("<h2>Morning</h2><p>Light.</p>")),
        ("b.xhtml", xhtml("<p>Noon text.</p>", title="Noon")),
    ]
    story = epub.parse(make_epub(documents, package_dir=""), "days.epub")
    assert story.meta.title == "Untitled"
    assert [c.title for c in story.chapters] == ["Morning", "Noon"]
    assert story.chapters[0].blocks == (Block(BlockKind.PARAGRAPH, (Run("Light."),)),)


def test_title_from_file_name_when_the_package_has_none():
    story = epub.parse(make_epub([("a.xhtml", xhtml("<p>x</p>"))], metadata=""), "river_song.epub")
    assert story.meta.title == "River Song"


# -- AO3 -------------------------------------------------------------------------------------

AO3_METADATA = """
    <dc:title>The Lantern-Keeper's Ledger</dc:title>
    <dc:creator opf:role="aut">moth_and_ember, Juniper Quay (jquay)</dc:creator>
    <dc:language>en</dc:language>
    <dc:subject>Fanworks</dc:subject>
    <dc:subject>Mature</dc:subject>
    <dc:description>&lt;p&gt;Wren inherits a lantern shop.&lt;/p&gt;</dc:description>
    <dc:identifier id="book-id">urn:uuid:5d0a7f4e-0000-4000-8000-000000000002</dc:identifier>
    <dc:publisher>Archive of Our Own</dc:publisher>"""


@pytest.mark.parametrize("name", ["multichapter.html", "oneshot.html"])
def test_ao3_epub_reads_like_the_html_download(name):
    html = (FIXTURES / name).read_text(encoding="utf-8")
    documents = calibre_documents(html)
    story = epub.parse(make_epub(documents, metadata=AO3_METADATA), name + ".epub")
    expected = html_parser.parse(html.encode(), name)
    # Metadata comes from the preface, not the OPF (whose subjects are not AO3's tags).
    assert story.meta == expected.meta
    # Preface and afterword are not chapters; chapters, notes and text are the same.
    assert story.chapters == expected.chapters
    assert story.warnings == ()


# Where calibre cuts an AO3 page: before the title block in the preface (repeating
# `div#preface`), before each chapter (repeating `div#chapters`), inside a chapter's text,
# and before the afterword's message (repeating `div#afterword`).
CALIBRE_CUTS = [
    '//div[@id="preface"]//h1',
    '//div[@id="chapters"]/div[h2[@class="heading"]]',
    '(//div[@id="chapters"]/div[@class="userstuff"])[1]/p[3]',
    '//div[@id="chapters"]/div[@class="userstuff"]/p[4]',
    '//div[@id="afterword"]/p[@class="message"]',
]
AO3_LABELS = (
    "Preface",
    "Afterword",
    "Summary",
    "Chapter Summary",
    "Chapter Notes",
    "Chapter End Notes",
    "End Notes",
    "See the end of",
    "drop by the archive",
    "Posted originally on",
    "Rating:",
)


@pytest.mark.parametrize("name", ["multichapter.html", "oneshot.html"])
def test_calibre_split_ao3_epub_reads_like_the_html_download(name):
    html = (FIXTURES / name).read_text(encoding="utf-8")
    documents = calibre_split(html, CALIBRE_CUTS)
    # The cuts really repeat AO3's wrappers: the preface and afterword are in two documents.
    assert sum('id="preface"' in text for _, text in documents) == 2
    assert sum('id="afterword"' in text for _, text in documents) == 2
    story = epub.parse(make_epub(documents, metadata=AO3_METADATA), name + ".epub")
    expected = html_parser.parse(html.encode(), name)
    assert story.meta == expected.meta
    assert [c.title for c in story.chapters] == [c.title for c in expected.chapters]
    assert story.chapters == expected.chapters
    assert story.warnings == ()
    text = story.plain.casefold()
    for label in AO3_LABELS:
        assert label.casefold() not in text
    # The notes stay reachable as metadata.
    assert story.meta.summary and story.meta.end_notes


def test_ao3_epub_repeated_preface_is_not_a_chapter():
    # The defect this guards against: the second half of a split preface read as an
    # untitled first chapter holding the title, byline, summary and notes.
    html = (FIXTURES / "oneshot.html").read_text(encoding="utf-8")
    documents = calibre_split(html, ['//div[@id="preface"]//h1'])
    story = epub.parse(make_epub(documents, metadata=AO3_METADATA), "o.epub")
    assert [c.title for c in story.chapters] == [""]
    first = story.chapters[0].blocks[0].plain
    assert first.startswith("The clock at the top of the Gull Point lighthouse")
    assert story.meta.notes == html_parser.parse(html.encode(), "o.html").meta.notes
    assert story.meta.notes


def test_documents_join_only_where_ids_match():
    # A cut between two paragraphs repeats their `div` but not the paragraphs: the two
    # paragraphs stay two, and an element without an id is never joined to the one before.
    documents = [
        ("a.xhtml", xhtml('<div id="preface"><dl class="tags"><dt>Rating:</dt><dd>Mature</dd>'
                          "<dt>Fandom:</dt><dd>Original Work</dd></dl></div>"
                          '<div id="chapters"><div class="userstuff"><p>One.</p></div></div>')),
        ("b.xhtml", xhtml('<div id="chapters"><div class="userstuff"><p>Two.</p></div></div>')),
    ]
    story = epub.parse(make_epub(documents, metadata=AO3_METADATA), "j.epub")
    assert [b.plain for b in story.chapters[0].blocks] == ["One.", "Two."]
    assert story.meta.rating == "Mature"


def test_ao3_epub_chapter_titles_and_notes():
    html = (FIXTURES / "multichapter.html").read_text(encoding="utf-8")
    story = epub.parse(make_epub(calibre_documents(html), metadata=AO3_METADATA), "m.epub")
    assert [c.title for c in story.chapters] == ["The Lantern Shop", "Chapter 2", "Ledger Lines"]
    assert story.meta.rating == "Mature"
    assert story.meta.declared_chapters == "3/4"
    first = story.chapters[0].blocks
    assert [b.kind for b in first[:2]] == [BlockKind.NOTE, BlockKind.NOTE]
    assert first[-1].kind is BlockKind.NOTE


# -- refused books ---------------------------------------------------------------------------

ONE_DOC = [("a.xhtml", xhtml("<p>Some text.</p>"))]


def manifest_item(ident: str, href: str) -> str:
    return f'<item id="{ident}" href="{href}" media-type="application/xhtml+xml"/>'


def zip_of(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def refused(data: bytes) -> str:
    with pytest.raises(StoryError) as error:
        epub.parse(data, "bad.epub")
    return str(error.value)


def test_not_a_zip():
    assert refused(b"PK\x03\x04 but not really a zip") == (
        "not an EPUB: the file is not a ZIP archive"
    )
    assert refused(b"<html>an html file renamed</html>") == (
        "not an EPUB: the file is not a ZIP archive"
    )


def test_zip_without_container():
    assert refused(zip_of({"mimetype": "application/epub+zip", "a.xhtml": "<p/>"})) == (
        "not an EPUB: META-INF/container.xml is missing"
    )


def test_container_without_package():
    container = '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"/>'
    assert refused(make_epub(ONE_DOC, container=container)) == (
        "META-INF/container.xml names no package (.opf) file"
    )
    container = CONTAINER.format(path="OEBPS/missing.opf")
    assert refused(make_epub(ONE_DOC, container=container)) == (
        "the package file 'OEBPS/missing.opf' named in container.xml is missing"
    )


def test_broken_package_xml():
    data = make_epub(ONE_DOC, extra={"OEBPS/content.opf": "<package><metadata>"})
    assert refused(data).startswith("broken XML in 'OEBPS/content.opf': ")


def test_package_pointing_to_missing_files():
    data = make_epub(
        ONE_DOC,
        manifest_extra=manifest_item("gone", "gone.xhtml"),
        spine_extra='<itemref idref="gone"/>',
    )
    assert refused(data) == "the EPUB has no file 'OEBPS/gone.xhtml', which its package lists"
    data = make_epub(ONE_DOC, spine_extra='<itemref idref="nowhere"/>')
    assert refused(data) == "the EPUB's spine names 'nowhere', which its manifest lacks"


def test_drm_is_refused():
    encryption = ENCRYPTION.format(
        algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc", uri="OEBPS/a.xhtml"
    )
    data = make_epub(ONE_DOC, extra={"META-INF/encryption.xml": encryption})
    assert refused(data) == (
        "DRM-protected EPUB (META-INF/encryption.xml lists encrypted files); remove the DRM first"
    )
    data = make_epub(ONE_DOC, extra={"META-INF/rights.xml": "<rights/>"})
    assert refused(data) == "DRM-protected EPUB (META-INF/rights.xml); remove the DRM first"


def test_font_obfuscation_is_not_drm():
    encryption = ENCRYPTION.format(
        algorithm="http://www.idpf.org/2008/embedding", uri="OEBPS/fonts/serif.otf"
    )
    data = make_epub(ONE_DOC, extra={"META-INF/encryption.xml": encryption})
    assert epub.parse(data, "fonts.epub").chapters[0].blocks[0].plain == "Some text."


def test_member_path_escaping_the_book():
    data = make_epub(ONE_DOC, extra={"../../evil.xhtml": "<p>x</p>"})
    assert refused(data) == "unsafe path in the EPUB: '../../evil.xhtml' points outside the book"
    data = make_epub(ONE_DOC, extra={"/etc/passwd": "x"})
    assert refused(data) == "unsafe path in the EPUB: '/etc/passwd' points outside the book"


def test_package_href_escaping_the_book():
    data = make_epub(
        ONE_DOC,
        manifest_extra=manifest_item("up", "../../../x.xhtml"),
        spine_extra='<itemref idref="up"/>',
    )
    assert refused(data) == "the EPUB points outside itself: '../../../x.xhtml'"


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("OEBPS/zeros.xhtml", b"\0" * (epub_package.MAX_UNCOMPRESSED + 1))
    data = buffer.getvalue()
    assert len(data) < 200_000
    assert refused(data) == "the EPUB unpacks to 52,428,821 bytes, over the 50 MB limit"


def test_book_without_text():
    data = make_epub([("a.xhtml", xhtml("<div><img src='x.png' alt=''/></div>"))])
    assert refused(data) == "no story text found"


def test_document_that_is_not_text():
    data = make_epub([("a.xhtml", b"<p>\x00\x01\x02\x00binary</p>")])
    assert refused(data) == "OEBPS/a.xhtml: binary data, not a text file"


def test_document_in_a_declared_encoding():
    text = '<?xml version="1.0" encoding="windows-1251"?><html><body><p>Глава</p></body></html>'
    data = make_epub([("a.xhtml", text.encode("cp1251"))])
    assert epub.parse(data, "r.epub").chapters[0].blocks[0].plain == "Глава"


# -- pages before the story ------------------------------------------------------------------

FANFICFARE_TITLE_PAGE = """<h3><a href="https://example.org/works/1">Tin Stars</a> by
<a class="authorlink" href="https://example.org/users/larkspur">larkspur</a></h3>
<div>
<b>Category:</b> Original Work - Space Opera<br />
<b>Genre:</b> Found Family, Slow Burn, Space Pirates<br />
<b>Characters:</b> Captain Ysolde Marr, Tiber<br />
<b>Relationships:</b> Ysolde Marr/Tiber<br />
<b>Status:</b> In-Progress<br />
<b>Published:</b> 2022-02-02<br />
<b>Updated:</b> 2022-05-05<br />
<b>Packaged:</b> 2023-01-01 10:00:00<br />
<b>Rating:</b> {rating}<br />
<b>Warnings:</b> Graphic Depictions Of Violence<br />
<b>Chapters:</b> 2/3<br />
<b>Words:</b> 1,234<br />
<b>Summary:</b> <div class="userstuff"><p>A freighter, a stolen star chart, and
<em>one</em> very bad idea.</p><p>Second paragraph of the summary.</p></div><br />
<b>Comments:</b> 12<br />
</div>"""

FANFICFARE_TOC = """<div><h3>Table of Contents</h3>
<a href="file0001.xhtml">Dock Fees</a><br />
<a href="file0002.xhtml">Jump</a><br /></div>"""

FANFICFARE_LOG = """<div><h3>Update Log</h3>
<b>Chapters:</b> 1<br /><b>Words:</b> 600<br /><b>Updated:</b> 2022-02-02<br />
<b>Rating:</b> General Audiences<br />
<hr /></div>"""


def fanficfare_book(rating: str = "Explicit", metadata: str = "") -> bytes:
    chapter = (
        '<h3 class="fff_chapter_title">{title}</h3><div class="story">'
        '<div class="fff_chapter_notes fff_head_notes"><b>Author\'s Note:</b>'
        "<blockquote><p>{note}</p></blockquote></div>"
        '<div class="userstuff module">{text}</div></div>'
    )
    documents = [
        ("title_page.xhtml", xhtml(FANFICFARE_TITLE_PAGE.format(rating=rating), "Tin Stars")),
        ("toc_page.xhtml", xhtml(FANFICFARE_TOC, "Tin Stars")),
        ("log_page.xhtml", xhtml(FANFICFARE_LOG, "Update Log")),
        (
            "file0001.xhtml",
            xhtml(chapter.format(title="Dock Fees", note="Hello again.",
                                 text="<p>The dock fees were due on a Tuesday.</p>")),
        ),
        (
            "file0002.xhtml",
            xhtml(chapter.format(title="Jump", note="Short one.",
                                 text="<p>Tiber pulled the lever.</p><p>Nothing happened.</p>")),
        ),
    ]
    ncx = """<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
  <navPoint id="t"><navLabel><text>Title Page</text></navLabel>
    <content src="title_page.xhtml"/></navPoint>
  <navPoint id="c"><navLabel><text>Table of Contents</text></navLabel>
    <content src="toc_page.xhtml"/></navPoint>
  <navPoint id="l"><navLabel><text>Update Log</text></navLabel>
    <content src="log_page.xhtml"/></navPoint>
  <navPoint id="a"><navLabel><text>Dock Fees</text></navLabel>
    <content src="file0001.xhtml"/></navPoint>
  <navPoint id="b"><navLabel><text>Jump</text></navLabel>
    <content src="file0002.xhtml"/></navPoint>
</navMap></ncx>"""
    opf = metadata or """
    <dc:title>Tin Stars</dc:title>
    <dc:creator opf:role="aut">larkspur</dc:creator>
    <dc:language>en</dc:language>
    <dc:subject>Space Pirates</dc:subject>
    <dc:subject>Last Update: 2022/05/05</dc:subject>
    <dc:description>A freighter, a stolen star chart.</dc:description>"""
    return make_epub(documents, metadata=opf, version="2.0", ncx=ncx)


def test_fanficfare_title_page_is_metadata_not_a_chapter():
    story = epub.parse(fanficfare_book(), "tin_stars.epub")
    meta = story.meta
    assert meta.rating == "Explicit"
    assert meta.warnings == ("Graphic Depictions Of Violence",)
    # FanFicFare's "Category" is the fandom; its "Genre" the tags, which replace the
    # package's keyword list.
    assert meta.fandoms == ("Original Work - Space Opera",)
    assert meta.categories == ()
    assert meta.tags == ("Found Family", "Slow Burn", "Space Pirates")
    assert meta.characters == ("Captain Ysolde Marr", "Tiber")
    assert meta.relationships == ("Ysolde Marr/Tiber",)
    assert (meta.published, meta.updated) == ("2022-02-02", "2022-05-05")
    assert (meta.declared_words, meta.declared_chapters) == (1234, "2/3")
    assert [b.plain for b in meta.summary] == [
        "A freighter, a stolen star chart, and one very bad idea.",
        "Second paragraph of the summary.",
    ]
    assert meta.summary[0].runs[1] == Run("one", Style.ITALIC)
    # Title page, contents and update log are not chapters; the log does not override the
    # title page's rating.
    assert [c.title for c in story.chapters] == ["Dock Fees", "Jump"]
    assert story.warnings == ()


def test_fanficfare_chapter_notes_are_notes():
    story = epub.parse(fanficfare_book(), "tin_stars.epub")
    first = story.chapters[0].blocks
    assert [(b.kind, b.plain) for b in first] == [
        (BlockKind.NOTE, "Author's Note:"),
        (BlockKind.NOTE, "Hello again."),
        (BlockKind.PARAGRAPH, "The dock fees were due on a Tuesday."),
    ]
    assert story.words == 14


def test_title_page_rating_that_cannot_be_placed_counts_as_explicit():
    story = epub.parse(fanficfare_book(rating="Spicy-ish"), "tin_stars.epub")
    assert story.meta.rating == "Explicit"
    assert len(story.warnings) == 1
    assert story.warnings[0].startswith("title page: rating 'Spicy-ish' is not one the bot knows")


@pytest.mark.parametrize(
    ("rating", "expected"),
    [("Teen And Up Audiences", "Teen And Up Audiences"), ("NC-17", "Explicit"), ("M", "Mature")],
)
def test_title_page_ratings_in_other_words(rating, expected):
    assert epub.parse(fanficfare_book(rating=rating), "t.epub").meta.rating == expected


def test_title_page_found_by_its_shape_not_its_name():
    # A fanfiction.net export: a first page with a stats line, named nothing special.
    first = """<h1>Salt Roads</h1><p>By: Oriel Fenn</p>
<p>Rated: Fiction M - English - Adventure/Romance - Chapters: 2 - Words: 3,456 -
Reviews: 7 - Updated: 05-06-2020 - Published: 01-02-2020</p>
<p>Two smugglers and one boat too few.</p>"""
    documents = [
        ("page1.xhtml", xhtml(first)),
        ("page2.xhtml", xhtml("<h2>The Quay</h2><p>The tide was out.</p>")),
    ]
    story = epub.parse(make_epub(documents), "salt.epub")
    assert story.meta.rating == "Mature"
    assert story.meta.language == "English"
    assert story.meta.declared_words == 3456
    assert [c.title for c in story.chapters] == ["The Quay"]


def test_a_chapter_with_a_colon_or_two_stays_a_chapter():
    prose = """<p>Note: the kettle was broken.</p><p>Rating: five stars, she wrote, and meant
it.</p><p>Warnings: none that she could see.</p><p>The kettle, however, had other plans, and
the evening went the way evenings with broken kettles go.</p><p>By morning it was fixed.</p>
<p>By noon it was broken again.</p><p>She bought a new one.</p>"""
    story = epub.parse(make_epub([("a.xhtml", xhtml(prose))]), "kettle.epub")
    assert story.meta.rating == "Not Rated"
    assert story.chapters[0].blocks[0].plain == "Note: the kettle was broken."
    assert len(story.chapters[0].blocks) == 7


def test_header_lines_above_the_story_are_metadata():
    text = """<p>Title: The Lamp<br/>Author: R. Okafor<br/>Rating: Explicit<br/>
Fandom: Original Work</p><p>The lamp was lit at dusk.</p><p>It burned all night.</p>"""
    story = epub.parse(make_epub([("a.xhtml", xhtml(text))]), "lamp.epub")
    assert story.meta.rating == "Explicit"
    assert story.meta.fandoms == ("Original Work",)
    assert [b.plain for b in story.chapters[0].blocks] == [
        "The lamp was lit at dusk.",
        "It burned all night.",
    ]


# -- ratings in the package ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "rating", "tags"),
    [
        ("<dc:subject>Romance</dc:subject><dc:subject>Explicit</dc:subject>", "Explicit",
         ("Romance",)),
        ("<dc:subject>M/M</dc:subject><dc:subject>Teen And Up Audiences</dc:subject>",
         "Teen And Up Audiences", ("M/M",)),
        ("<dc:subject>Rating: NC-17</dc:subject>", "Explicit", ()),
        ('<meta name="rating" content="Mature"/>', "Mature", ()),
        ('<meta property="rating">General Audiences</meta>', "General Audiences", ()),
        # calibre's rating is the reader's stars, not a content rating.
        ('<meta name="calibre:rating" content="8"/>', "Not Rated", ()),
        ('<meta name="rating" content="4"/>', "Not Rated", ()),
        # A subject that only contains a rating's letter is a tag.
        ("<dc:subject>M/M</dc:subject><dc:subject>Mature Themes Ahead</dc:subject>",
         "Not Rated", ("M/M", "Mature Themes Ahead")),
        ("", "Not Rated", ()),
    ],
)
def test_rating_from_the_package(metadata, rating, tags):
    data = make_epub(ONE_DOC, metadata=f"<dc:title>R</dc:title>{metadata}")
    story = epub.parse(data, "r.epub")
    assert story.meta.rating == rating
    assert story.meta.tags == tags


def test_title_page_rating_wins_over_the_package():
    opf = "<dc:title>Tin Stars</dc:title><dc:subject>General Audiences</dc:subject>"
    story = epub.parse(fanficfare_book(rating="Mature", metadata=opf), "t.epub")
    assert story.meta.rating == "Mature"


def test_package_rating_that_cannot_be_placed_is_noted():
    data = make_epub(ONE_DOC, metadata='<dc:title>R</dc:title><meta name="rating" content="Z9"/>')
    story = epub.parse(data, "r.epub")
    assert story.meta.rating == "Explicit"
    assert story.warnings == (
        "OPF: rating 'Z9' is not one the bot knows, so it is treated as Explicit; give one "
        "of General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated",
    )


# -- chapters from the navigation ------------------------------------------------------------

ONE_FILE_BOOK = """<h1>The Orchard Year</h1>
<p>For my grandmother.</p>
<h2 id="spring">Spring</h2><p>The blossom came late.</p><p>Bees came later.</p>
<p><a id="summer"></a>SUMMER</p><p>Fruit, at last, on every branch.</p>
<h2><span id="autumn">Autumn</span></h2><p>We picked until our hands were sticky.</p>"""


@pytest.mark.parametrize("form", ["nav", "ncx"])
def test_navigation_splits_one_document_at_its_anchors(form):
    entries = [
        ("Title Page", "book.xhtml"),
        ("Spring", "book.xhtml#spring"),
        ("Summer", "book.xhtml#summer"),
        ("Autumn", "book.xhtml#autumn"),
    ]
    nav = ncx = None
    if form == "nav":
        items = "".join(f'<li><a href="{href}">{title}</a></li>' for title, href in entries)
        nav = f'<nav epub:type="toc"><ol>{items}</ol></nav>'
    else:
        points = "".join(
            f'<navPoint id="p{i}"><navLabel><text>{title}</text></navLabel>'
            f'<content src="{href}"/></navPoint>'
            for i, (title, href) in enumerate(entries)
        )
        ncx = (
            '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
            f"<navMap>{points}</navMap></ncx>"
        )
    documents = [("book.xhtml", xhtml(ONE_FILE_BOOK))]
    story = epub.parse(make_epub(documents, nav=nav, ncx=ncx), "orchard.epub")
    # The page before the first anchor is listed as the title page: not a chapter.
    assert [c.title for c in story.chapters] == ["Spring", "Summer", "Autumn"]
    assert [[b.plain for b in c.blocks] for c in story.chapters] == [
        ["The blossom came late.", "Bees came later."],
        ["SUMMER", "Fruit, at last, on every branch."],
        ["We picked until our hands were sticky."],
    ]


def test_text_before_the_first_anchor_stays():
    nav = (
        '<nav epub:type="toc"><ol><li><a href="book.xhtml#spring">Spring</a></li>'
        '<li><a href="book.xhtml#autumn">Autumn</a></li></ol></nav>'
    )
    documents = [("book.xhtml", xhtml(ONE_FILE_BOOK))]
    story = epub.parse(make_epub(documents, nav=nav), "orchard.epub")
    assert [c.title for c in story.chapters] == ["", "Spring", "Autumn"]
    # The text before the first anchor is kept, as an untitled chapter; nothing is repeated.
    assert [[b.plain for b in c.blocks] for c in story.chapters] == [
        ["The Orchard Year", "For my grandmother."],
        ["The blossom came late.", "Bees came later.", "SUMMER",
         "Fruit, at last, on every branch."],
        ["We picked until our hands were sticky."],
    ]


def test_contents_page_in_the_spine_is_not_a_chapter():
    contents = (
        "<h2>Contents</h2><p><a href='a.xhtml'>One</a></p><p><a href='b.xhtml'>Two</a></p>"
    )
    documents = [
        ("contents.xhtml", xhtml(contents)),
        ("a.xhtml", xhtml("<h2>One</h2><p>First.</p>")),
        ("b.xhtml", xhtml("<h2>Two</h2><p>Second.</p>")),
    ]
    story = epub.parse(make_epub(documents), "c.epub")
    assert [c.title for c in story.chapters] == ["One", "Two"]


def test_one_document_book_without_navigation_splits_at_chapter_headings():
    documents = [("book.xhtml", xhtml(ONE_FILE_BOOK.replace("<p><a id=\"summer\"></a>SUMMER</p>",
                                                            "<h2>Summer</h2>")))]
    story = epub.parse(make_epub(documents, metadata="<dc:title>The Orchard Year</dc:title>"),
                       "orchard.epub")
    assert [c.title for c in story.chapters] == ["", "Spring", "Summer", "Autumn"]
    # The title heading is the book's title, not text.
    assert [b.plain for b in story.chapters[0].blocks] == ["For my grandmother."]


# -- Project Gutenberg -----------------------------------------------------------------------

GUTENBERG_HEADER = """<section class="pg-boilerplate pgheader" id="pg-header">
<h2 id="pg-header-heading">The Project Gutenberg eBook of <span>The Tin Kettle</span></h2>
<div>This ebook is for the use of anyone anywhere at no cost.</div>
<div class="container" id="pg-machine-header">
<p><strong>Title</strong>: The Tin Kettle</p>
<div id="pg-header-authlist"><p><strong>Author</strong>: Hester Quill</p></div>
<p><strong>Release date</strong>: March 3, 2011 [eBook #99999]</p>
<p><strong>Language</strong>: English</p>
</div>
<div id="pg-start-separator">
<span>*** START OF THE PROJECT GUTENBERG EBOOK THE TIN KETTLE ***</span></div>
</section>"""
GUTENBERG_FOOTER = """<section class="pg-boilerplate pgheader" id="pg-footer">
<div id="pg-end-separator">
<span>*** END OF THE PROJECT GUTENBERG EBOOK THE TIN KETTLE ***</span></div>
<div>Updated editions will replace the previous one.</div>
<h2>THE FULL PROJECT GUTENBERG LICENSE</h2><p>To protect the mission of promoting the free
distribution of electronic works…</p>
</section>"""


def test_gutenberg_epub_is_only_the_book():
    documents = [
        ("wrap0000.xhtml", xhtml('<div><img src="cover.jpg" alt=""/></div>')),
        (
            "book-1.xhtml",
            xhtml(GUTENBERG_HEADER + "<h1>THE TIN KETTLE</h1><h2>CHAPTER I</h2>"
                  "<p>The kettle sang at four.</p>"),
        ),
        ("book-2.xhtml", xhtml("<h2>CHAPTER II</h2><p>The kettle was quiet at five.</p>")),
        ("book-3.xhtml", xhtml("<p>THE END</p>" + GUTENBERG_FOOTER)),
        ("license.xhtml", xhtml("<p>More licence text, section 1.E.</p>")),
    ]
    metadata = (
        "<dc:title>The Project Gutenberg eBook of The Tin Kettle</dc:title>"
        "<dc:creator>Quill, Hester</dc:creator>"
    )
    story = epub.parse(make_epub(documents, metadata=metadata), "pg99999.epub")
    assert story.meta.title == "The Tin Kettle"
    assert story.meta.author == "Hester Quill"
    assert story.meta.language == "English"
    assert [c.title for c in story.chapters] == ["CHAPTER I", "CHAPTER II"]
    text = story.plain
    assert "Gutenberg" not in text and "licen" not in text.lower()
    assert text.endswith("The kettle was quiet at five.\n\nTHE END")


def test_part_page_becomes_a_heading_and_a_cover_nothing():
    nav = (
        '<nav epub:type="toc"><ol><li><a href="part1.xhtml">Part One</a><ol>'
        '<li><a href="c1.xhtml">The Ferry</a></li></ol></li></ol></nav>'
    )
    documents = [
        ("cover.xhtml", xhtml('<div><img src="c.jpg" alt=""/></div>', "Cover")),
        ("part1.xhtml", xhtml("<h1>Part One</h1>")),
        ("c1.xhtml", xhtml("<h2>The Ferry</h2><p>It left at six.</p>")),
    ]
    story = epub.parse(make_epub(documents, nav=nav), "p.epub")
    assert [c.title for c in story.chapters] == ["The Ferry"]
    assert [(b.kind, b.plain) for b in story.chapters[0].blocks] == [
        (BlockKind.HEADING, "Part One"),
        (BlockKind.PARAGRAPH, "It left at six."),
    ]
