"""EPUB 2 and 3 books, AO3's "Download → EPUB" among them.

The book is read from memory, never unpacked to disk: `META-INF/container.xml` names the OPF
package, whose Dublin Core metadata gives title, authors, language, tags (`dc:subject`),
summary (`dc:description`, often escaped HTML) and source URL, and whose spine gives the
reading order of the XHTML documents (`bot.parsers.epub_package`,
`bot.parsers.epub_metadata`).

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
import zipfile
from collections.abc import Iterator

from lxml import etree

from bot.parsers import gutenberg_html
from bot.parsers.ao3_html import ao3_story, find_preface
from bot.parsers.budget import OverBudget
from bot.parsers.common import finish_chapters, tidy_breaks
from bot.parsers.epub_metadata import package_metadata
from bot.parsers.epub_package import Book, ContentsEntry, spine_documents, table_of_contents
from bot.parsers.html import parse_html
from bot.parsers.html_blocks import element_text, simplify
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
from bot.text.ratings import NOT_RATED
from bot.text.story import Block, BlockKind, Chapter, Metadata, Story, StoryError

# A cover or title page before the story is left out when it says no more than this.
_FRONT_PAGE_WORDS = 150


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
        book = Book(archive)
        package_path = book.package_path()
        package = book.xml(package_path)
        meta = package_metadata(package, name, warnings)
        documents = spine_documents(book, package, package_path)
        navigation = table_of_contents(book, package, package_path)
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


def _document(data: bytes, path: str) -> etree._Element:
    """A spine document parsed as HTML; a `StoryError` names the document, except one for
    the book as a whole, which says that it is over its budget."""
    try:
        return parse_html(data)
    except OverBudget:
        raise
    except StoryError as exc:
        raise StoryError(f"{path}: {exc}") from None


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
    navigation: list[ContentsEntry],
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
    entries: dict[str, list[ContentsEntry]] = {}
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
