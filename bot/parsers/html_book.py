"""HTML books that are not AO3 downloads: web pages, exports of other tools, Project Gutenberg.

What is read, in order:

- Project Gutenberg's header and licence are cut away (`bot.parsers.gutenberg_html`); the
  header gives the title, author, language and release date.
- Chapters start at the book's chapter headings (`bot.parsers.html_chapters.heading_starts`),
  each titled by its heading. A book without repeated headings is one untitled chapter.
- Before the first chapter, a table of contents (a list of links into the book, or a section
  headed "Contents") is left out, and a page of `Label: value` lines (a FanFicFare title page
  and the like, see `bot.parsers.title_page`) is metadata. Other front matter (an epigraph, a
  dedication) stays as an untitled first chapter.
- The title comes from `<title>`, else the first `<h1>`, else the file name; the author from
  `<meta name="author">`; a rating from the page's `<meta name="rating">`, when it has one.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from bot.parsers import gutenberg, gutenberg_html, html_chapters, title_page
from bot.parsers.common import finish_chapters, tidy_breaks, title_from_filename
from bot.parsers.html_blocks import element_text, simplify
from bot.parsers.html_chapters import HEADINGS, Start, heading_text
from bot.text.ratings import rating_field
from bot.text.story import Block, BlockKind, Chapter, Metadata, Story, StoryError

# Elements a table of contents is made of, and those worth looking inside for one.
_LIST_PARTS = frozenset(("nav", "ul", "ol", "table", "dl", "p", "div", "li", "section", "center"))
_WRAPPERS = frozenset(("div", "section", "header", "article", "main", "center", "body"))


def book_story(root: etree._Element, name: str) -> Story:
    """The story in an HTML document that has no AO3 structure.

    Raises `StoryError` when the document holds no story text.
    """
    body = body_of(root)
    warnings: list[str] = []
    meta = Metadata(title=fallback_title(root, name), author=meta_author(root))
    rating = head_rating(root, warnings)
    if rating:
        meta = dataclasses.replace(meta, rating=rating)
    header = gutenberg_html.unwrap([body])
    if header is not None:
        meta = with_gutenberg_header(meta, header)
    starts = html_chapters.heading_starts(body)
    if len(starts) > 2 and same(heading_text(starts[0]), meta.title):
        starts = starts[1:]  # the title, set at the level of the chapters
    if starts:
        drop_contents(body, starts)
    titles = {el: Start(heading_text(el), is_title=True) for el in starts}
    simplify(body)
    sections = html_chapters.split(body, titles)
    meta, drafts = front_matter(sections, meta, warnings)
    try:
        chapters = list(finish_chapters(drafts, warnings))
    except StoryError:
        raise StoryError("no story text found") from None
    if header is not None:
        chapters = gutenberg_html.tidy(chapters)
    chapters = drop_title_heading(chapters, meta.title)
    if not chapters:
        raise StoryError("no story text found")
    return Story(meta=meta, chapters=tuple(chapters), warnings=tuple(warnings))


def front_matter(
    sections: list[tuple[str | None, tuple[Block, ...]]], meta: Metadata, warnings: list[str]
) -> tuple[Metadata, list[tuple[str, tuple[Block, ...]]]]:
    """Chapter drafts from `split` sections; the front matter read as metadata if it is.

    `Label: value` lines that open the book are metadata, not story (see `read_front`); a
    "Contents" section that was only links is dropped.
    """
    drafts: list[tuple[str, tuple[Block, ...]]] = []
    for index, (title, blocks) in enumerate(sections):
        if title is None:
            meta, blocks = read_front(blocks, meta, warnings, page=len(sections) > 1)
            if len(sections) > 1:
                blocks = without_title_lines(blocks, meta)
            title = ""
        elif not blocks and html_chapters.is_contents_title(title) and index + 1 < len(sections):
            continue
        drafts.append((title, blocks))
    return meta, drafts


def read_front(
    blocks: tuple[Block, ...],
    meta: Metadata,
    warnings: list[str],
    *,
    page: bool,
    fill: bool = False,
) -> tuple[Metadata, tuple[Block, ...]]:
    """Read the `Label: value` lines that open a book into `meta`. Returns the metadata and
    the blocks left.

    With `page` (the story goes on after these blocks: they are a page or section of their
    own) the blocks may be a whole title page; otherwise, or when they are not one, only a
    header of such lines above the story is read. With `fill`, fields `meta` already has
    are kept (see `title_page.apply`).
    """
    if not blocks:
        return meta, blocks
    fields = title_page.read_page(blocks) if page else None
    if fields is not None:
        return title_page.apply(meta, fields, warnings, where="title page", fill=fill), ()
    header = title_page.read_header(blocks)
    if header is None:
        return meta, blocks
    fields, consumed = header
    meta = title_page.apply(meta, fields, warnings, where="header", fill=fill)
    return meta, tidy_breaks(blocks[consumed:])


def without_title_lines(blocks: tuple[Block, ...], meta: Metadata) -> tuple[Block, ...]:
    """Front matter without the lines that only give the title and the author ("by …"),
    which the page shows anyway."""
    names = {key for key in (meta.title, meta.author) if key}
    keys = {" ".join(name.split()).casefold() for name in names}
    start = 0
    for block in blocks:
        text = " ".join(block.plain.split()).casefold()
        text = text[3:] if text.startswith("by ") else text
        if block.kind is BlockKind.BREAK or text not in keys:
            break
        start += 1
    return tidy_breaks(blocks[start:]) if start else blocks


def drop_contents(body: etree._Element, starts: list[etree._Element]) -> None:
    """Remove the table of contents before the first chapter: lists of links into the book.

    Under a "Contents" heading anything that links into the book is part of the table (a
    table of chapter numbers as links and their names as text).
    """
    first = next(
        (el for el in starts if not html_chapters.is_contents_title(element_text(el))), None
    )
    if first is None:
        return
    holders = set(first.iterancestors())
    found: list[etree._Element] = []
    in_contents = False

    def visit(container: etree._Element) -> bool:
        """Look at `container`'s children up to `first`; False once `first` is reached."""
        nonlocal in_contents
        for el in container:
            if el is first:
                return False
            if not isinstance(el.tag, str):
                continue
            if el in holders:
                return visit(el)
            if el.tag in HEADINGS:
                in_contents = html_chapters.is_contents_title(element_text(el))
                continue
            if el.tag not in _LIST_PARTS:
                continue
            links, share = html_chapters.link_share(el)
            if links and (share >= 0.8 or in_contents):
                found.append(el)
            elif links and el.tag in _WRAPPERS and not visit(el):
                return False
        return True

    visit(body)
    html_chapters.without_elements(found)


def body_of(root: etree._Element) -> etree._Element:
    """The document's `<body>`, or the root for a fragment without one."""
    body = root.find("body")
    return body if body is not None else root


def fallback_title(root: etree._Element, name: str) -> str:
    """`<title>`, else the first `<h1>`, else a title made from the file name."""
    for tag in ("title", "h1"):
        for el in root.iter(tag):
            text = element_text(el)
            if text:
                return text
            break
    return title_from_filename(name)


def meta_author(root: etree._Element) -> str:
    """The author a page's `<meta name="author">` names."""
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == "author":
            return " ".join((meta.get("content") or "").split())
    return ""


def head_rating(root: etree._Element, warnings: list[str]) -> str:
    """The rating a page's `<meta name="rating">` gives ("adult" for SafeSearch), or ""."""
    head = root.find("head")
    if head is None:
        return ""
    for meta in head.iter("meta"):
        if (meta.get("name") or "").strip().lower() == "rating":
            content = " ".join((meta.get("content") or "").split())
            if content:
                return rating_field(content, warnings, where="<meta name=\"rating\">")
    return ""


def with_gutenberg_header(meta: Metadata, header: dict[str, str]) -> Metadata:
    """`meta` with the title, author, language and date of a Project Gutenberg header.

    Without a title in the header, a title such as "The Project Gutenberg eBook of Moss, by
    R. Fell" (a page's `<title>`, a package's `dc:title`) gives the title and author.
    """
    if not header.get("title"):
        header = {**gutenberg.header_fields(meta.title), **header}
    changes = {
        key: header[key] for key in ("title", "author", "language", "published") if header.get(key)
    }
    return dataclasses.replace(meta, **changes)


def drop_title_heading(chapters: list[Chapter], title: str) -> list[Chapter]:
    """Drop a first heading that repeats the story title: the page already shows it."""
    if not chapters or not chapters[0].blocks:
        return chapters
    first = chapters[0].blocks[0]
    if first.kind is BlockKind.HEADING and same(first.plain, title):
        rest = tidy_breaks(chapters[0].blocks[1:])
        return [Chapter(chapters[0].title, rest), *chapters[1:]] if rest else chapters[1:]
    return chapters


def same(a: str, b: str) -> bool:
    """Whether two titles are the same but for case and spacing."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

