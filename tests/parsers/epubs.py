"""EPUB books built in memory for the parser tests, from XHTML strings and `zipfile`."""

from __future__ import annotations

import copy as copy_module
import io
import zipfile

from lxml import etree

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


def calibre_split(html: str, at: list[str]) -> list[tuple[str, str]]:
    """Cut an HTML page into XHTML documents as calibre splits a long page.

    The page is cut before each element the XPath expressions in `at` find. Every element a
    cut passes through is repeated, id and all, in the documents on both sides of the cut.
    """
    root = etree.fromstring(html.encode(), etree.HTMLParser())
    tree = root.getroottree()
    points = sorted(
        {tree.getpath(el) for expression in at for el in root.xpath(expression)},
        key=lambda path: list(root.iter()).index(tree.xpath(path)[0]),
    )
    documents = []
    for index in range(len(points) + 1):
        copy = copy_module.deepcopy(root)
        if index < len(points):
            _remove_from(copy, copy.xpath(points[index])[0])
        if index > 0:
            _remove_before(copy, copy.xpath(points[index - 1])[0])
        body = copy.find("body")
        inner = (body.text or "") + "".join(
            etree.tostring(child, encoding="unicode", method="xml") for child in body
        )
        documents.append((f"page_split_{index:03}.xhtml", xhtml(inner)))
    return documents


def _remove_before(root: etree._Element, el: etree._Element) -> None:
    current = el
    while current.tag != "body":
        parent = current.getparent()
        for sibling in list(current.itersiblings(preceding=True)):
            parent.remove(sibling)
        parent.text = None
        current = parent


def _remove_from(root: etree._Element, el: etree._Element) -> None:
    current = el
    parent = current.getparent()
    for sibling in list(current.itersiblings()):
        parent.remove(sibling)
    parent.remove(current)
    current = parent
    while current.tag != "body":
        current.tail = None
        parent = current.getparent()
        for sibling in list(current.itersiblings()):
            parent.remove(sibling)
        current = parent
