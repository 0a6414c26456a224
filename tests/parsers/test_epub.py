"""EPUB 2 and 3 books, and AO3's EPUB download; every book is built here with `zipfile`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.parsers import ao3_html, epub
from bot.story import Block, BlockKind, Run, StoryError, Style

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ao3"

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="{path}" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>"""

PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="{version}" unique-identifier="book-id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:opf="http://www.idpf.org/2007/opf">
{metadata}
  </metadata>
  <manifest>
{manifest}
  </manifest>
  <spine{toc}>
{spine}
  </spine>
</package>"""

ENCRYPTION = """<?xml version="1.0" encoding="UTF-8"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
            xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="{algorithm}"/>
    <enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>"""


def xhtml(body: str, title: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
        'xmlns:epub="http://www.idpf.org/2007/ops">\n'
        f"<head><title>{title}</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def make_epub(
    documents: list[tuple[str, str]],
    *,
    metadata: str = "<dc:title>Untitled</dc:title>",
    version: str = "3.0",
    nav: str | None = None,
    ncx: str | None = None,
    extra: dict[str, bytes | str] | None = None,
    package_dir: str = "OEBPS",
    container: str | None = None,
    manifest_extra: str = "",
    spine_extra: str = "",
) -> bytes:
    """An EPUB with `documents` (file name, XHTML) in spine order under `package_dir`.

    `nav` is the body of an EPUB 3 navigation document and `ncx` a whole NCX; `extra` adds or
    replaces archive members by path.
    """
    package_path = f"{package_dir}/content.opf" if package_dir else "content.opf"
    prefix = f"{package_dir}/" if package_dir else ""
    manifest = [
        f'    <item id="doc{i}" href="{name}" media-type="application/xhtml+xml"/>'
        for i, (name, _) in enumerate(documents)
    ]
    spine = [f'    <itemref idref="doc{i}"/>' for i in range(len(documents))]
    members: dict[str, bytes | str] = {"mimetype": "application/epub+zip"}
    if nav is not None:
        manifest.append(
            '    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
            'properties="nav"/>'
        )
        members[prefix + "nav.xhtml"] = xhtml(nav, "Contents")
    toc = ""
    if ncx is not None:
        manifest.append('    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
        members[prefix + "toc.ncx"] = ncx
        toc = ' toc="ncx"'
    members["META-INF/container.xml"] = container or CONTAINER.format(path=package_path)
    members[package_path] = PACKAGE.format(
        version=version,
        metadata=metadata,
        manifest="\n".join(manifest) + manifest_extra,
        spine="\n".join(spine) + spine_extra,
        toc=toc,
    )
    for name, text in documents:
        members[prefix + name] = text
    members.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def calibre_documents(html: str) -> list[tuple[str, str]]:
    """Cut an AO3 HTML download into XHTML documents the way AO3's EPUB converter does.

    The preface, each chapter and the afterword become documents of their own; the
    `#chapters` wrapper of a multi-chapter work dissolves; classes are renamed with numbers.
    """
    body = html.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    preface, rest = body.split('<div id="chapters" class="userstuff">', 1)
    chapters, afterword = rest.split('<div id="afterword">', 1)
    chapters = chapters.rsplit("</div>", 1)[0]
    documents = [("preface.xhtml", xhtml(preface.replace('class="meta"', 'class="meta1"')))]
    pieces = chapters.split('<div class="meta group">')
    if len(pieces) == 1:
        one = chapters.replace('class="userstuff"', 'class="userstuff2"')
        documents.append(("split_001.xhtml", xhtml(f'<div class="userstuff1">{one}</div>')))
    for number, piece in enumerate(pieces[1:], 1):
        piece = piece.replace('class="userstuff"', f'class="userstuff{number}"')
        piece = piece.replace('class="heading"', 'class="heading1"')
        documents.append((f"split_{number:03}.xhtml", xhtml(f'<div class="meta">{piece}')))
    documents.append(("afterword.xhtml", xhtml(f'<div id="afterword">{afterword}')))
    return documents


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
    expected = ao3_html.parse(html.encode(), name)
    # Metadata comes from the preface, not the OPF (whose subjects are not AO3's tags).
    assert story.meta == expected.meta
    # Preface and afterword are not chapters; chapters, notes and text are the same.
    assert story.chapters == expected.chapters
    assert story.warnings == ()


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
        archive.writestr("OEBPS/zeros.xhtml", b"\0" * (epub.MAX_UNCOMPRESSED + 1))
    data = buffer.getvalue()
    assert len(data) < 200_000
    assert refused(data) == "the EPUB unpacks to 52,428,821 bytes, over the 50 MB limit"


def test_book_without_text():
    data = make_epub([("a.xhtml", xhtml("<div><img src='x.png' alt=''/></div>"))])
    assert refused(data) == "no story text found"


def test_undecodable_document():
    data = make_epub([("a.xhtml", b"<p>caf\xe9</p>")])
    assert refused(data) == (
        "OEBPS/a.xhtml: not UTF-8 text (byte 0xe9 at offset 6); re-save the file as UTF-8"
    )
