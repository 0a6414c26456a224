"""An EPUB's package, read from memory: the ZIP archive's members, checked for paths that
escape the book, DRM and size; the OPF package that `META-INF/container.xml` names; the
spine's text documents in reading order; and the table of contents, from the EPUB 3
navigation document or the EPUB 2 NCX.
"""

from __future__ import annotations

import posixpath
import zipfile
from typing import NamedTuple
from urllib.parse import unquote, urldefrag

from lxml import etree

from bot.parsers.budget import spend_markup
from bot.parsers.html import parse_html
from bot.parsers.html_blocks import element_text
from bot.text.story import StoryError

MAX_UNCOMPRESSED = 50 * 1024 * 1024

_CONTAINER = "META-INF/container.xml"
_ENCRYPTION = "META-INF/encryption.xml"
_RIGHTS = "META-INF/rights.xml"
# Font obfuscation (IDPF and Adobe): the fonts are scrambled, the text is not.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_HTML_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


class Book:
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
        data = self.read(path)
        spend_markup(data)
        try:
            root = etree.fromstring(data, parser)
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
            if local_name(el) == "rootfile" and el.get("full-path")
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
            if local_name(data) != "EncryptedData":
                continue
            algorithms = {
                method.get("Algorithm", "")
                for method in data.iter()
                if local_name(method) == "EncryptionMethod"
            }
            if not algorithms <= _FONT_OBFUSCATION:
                raise StoryError(
                    "DRM-protected EPUB (META-INF/encryption.xml lists encrypted files); "
                    "remove the DRM first"
                )


def local_name(el: etree._Element) -> str:
    """An element's tag without its namespace; "" for a comment or processing instruction."""
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


def elements_named(root: etree._Element, name: str) -> list[etree._Element]:
    """The elements called `name` (any namespace) under `root`."""
    return [el for el in root.iter() if local_name(el) == name]


def _manifest(package: etree._Element, package_path: str) -> dict[str, tuple[str, str, str]]:
    """Manifest items by id: (book path, media type, properties)."""
    items = {}
    for item in elements_named(package, "item"):
        ident, href = item.get("id"), item.get("href")
        if ident and href:
            items[ident] = (
                _resolve(package_path, href),
                item.get("media-type", ""),
                item.get("properties", ""),
            )
    return items


def spine_documents(book: Book, package: etree._Element, package_path: str) -> list[str]:
    """The text documents in reading order, leaving out the EPUB 3 table of contents."""
    manifest = _manifest(package, package_path)
    documents = []
    for itemref in elements_named(package, "itemref"):
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


class ContentsEntry(NamedTuple):
    """One entry of the table of contents: the document, the anchor in it, the title."""

    path: str
    fragment: str
    title: str


def table_of_contents(
    book: Book, package: etree._Element, package_path: str
) -> list[ContentsEntry]:
    """The table of contents in reading order, from the EPUB 3 navigation document or the
    EPUB 2 NCX. A book whose table of contents is missing or broken still loads, titled from
    headings."""
    manifest = _manifest(package, package_path)
    entries: list[ContentsEntry] = []
    try:
        for path, _, properties in manifest.values():
            if "nav" in properties.split() and path in book:
                nav_root = parse_html(book.read(path))
                for nav in nav_root.iter("nav"):
                    if nav.get("epub:type", nav.get(_EPUB_TYPE, "toc")) != "toc":
                        continue
                    for a in nav.iter("a"):
                        _add_entry(entries, path, a.get("href") or "", element_text(a))
        if entries:
            return entries
        spine = next(iter(elements_named(package, "spine")), None)
        ncx_id = spine.get("toc") if spine is not None else None
        ncx = manifest.get(ncx_id or "") or next(
            (item for item in manifest.values() if item[1] == "application/x-dtbncx+xml"), None
        )
        if ncx is not None and ncx[0] in book:
            for point in elements_named(book.xml(ncx[0]), "navPoint"):
                label = next(iter(elements_named(point, "text")), None)
                content = next(iter(elements_named(point, "content")), None)
                if label is not None and content is not None:
                    _add_entry(entries, ncx[0], content.get("src") or "", element_text(label))
    except StoryError:
        # Only a broken table of contents: the titles fall back to headings.
        return entries
    return entries


def _add_entry(entries: list[ContentsEntry], base: str, href: str, title: str) -> None:
    if title and href:
        fragment = unquote(urldefrag(href)[1])
        entries.append(ContentsEntry(_resolve(base, href), fragment, title))
