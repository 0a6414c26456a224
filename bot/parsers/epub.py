"""EPUB 2 and 3 books, AO3's "Download → EPUB" among them.

The book is read from memory, never unpacked to disk: `META-INF/container.xml` names the OPF
package, whose Dublin Core metadata gives title, authors, language, tags (`dc:subject`),
summary (`dc:description`, often escaped HTML) and source URL, and whose spine gives the
reading order of the XHTML documents.

An AO3 EPUB is its HTML download cut into documents (preface, one or more per chapter,
afterword). When a document carries AO3's preface (`dl.tags`), the spine documents are put
back together and read exactly like the HTML download, so the metadata comes from the
preface and the preface and afterword are not chapters. Converters such as calibre cut a
page into documents anywhere and repeat, in each, the elements the cut went through: an
element that opens a document with the id of the one that closes the document before is
its continuation, and joins it.

Any other book gets its chapters from its navigation (EPUB 3 nav document or EPUB 2 NCX):
a document it names is a chapter with the title it gives, and a document it names at
several anchors (`book.xhtml#ch2`) is cut at them. A document it does not name is titled
by its first heading or `<title>`, or, with neither, continues the chapter before it (a
long chapter a converter cut in two). A book of one document without anchors is cut at
its chapter headings (`bot.parsers.html_chapters`). Before the story, a table of contents,
a short cover or title page, and a page of `Label: value` lines such as FanFicFare's title
page (read as metadata, see `bot.parsers.title_page`) are not chapters. Project
Gutenberg's header and licence are cut away (`bot.parsers.gutenberg_html`), its header
giving title and author.

Ratings: the title page's or AO3 preface's, else the OPF's: a `<meta name="rating">` (not
`calibre:rating`, which is the reader's stars) or a `dc:subject` that is exactly a rating's
name. A book with no rating anywhere is Not Rated.

Refused with `StoryError`: what is not a ZIP archive, a ZIP without container or package,
a package pointing at files the book does not have, DRM (encryption other than the font
obfuscation EPUB allows), member paths that escape the book (`../`), and more than 50 MB
uncompressed.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import unquote, urldefrag

from lxml import etree

from bot.parsers import gutenberg_html
from bot.parsers.ao3_html import ao3_story, find_preface
from bot.parsers.common import finish_chapters, tidy_breaks, title_from_filename
from bot.parsers.html import parse_html
from bot.parsers.html_blocks import clean_references, element_text, simplify, to_blocks
from bot.parsers.html_book import (
    body_of,
    drop_title_heading,
    read_front,
    same,
    with_gutenberg_header,
    without_title_lines,
)
from bot.parsers.html_chapters import (
    Start,
    anchor_element,
    heading_starts,
    heading_text,
    is_contents_title,
    is_front_page_title,
    is_link_list,
    link_share,
    split,
)
from bot.text.decoding import clean
from bot.text.ratings import NOT_RATED, RATINGS, rating_field
from bot.text.story import Block, BlockKind, Chapter, Metadata, Story, StoryError, paragraph

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
_RATING_NAMES = frozenset(rating.casefold() for rating in RATINGS)
_RATING_LABEL = re.compile(r"^(?:content\s+)?(?:rating|rated)\s*[:\-–]\s*\S")
_RATING_KEYS = frozenset(
    ("rating", "content-rating", "contentrating", "content_rating", "age-rating", "agerating")
)
# A cover or title page before the story is left out when it says no more than this.
_FRONT_PAGE_WORDS = 150
_STARS = re.compile(r"^(?:10|\d)(?:[.,]\d+)?$")


def parse(data: bytes, name: str) -> Story:
    """Parse an EPUB book from its bytes; `name` is the file name, for a missing title.

    Raises `StoryError` for anything that is not a readable, DRM-free EPUB with text.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise StoryError("not an EPUB: the file is not a ZIP archive") from None
    warnings: list[str] = []
    with archive:
        book = _Book(archive)
        package_path = book.package_path()
        package = book.xml(package_path)
        meta = _package_metadata(package, name, warnings)
        documents = _spine_documents(book, package, package_path)
        navigation = _navigation(book, package, package_path)
        roots = []
        gutenberg = False  # Gutenberg's markers name it: other books are not searched
        for path in documents:
            data = book.read(path)
            gutenberg = gutenberg or b"utenberg" in data or b"UTENBERG" in data
            roots.append((path, _document(data, path)))
    story = _ao3_story(roots, meta)
    if story is None:
        meta, chapters = _book(roots, navigation, meta, warnings, gutenberg=gutenberg)
        story = Story(meta=meta, chapters=chapters)
    if not story.chapters:
        raise StoryError("no story text found")
    if warnings:
        story = dataclasses.replace(story, warnings=(*warnings, *story.warnings))
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


def _document(data: bytes, path: str) -> etree._Element:
    """A spine document parsed as HTML; a `StoryError` names the document."""
    try:
        return parse_html(data)
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


def _package_metadata(package: etree._Element, name: str, warnings: list[str]) -> Metadata:
    """`Metadata` from the OPF's Dublin Core elements, and its rating if it gives one."""
    fields: dict[str, list[etree._Element]] = {}
    for el in package.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{http://purl.org/dc/elements/1.1/}"):
            fields.setdefault(_local(el), []).append(el)

    def texts(key: str) -> list[str]:
        return [text for el in fields.get(key, []) if (text := element_text(el))]

    title = next(iter(texts("title")), "") or title_from_filename(name)
    url = next((u for u in texts("source") + texts("identifier") if _URL.match(u)), "")
    date = next((m.group(0) for d in texts("date") if (m := _DATE.match(d))), "")
    summary: tuple[Block, ...] = ()
    for description in fields.get("description", [])[:1]:
        summary = _description(description)
    subjects = list(dict.fromkeys(texts("subject")))
    rated = [subject for subject in subjects if _is_rating_subject(subject)]
    stated = _meta_ratings(package) or rated
    return Metadata(
        title=title,
        author=", ".join(_authors(package, fields.get("creator", []))),
        language=next(iter(texts("language")), ""),
        tags=tuple(subject for subject in subjects if subject not in rated),
        url=url,
        published=date,
        summary=summary,
        rating=rating_field(", ".join(stated), warnings, where="OPF") if stated else NOT_RATED,
    )


def _is_rating_subject(subject: str) -> bool:
    """Whether a `dc:subject` is a rating: exactly a rating's name, or `Rating: …`."""
    text = " ".join(subject.split()).casefold()
    return text in _RATING_NAMES or _RATING_LABEL.match(text) is not None


def _meta_ratings(package: etree._Element) -> list[str]:
    """Ratings in `<meta name="rating" content="…">` or `<meta property="rating">…</meta>`.

    `calibre:rating` is the reader's stars, not a content rating, and a bare small number is
    stars too.
    """
    found = []
    for meta in _children(package, "meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        prefix, _, local = key.rpartition(":")
        if local not in _RATING_KEYS or prefix == "calibre":
            continue
        value = " ".join((meta.get("content") or meta.text or "").split())
        if value and not _STARS.match(value):
            found.append(value)
    return found


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


class _Entry(NamedTuple):
    """One entry of the table of contents: the document, the anchor in it, the title."""

    path: str
    fragment: str
    title: str


def _navigation(book: _Book, package: etree._Element, package_path: str) -> list[_Entry]:
    """The table of contents in reading order, from the EPUB 3 navigation document or the
    EPUB 2 NCX. A book whose table of contents is missing or broken still loads, titled from
    headings."""
    manifest = _manifest(package, package_path)
    entries: list[_Entry] = []
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
                    _add_entry(entries, ncx[0], content.get("src") or "", element_text(label))
    except StoryError:
        # Only a broken table of contents: the titles fall back to headings.
        return entries
    return entries


def _add_entry(entries: list[_Entry], base: str, href: str, title: str) -> None:
    if title and href:
        fragment = unquote(urldefrag(href)[1])
        entries.append(_Entry(_resolve(base, href), fragment, title))


# -- AO3 books -----------------------------------------------------------------------------


def _ao3_story(roots: list[tuple[str, etree._Element]], meta: Metadata) -> Story | None:
    """The story of an AO3 EPUB, read like its HTML download; None for other books."""
    if not any(find_preface(body_of(root)) is not None for _, root in roots):
        return None
    # Put the documents back together: a converter split one HTML page into them.
    html = etree.Element("html")
    body = etree.SubElement(html, "body")
    for _, root in roots:
        _append(body, body_of(root))
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
    if story.meta.rating == NOT_RATED and meta.rating != NOT_RATED:
        gaps["rating"] = meta.rating
    return dataclasses.replace(story, meta=dataclasses.replace(story.meta, **gaps))


def _append(target: etree._Element, source: etree._Element) -> None:
    """Move `source`'s content to the end of `target`, as one document.

    A converter that splits a page into documents repeats, in each, the elements the cut
    went through, ids and all. So an element that opens `source` with the id of the element
    that closes `target` is the rest of that element: its content joins it.
    """
    children = list(source)
    last = target[-1] if len(target) else None
    first = children[0] if children else None
    if (
        last is not None
        and first is not None
        and isinstance(first.tag, str)
        and first.tag == last.tag
        and first.get("id")
        and first.get("id") == last.get("id")
        and not (source.text or "").strip()
        and not (last.tail or "").strip()
    ):
        _append(last, first)
        last.tail = first.tail
        source.remove(first)
        children = children[1:]
    elif source.text:
        if last is None:
            target.text = (target.text or "") + source.text
        else:
            last.tail = (last.tail or "") + source.text
    for child in children:
        target.append(child)


# -- other books ---------------------------------------------------------------------------


def _book(
    roots: list[tuple[str, etree._Element]],
    navigation: list[_Entry],
    meta: Metadata,
    warnings: list[str],
    *,
    gutenberg: bool = True,
) -> tuple[Metadata, tuple[Chapter, ...]]:
    """The chapters of a book that is not from AO3, and its metadata completed.

    The navigation decides where chapters start and what they are called: a document it
    names is a chapter, and one it names at several anchors is cut there. A document it does
    not name is titled by its first heading or `<title>`; with neither, it continues the
    chapter before it (a long chapter a converter cut in two). Before the first chapter, a
    table of contents, a cover or title page, and a page of `Label: value` lines (which is
    read as metadata) are not chapters. A book made of one document is cut at its chapter
    headings when the navigation does not cut it.
    """
    bodies = [body_of(root) for _, root in roots]
    header = gutenberg_html.unwrap(bodies) if gutenberg else None
    if header is not None:
        meta = with_gutenberg_header(meta, header)
    entries: dict[str, list[_Entry]] = {}
    for entry in navigation:
        entries.setdefault(entry.path, []).append(entry)
    # A book of one document is cut at its headings; two with text are enough to know.
    with_text = sum(1 for _ in itertools.islice(_with_text(bodies), 2))
    drafts: list[tuple[str | None, tuple[Block, ...]]] = []
    story_started = False
    pages = 0  # metadata pages read
    for position, ((path, root), body) in enumerate(zip(roots, bodies, strict=True)):
        listed = entries.get(path, [])
        ids = _ids(body) if any(entry.fragment for entry in listed) else {}
        starts: dict[etree._Element, Start] = {}
        title: str | None = None
        for entry in listed:
            anchor = ids.get(entry.fragment) if entry.fragment else None
            if anchor is None:
                title = title or entry.title
            else:
                starts.setdefault(anchor_element(anchor, body), Start(entry.title))
        if not starts and with_text == 1 and not any(e.fragment for e in listed):
            headings = heading_starts(body)
            starts = {el: Start(heading_text(el), is_title=True) for el in headings}
            if headings:
                title = title or ""
        # A part's page with only its heading is kept as a heading above the next chapter;
        # a page titled only by its `<title>` (a cover) shows the reader nothing.
        keep_empty = title is not None
        if title is None and not listed:
            title = _first_heading(body, besides=meta.title)
            keep_empty = title is not None
            if title is None:
                doc_title = next((element_text(t) for t in root.iter("title")), "")
                if doc_title and doc_title != meta.title:
                    title = doc_title
        if not story_started and _is_contents(body, title):
            continue
        simplify(body)
        sections = split(body, starts, notes=_notes(body))
        if not story_started:
            leading = sections[0][1]
            more = next(_with_text(bodies[position + 1 :]), None) is not None
            page = more or len(sections) > 1
            read, leading = read_front(leading, meta, warnings, page=page, fill=pages > 0)
            if read is not meta:  # a metadata page or header was read
                meta = read
                pages += 1
                keep_empty = False
            elif title is not None and is_front_page_title(title):
                keep_empty = False
                if _words(leading) <= _FRONT_PAGE_WORDS:
                    leading = ()
            if page:
                leading = without_title_lines(leading, meta)
            sections[0] = (sections[0][0], leading)
        for index, (section_title, blocks) in enumerate(sections):
            name = title if index == 0 else section_title
            blocks = _without_title_headings(blocks, name, meta.title)
            if not blocks:
                if name and (index or keep_empty):
                    drafts.append((name, ()))
                continue
            drafts.append((name, blocks))
            story_started = True
    chapters: list[tuple[str, tuple[Block, ...]]] = []
    for name, blocks in drafts:
        if name is None and chapters:
            previous_title, previous = chapters[-1]
            chapters[-1] = (previous_title, tidy_breaks(previous + blocks))
        else:
            chapters.append((name or "", blocks))
    try:
        finished = list(finish_chapters(chapters, warnings))
    except StoryError:
        raise StoryError("no story text found") from None
    if header is not None:
        finished = gutenberg_html.tidy(finished)
    return meta, tuple(drop_title_heading(finished, meta.title))


def _with_text(bodies: list[etree._Element]) -> Iterator[etree._Element]:
    """The documents that hold any text."""
    return (body for body in bodies if any(not t.isspace() for t in body.itertext()))


def _notes(body: etree._Element) -> set[etree._Element]:
    """FanFicFare's author's notes around a chapter (`div.fff_chapter_notes`)."""
    return {
        el
        for el in body.iter("div")
        if "fff_chapter_notes" in (el.get("class") or "").split()
    }


def _ids(body: etree._Element) -> dict[str, etree._Element]:
    """Elements by `id` (and `<a name>`), the targets of the navigation's anchors."""
    ids: dict[str, etree._Element] = {}
    for el in body.iter():
        if isinstance(el.tag, str):
            key = el.get("id") or (el.get("name") if el.tag == "a" else None)
            if key and key not in ids:
                ids[key] = el
    return ids


def _is_contents(body: etree._Element, title: str | None) -> bool:
    """Whether a document before the story is a table of contents: links into the book."""
    links, share = link_share(body)
    if not links:
        return False
    if title is not None and is_contents_title(title):
        return True
    heading = _first_heading(body)
    if heading is not None and is_contents_title(heading):
        return share >= 0.3
    return is_link_list(body)


def _without_title_headings(
    blocks: tuple[Block, ...], title: str | None, book_title: str
) -> tuple[Block, ...]:
    """Blocks without the headings at their start that repeat the chapter or book title."""
    start = 0
    while start < len(blocks) and start < 2:
        block = blocks[start]
        if block.kind is not BlockKind.HEADING:
            break
        if not (title and same(block.plain, title)) and not same(block.plain, book_title):
            break
        start += 1
    return tidy_breaks(blocks[start:]) if start else blocks


def _words(blocks: tuple[Block, ...]) -> int:
    return sum(len(block.plain.split()) for block in blocks)


def _first_heading(body: etree._Element, besides: str = "") -> str | None:
    """The first heading's text, passing over one that is the book's title."""
    for el in body.iter("h1", "h2", "h3"):
        text = element_text(el)
        if text and not same(text, besides):
            return text
    return None
