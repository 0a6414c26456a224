"""EPUB 2 and 3 books, AO3's "Download → EPUB" among them.

The book is read from memory, never unpacked to disk: `META-INF/container.xml` names the OPF
package, whose Dublin Core metadata gives title, authors, language, tags (`dc:subject`),
summary (`dc:description`, often escaped HTML) and source URL, and whose spine gives the
reading order of the XHTML documents.

An AO3 EPUB is its HTML download cut into documents (preface, one or more per chapter,
afterword). When a document carries AO3's preface (`dl.tags`), the spine documents are put
back together and read exactly like the HTML download, so the metadata comes from the
preface and the preface and afterword are not chapters. Any other EPUB gets one chapter per
spine document, titled from the table of contents, else the document's first heading, else
its `<title>`; a document with none of these (a long chapter split in two by a converter)
continues the chapter before it.

Refused with `StoryError`: what is not a ZIP archive, a ZIP without container or package,
a package pointing at files the book does not have, DRM (encryption other than the font
obfuscation EPUB allows), member paths that escape the book (`../`), and more than 50 MB
uncompressed.
"""

from __future__ import annotations

import dataclasses
import io
import posixpath
import re
import zipfile
from urllib.parse import unquote, urldefrag

from lxml import etree

from bot.parsers.ao3_html import ao3_story, find_preface, parse_html
from bot.parsers.common import tidy_breaks, title_from_filename
from bot.parsers.html_blocks import (
    BlockBuilder,
    clean_references,
    element_text,
    simplify,
    to_blocks,
)
from bot.story import Block, BlockKind, Chapter, Metadata, Story, StoryError, paragraph
from bot.textio import clean

MAX_UNCOMPRESSED = 50 * 1024 * 1024

_CONTAINER = "META-INF/container.xml"
_ENCRYPTION = "META-INF/encryption.xml"
_RIGHTS = "META-INF/rights.xml"
# Font obfuscation (IDPF and Adobe): the fonts are scrambled, the text is not.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_HTML_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_URL = re.compile(r"^https?://\S+$", re.I)
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")
_TAG_IN_TEXT = re.compile(r"<[A-Za-z!/]")


def parse(data: bytes, name: str) -> Story:
    """Parse an EPUB book from its bytes; `name` is the file name, for a missing title.

    Raises `StoryError` for anything that is not a readable, DRM-free EPUB with text.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise StoryError("not an EPUB: the file is not a ZIP archive") from None
    with archive:
        book = _Book(archive)
        package_path = book.package_path()
        package = book.xml(package_path)
        meta = _package_metadata(package, name)
        documents = _spine_documents(book, package, package_path)
        toc = _table_of_contents(book, package, package_path)
        roots = [(path, _document(book, path)) for path in documents]
    story = _ao3_story(roots, meta)
    if story is None:
        story = Story(meta=meta, chapters=tuple(_chapters(roots, toc, meta.title)))
    if not story.chapters:
        raise StoryError("no story text found")
    return story


class _Book:
    """A ZIP archive read as an EPUB, with its safety checks."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in archive.infolist():
            name = info.filename
            parts = name.split("/")
            if name.startswith("/") or "\\" in name or ".." in parts or ":" in parts[0]:
                raise StoryError(f"unsafe path in the EPUB: {name!r} points outside the book")
            total += info.file_size
            self._members[name] = info
        if total > MAX_UNCOMPRESSED:
            raise StoryError(
                f"the EPUB unpacks to {total:,} bytes, over the "
                f"{MAX_UNCOMPRESSED // (1024 * 1024)} MB limit"
            )
        # Member sizes can lie; count what is really read against the same limit.
        self._budget = MAX_UNCOMPRESSED
        self._check_drm()

    def __contains__(self, path: str) -> bool:
        return path in self._members

    def read(self, path: str) -> bytes:
        """A member's bytes; `StoryError` when it is missing, corrupt or over the size limit."""
        info = self._members.get(path)
        if info is None:
            raise StoryError(f"the EPUB has no file {path!r}, which its package lists")
        try:
            with self._archive.open(info) as member:
                data = member.read(self._budget + 1)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
            raise StoryError(f"corrupt EPUB: cannot read {path!r} ({exc})") from None
        self._budget -= len(data)
        if self._budget < 0:
            raise StoryError(
                f"the EPUB unpacks to more than {MAX_UNCOMPRESSED // (1024 * 1024)} MB"
            )
        return data

    def xml(self, path: str) -> etree._Element:
        """A member parsed as XML, without DTDs, entities or network access."""
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
        )
        try:
            root = etree.fromstring(self.read(path), parser)
        except etree.XMLSyntaxError as exc:
            raise StoryError(f"broken XML in {path!r}: {exc.msg}") from None
        if root is None:
            raise StoryError(f"{path!r} is empty")
        return root

    def package_path(self) -> str:
        """The OPF package's path, from `META-INF/container.xml`."""
        if _CONTAINER not in self:
            raise StoryError("not an EPUB: META-INF/container.xml is missing")
        paths = [
            el.get("full-path", "")
            for el in self.xml(_CONTAINER).iter()
            if _local(el) == "rootfile" and el.get("full-path")
        ]
        if not paths:
            raise StoryError("META-INF/container.xml names no package (.opf) file")
        path = _normalize(unquote(paths[0]))
        if path not in self:
            raise StoryError(f"the package file {path!r} named in container.xml is missing")
        return path

    def _check_drm(self) -> None:
        if _RIGHTS in self:
            raise StoryError("DRM-protected EPUB (META-INF/rights.xml); remove the DRM first")
        if _ENCRYPTION not in self:
            return
        try:
            encryption = self.xml(_ENCRYPTION)
        except StoryError:
            raise StoryError("DRM-protected EPUB (META-INF/encryption.xml)") from None
        for data in encryption.iter():
            if _local(data) != "EncryptedData":
                continue
            algorithms = {
                method.get("Algorithm", "")
                for method in data.iter()
                if _local(method) == "EncryptionMethod"
            }
            if not algorithms <= _FONT_OBFUSCATION:
                raise StoryError(
                    "DRM-protected EPUB (META-INF/encryption.xml lists encrypted files); "
                    "remove the DRM first"
                )


def _document(book: _Book, path: str) -> etree._Element:
    """A spine document parsed as HTML; a `StoryError` names the document."""
    try:
        return parse_html(book.read(path))
    except StoryError as exc:
        raise StoryError(f"{path}: {exc}") from None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _normalize(path: str, written: str | None = None) -> str:
    """A path inside the book; `StoryError` (quoting the path as `written`) when it climbs out."""
    normal = posixpath.normpath(path)
    if normal.startswith(("../", "/")) or normal == "..":
        raise StoryError(f"the EPUB points outside itself: {written or repr(path)}")
    return normal


def _resolve(base: str, href: str) -> str:
    """The book path of `href` as written in the document at `base`, fragment dropped."""
    target = unquote(urldefrag(href)[0])
    return _normalize(posixpath.join(posixpath.dirname(base), target), repr(href))


# -- the package ---------------------------------------------------------------------------


def _children(root: etree._Element, name: str) -> list[etree._Element]:
    """The elements called `name` (any namespace) under `root`."""
    return [el for el in root.iter() if _local(el) == name]


def _manifest(package: etree._Element, package_path: str) -> dict[str, tuple[str, str, str]]:
    """Manifest items by id: (book path, media type, properties)."""
    items = {}
    for item in _children(package, "item"):
        ident, href = item.get("id"), item.get("href")
        if ident and href:
            items[ident] = (
                _resolve(package_path, href),
                item.get("media-type", ""),
                item.get("properties", ""),
            )
    return items


def _spine_documents(book: _Book, package: etree._Element, package_path: str) -> list[str]:
    """The text documents in reading order, leaving out the EPUB 3 table of contents."""
    manifest = _manifest(package, package_path)
    documents = []
    for itemref in _children(package, "itemref"):
        ident = itemref.get("idref", "")
        if ident not in manifest:
            raise StoryError(f"the EPUB's spine names {ident!r}, which its manifest lacks")
        path, media_type, properties = manifest[ident]
        if media_type not in _HTML_TYPES or "nav" in properties.split():
            continue
        if path not in book:
            raise StoryError(f"the EPUB has no file {path!r}, which its package lists")
        if path not in documents:
            documents.append(path)
    if not documents:
        raise StoryError("the EPUB's spine lists no text documents")
    return documents


def _package_metadata(package: etree._Element, name: str) -> Metadata:
    """`Metadata` from the OPF's Dublin Core elements."""
    fields: dict[str, list[etree._Element]] = {}
    for el in package.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{http://purl.org/dc/elements/1.1/}"):
            fields.setdefault(_local(el), []).append(el)

    def texts(key: str) -> list[str]:
        return [text for el in fields.get(key, []) if (text := element_text(el))]

    title = next(iter(texts("title")), "") or title_from_filename(name.rsplit(".", 1)[0])
    url = next((u for u in texts("source") + texts("identifier") if _URL.match(u)), "")
    date = next((m.group(0) for d in texts("date") if (m := _DATE.match(d))), "")
    summary: tuple[Block, ...] = ()
    for description in fields.get("description", [])[:1]:
        summary = _description(description)
    return Metadata(
        title=title,
        author=", ".join(_authors(package, fields.get("creator", []))),
        language=next(iter(texts("language")), ""),
        tags=tuple(dict.fromkeys(texts("subject"))),
        url=url,
        published=date,
        summary=summary,
    )


def _authors(package: etree._Element, creators: list[etree._Element]) -> list[str]:
    """Creators who are authors: EPUB 2 `opf:role`, EPUB 3 `refines` roles, or no role."""
    roles = {}
    for meta in _children(package, "meta"):
        if meta.get("property") == "role" and (meta.get("refines") or "").startswith("#"):
            roles[meta.get("refines", "")[1:]] = (meta.text or "").strip()
    named = []
    for creator in creators:
        role = creator.get("{http://www.idpf.org/2007/opf}role") or roles.get(
            creator.get("id") or "", ""
        )
        text = element_text(creator)
        if text and role in ("", "aut"):
            named.append(text)
    return named or [text for creator in creators if (text := element_text(creator))]


def _description(element: etree._Element) -> tuple[Block, ...]:
    """The summary: `dc:description` holds HTML (often escaped), or plain text."""
    if len(element):  # real XHTML elements inside
        return to_blocks([element])
    text = clean(element.text or "")
    if _TAG_IN_TEXT.search(text):
        html = clean_references(f"<html><body>{text}</body></html>")
        root = etree.fromstring(html, etree.HTMLParser())
        return to_blocks([root]) if root is not None else ()
    return tuple(
        paragraph(" ".join(part.split())) for part in re.split(r"\n\s*\n", text) if part.strip()
    )


def _table_of_contents(book: _Book, package: etree._Element, package_path: str) -> dict[str, str]:
    """Titles by document path, from the EPUB 3 navigation document or the EPUB 2 NCX.

    A book whose table of contents is missing or broken still loads, titled from headings.
    """
    manifest = _manifest(package, package_path)
    titles: dict[str, str] = {}
    try:
        for path, _, properties in manifest.values():
            if "nav" in properties.split() and path in book:
                nav_root = parse_html(book.read(path))
                for nav in nav_root.iter("nav"):
                    if nav.get("epub:type", nav.get(_EPUB_TYPE, "toc")) != "toc":
                        continue
                    for a in nav.iter("a"):
                        _add_title(titles, _resolve(path, a.get("href") or ""), element_text(a))
        if titles:
            return titles
        spine = next(iter(_children(package, "spine")), None)
        ncx_id = spine.get("toc") if spine is not None else None
        ncx = manifest.get(ncx_id or "") or next(
            (item for item in manifest.values() if item[1] == "application/x-dtbncx+xml"), None
        )
        if ncx is not None and ncx[0] in book:
            for point in _children(book.xml(ncx[0]), "navPoint"):
                label = next(iter(_children(point, "text")), None)
                content = next(iter(_children(point, "content")), None)
                if label is not None and content is not None:
                    target = _resolve(ncx[0], content.get("src") or "")
                    _add_title(titles, target, element_text(label))
    except StoryError:
        # Only a broken table of contents: the titles fall back to headings.
        return titles
    return titles


def _add_title(titles: dict[str, str], path: str, title: str) -> None:
    if title and path not in titles:
        titles[path] = title


# -- chapters ------------------------------------------------------------------------------


def _ao3_story(roots: list[tuple[str, etree._Element]], meta: Metadata) -> Story | None:
    """The story of an AO3 EPUB, read like its HTML download; None for other books."""
    if not any(find_preface(_body(root)) is not None for _, root in roots):
        return None
    # Put the documents back together: a converter split one HTML page into them.
    html = etree.Element("html")
    body = etree.SubElement(html, "body")
    for _, root in roots:
        body.extend(list(_body(root)))
    preface = find_preface(body)
    if preface is None:
        return None
    story = ao3_story(body, preface, fallback_title=meta.title)
    # The OPF fills what the preface lacks.
    gaps = {
        key: value
        for key in ("author", "language", "url", "published", "summary")
        if not getattr(story.meta, key) and (value := getattr(meta, key))
    }
    return dataclasses.replace(story, meta=dataclasses.replace(story.meta, **gaps))


def _chapters(
    roots: list[tuple[str, etree._Element]], toc: dict[str, str], book_title: str
) -> list[Chapter]:
    """One chapter per document, or per run of documents that continue a chapter."""
    chapters: list[Chapter] = []
    for path, root in roots:
        body = _body(root)
        title = toc.get(path) or _first_heading(body)
        if title is None:
            doc_title = next((element_text(t) for t in root.iter("title")), "")
            if doc_title and doc_title != book_title:
                title = doc_title
        simplify(body)
        builder = BlockBuilder()
        builder.add(body)
        blocks = builder.blocks()
        first = blocks[0] if blocks else None
        if title and first and first.kind is BlockKind.HEADING and _same(first.plain, title):
            blocks = blocks[1:]
        if not any(b.kind is not BlockKind.BREAK for b in blocks):
            continue
        if title is None and chapters:
            previous = chapters[-1]
            chapters[-1] = Chapter(previous.title, tidy_breaks(previous.blocks + blocks))
        else:
            chapters.append(Chapter(title or "", blocks))
    return chapters


def _first_heading(body: etree._Element) -> str | None:
    for el in body.iter("h1", "h2", "h3"):
        text = element_text(el)
        if text:
            return text
    return None


def _body(root: etree._Element) -> etree._Element:
    body = root.find("body")
    return body if body is not None else root


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
