"""AO3 work pages saved from the browser ("Save Page As"), read like downloads.

A saved work page holds the whole site page: header, navigation, kudos, comments and forms,
around the work. Only the work is read:

- the tags from `dl.work.meta.group` (`dd.rating`, `dd.warning`, `dd.category`, `dd.fandom`,
  `dd.relationship`, `dd.character`, `dd.freeform`, `dd.language`, `dd.series` and the
  `dd.stats` with its own `dl.stats`), labelled as in the download;
- inside `div#workskin`: the work's `div.preface.group` (`h2.title`, `h3.byline`, summary
  and notes in `blockquote.userstuff`), `div#chapters`, and the afterword's end notes
  (`#work_endnotes`);
- in `div#chapters`, one `div.chapter` per chapter (title from `h3.title`, chapter summary
  and notes, the `div.userstuff` text, end notes), or a lone `div.userstuff` for a one-shot.

AO3's "Chapter Text" / "Work Text:" landmark headings are the site's, not the story's. Chapter
titles follow the download: "Chapter 2: Ledger Lines" is "Ledger Lines", an untitled chapter
is "Chapter 2".
"""

from __future__ import annotations

import re

from lxml import etree

from bot.parsers import ao3_html
from bot.parsers.common import finish_chapters
from bot.parsers.html_blocks import BlockBuilder, element_text, simplify
from bot.text.story import Block, BlockKind, Metadata, Story, StoryError

_WORK_LINK = re.compile(
    r"^(?:https?://(?:www\.)?archiveofourown\.org)?/(?:works|downloads)/(\d+)(?:[/?#]|$)", re.I
)


def find_work(body: etree._Element) -> etree._Element | None:
    """The element holding a saved work page's work (`#workskin`, else what holds
    `#chapters`), if the page is one: it has AO3's work skin or its work tags
    (`dl.work.meta`)."""
    chapters = meta = None
    for el in body.iter("div", "dl"):
        if el.tag == "dl":
            if meta is None and {"work", "meta"} <= _classes(el):
                meta = el
            continue
        ident = el.get("id")
        if ident == "workskin":
            return el
        if ident == "chapters" and chapters is None:
            chapters = el
    if chapters is not None and meta is not None:
        return chapters.getparent()
    return None


def work_page_story(root: etree._Element, work: etree._Element, *, fallback_title: str) -> Story:
    """The story on a saved work page whose work `find_work` found.

    Raises `StoryError` when the page holds no chapter text.
    """
    warnings: list[str] = []
    meta = _metadata(root, work, warnings, fallback_title=fallback_title)
    chapters_div = next((el for el in work.iter("div") if el.get("id") == "chapters"), None)
    if chapters_div is None:
        raise StoryError("no story text found (the AO3 page has no chapters)")
    chapter_divs = [el for el in chapters_div.iterchildren("div") if _is_chapter(el)]
    # Titles first: the number in "Chapter 2: Ledger Lines" is a link, which `simplify`
    # dissolves.
    titles = [_chapter_title(div, number) for number, div in enumerate(chapter_divs, 1)]
    simplify(chapters_div)
    drafts: list[tuple[str, list[Block]]] = []
    if chapter_divs:
        for title, div in zip(titles, chapter_divs, strict=True):
            drafts.append((title, _chapter(div)))
    else:
        drafts.append(("", list(_text(chapters_div))))
    try:
        chapters = finish_chapters(drafts, warnings)
    except StoryError:
        raise StoryError("no story text found") from None
    declared = meta.declared_chapters.split("/", 1)[0]
    if declared.isdigit() and int(declared) != len(chapters) and len(chapter_divs) > 1:
        warnings.append(f"AO3 lists {declared} chapters but the page has {len(chapters)}")
    return Story(meta=meta, chapters=chapters, warnings=tuple(warnings))


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _is_chapter(el: etree._Element) -> bool:
    return "chapter" in _classes(el) and "preface" not in _classes(el)


def _metadata(
    root: etree._Element, work: etree._Element, warnings: list[str], *, fallback_title: str
) -> Metadata:
    fields: dict[str, object] = {}
    tags = next(
        (dl for dl in root.iter("dl") if _classes(dl) >= {"work", "meta"}), None
    )
    if tags is not None:
        fields.update(ao3_html.read_tags(tags, warnings, where="AO3 work page"))
        positions = [
            text
            for span in tags.iter("span")
            if "position" in _classes(span) and (text := element_text(span))
        ]
        if positions:
            fields["series"] = tuple(positions)
    preface = next(
        (
            el
            for el in work.iter("div")
            if _classes(el) >= {"preface", "group"}
            and not _classes(el) & {"chapter", "afterword"}
        ),
        None,
    )
    title = author = ""
    summary: tuple[Block, ...] = ()
    notes: tuple[Block, ...] = ()
    if preface is not None:
        title = next((element_text(h) for h in preface.iter("h2") if "title" in _classes(h)), "")
        author = ao3_html.byline(preface)
        summary = _module_notes(preface, "summary", BlockKind.PARAGRAPH)
        notes = _module_notes(preface, "notes", BlockKind.PARAGRAPH)
    end_notes: tuple[Block, ...] = ()
    for el in work.iter("div"):
        if el.get("id") == "work_endnotes":
            end_notes = _quotes(el, BlockKind.PARAGRAPH)
            break
    return Metadata(
        title=title or fallback_title,
        author=author,
        url=_work_url(root),
        summary=summary,
        notes=notes,
        end_notes=end_notes,
        **fields,  # type: ignore[arg-type]
    )


def _work_url(root: etree._Element) -> str:
    """The work's address, from the page's own links to it (navigation, downloads)."""
    for ul in root.iter("ul"):
        if _classes(ul) >= {"work", "navigation"}:
            for a in ul.iter("a"):
                match = _WORK_LINK.match(a.get("href") or "")
                if match:
                    return f"https://archiveofourown.org/works/{match.group(1)}"
    for link in root.iter("link", "meta"):
        href = link.get("href") or link.get("content") or ""
        if link.get("rel") == "canonical" or link.get("property") == "og:url":
            match = re.search(r"archiveofourown\.org/works/(\d+)", href)
            if match:
                return f"https://archiveofourown.org/works/{match.group(1)}"
    return ""


def _quotes(element: etree._Element, kind: BlockKind) -> tuple[Block, ...]:
    """The author's text in a notes module: its `blockquote`s, without AO3's labels."""
    builder = BlockBuilder(kind)
    for quote in element.iter("blockquote"):
        builder.add(quote)
    return builder.blocks()


def _module_notes(group: etree._Element, name: str, kind: BlockKind) -> tuple[Block, ...]:
    """The blockquotes of a preface group's `div.summary` or `div.notes` module."""
    builder = BlockBuilder(kind)
    for div in group.iterchildren("div"):
        classes = _classes(div)
        if name in classes and "end" not in classes:
            for quote in div.iter("blockquote"):
                builder.add(quote)
    return builder.blocks()


def _chapter_title(div: etree._Element, number: int) -> str:
    for h3 in div.iter("h3"):
        if "title" not in _classes(h3):
            continue
        link = h3.find("a")
        tail = (link.tail or "") if link is not None else ""
        if link is not None and tail.lstrip().startswith(":"):
            # "Chapter 2: Ledger Lines": the title is what follows the numbered link.
            rest = tail.lstrip()[1:]
            parts = [rest, *(element_text(el) + (el.tail or "") for el in link.itersiblings())]
            title = " ".join("".join(parts).split())
            if title:
                return title
        return element_text(h3)
    return f"Chapter {number}"


def _chapter(div: etree._Element) -> list[Block]:
    """A chapter's blocks: its summary and notes, its text, its end notes."""
    before = BlockBuilder(BlockKind.NOTE)
    after = BlockBuilder(BlockKind.NOTE)
    text: list[Block] = []
    seen_text = False
    for el in div.iterchildren():
        if not isinstance(el.tag, str):
            continue
        classes = _classes(el)
        if "userstuff" in classes:
            text.extend(_text(el))
            seen_text = True
        elif "preface" in classes or "notes" in classes or "summary" in classes:
            for quote in el.iter("blockquote"):
                (after if seen_text else before).add(quote)
    return [*before.blocks(), *text, *after.blocks()]


def _text(element: etree._Element) -> tuple[Block, ...]:
    """Story text under `element`, without AO3's landmark headings."""
    for heading in list(element.iter("h3")):
        if "landmark" in _classes(heading):
            _drop(heading)
    builder = BlockBuilder()
    if element.get("id") == "chapters":
        for child in element:
            if isinstance(child.tag, str) and "userstuff" in _classes(child):
                builder.add(child)
        return builder.blocks()
    builder.add(element)
    return builder.blocks()


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)

