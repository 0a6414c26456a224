"""AO3 "Download → HTML" files.

An AO3 download has three parts: `#preface` (the work's tags in `dl.tags`, the `h1` title,
the `.byline`, Summary and Notes), `#chapters` and `#afterword` (the work's end notes).
Inside `#chapters` a multi-chapter work has, per chapter, a `div.meta.group` with the
`h2.heading` title and the chapter's summary and notes, a `div.userstuff` with the text and
an optional `div.meta#endnotesN`; a one-shot has only the `div.userstuff`, with no chapter
heading, and becomes one chapter titled "".

What counts as story text: everything outside the preface and afterword. When an AO3-looking
file has no `#chapters` (an edited or cut-off download), the text found elsewhere in its body
is the story; a file with no text outside its preface is refused with "no story text found".
`bot.parsers.html` decides which reader an HTML file needs.

The rating goes through `bot.ratings.rating_field`: one nobody can place is noted in the
story's warnings and counts as Explicit.

The structure is recognised by class names that start with the AO3 name (`meta`, `meta1`,
`userstuff2`), because EPUB converters rename classes that way; the EPUB parser reuses the
functions here on AO3 EPUB documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from bot.parsers.common import AO3_LABELS
from bot.parsers.html_blocks import (
    BlockBuilder,
    element_text,
    simplify,
)
from bot.parsers.html_book import (
    body_of,
    drop_title_heading,
    fallback_title,
    meta_author,
)
from bot.text.ratings import rating_field
from bot.text.story import Block, BlockKind, Chapter, Metadata, Story, StoryError

_WORK_URL = re.compile(r"^(?:https?:)?//(?:www\.)?(archiveofourown\.org/works/\d+)", re.I)
_STAT = re.compile(r"(Published|Updated|Completed|Words|Chapters)\s*:\s*(\S+)", re.I)
_SERIES_PART = re.compile(r"Part\s+\d+\s+of\s+.+?(?=,\s*Part\s+\d+\s+of\s|$)", re.I)



def download_story(root: etree._Element, name: str) -> Story | None:
    """The story of an AO3 download (or of its chapter markup cut down by hand), or None
    when the document has no AO3 structure."""
    body = body_of(root)
    preface = find_preface(body)
    if preface is not None:
        return ao3_story(body, preface, fallback_title=fallback_title(root, name))
    if not _has_ao3_chapters(body):
        return None
    # AO3's chapter markup without its preface: a download cut down by hand.
    chapters, warnings = read_chapters(body)
    meta = Metadata(title=fallback_title(root, name), author=meta_author(root))
    chapters = drop_title_heading(chapters, meta.title)
    if not chapters:
        raise StoryError("no story text found")
    return Story(meta=meta, chapters=tuple(chapters), warnings=tuple(warnings))


def _has_ao3_chapters(body: etree._Element) -> bool:
    return any(
        has_class(el, "userstuff") or _is_chapter_heading(el) for el in body.iter("div", "h2")
    )


def ao3_story(body: etree._Element, preface: etree._Element, *, fallback_title: str) -> Story:
    """The story in an AO3 download's `body`, whose `preface` has been found.

    Raises `StoryError` when nothing outside the preface and afterword is story text.
    """
    afterword = find_afterword(body)
    # Metadata first: reading the chapters dissolves the links the preface's tags are in.
    notes: list[str] = []
    meta = read_metadata(preface, afterword, fallback_title=fallback_title, warnings=notes)
    skip = [el for el in (preface, afterword) if el is not None]
    chapters, warnings = read_chapters(body, skip)
    if not chapters:
        raise StoryError("no story text found")
    warnings = notes + warnings + _consistency_warnings(meta, chapters, afterword)
    return Story(meta=meta, chapters=tuple(chapters), warnings=tuple(warnings))


# -- the preface ---------------------------------------------------------------------------


def find_preface(root: etree._Element) -> etree._Element | None:
    """The element holding AO3's preface (`#preface`, or what holds the tag list), if any."""
    for el in root.iterchildren("div"):  # where AO3 puts it; saves a walk over the text
        if el.get("id") == "preface":
            return el
    for el in root.iter("div"):
        if el.get("id") == "preface":
            return el
    dl = _tag_list(root)
    if dl is None:
        return None
    # Without the id, the preface is the top-level block that holds the tag list.
    return _top_level_block(dl, root)


def find_afterword(root: etree._Element) -> etree._Element | None:
    """The element holding AO3's afterword (`#afterword`, or what holds `#endnotes`), if any."""
    for el in root.iterchildren("div"):  # where AO3 puts it; saves a walk over the text
        if el.get("id") == "afterword":
            return el
    endnotes = None
    for el in root.iter("div"):
        ident = el.get("id")
        if ident == "afterword":
            return el
        if ident == "endnotes" and endnotes is None:
            endnotes = el
    if endnotes is None:
        return None
    return _top_level_block(endnotes, root)


def _top_level_block(el: etree._Element, root: etree._Element) -> etree._Element:
    """The ancestor of `el` (or `el` itself) that is a direct child of `root`."""
    while (parent := el.getparent()) is not None and parent is not root:
        el = parent
    return el


def _tag_list(root: etree._Element) -> etree._Element | None:
    """AO3's `dl.tags`, recognised by its labels when the class has been renamed."""
    for dl in root.iter("dl"):
        if has_class(dl, "tags"):
            return dl
        # Every AO3 work has a rating and a fandom; a glossary in a story has neither.
        labels = {AO3_LABELS.get(_label(dt)) for dt in dl.iter("dt")}
        if {"rating", "fandoms"} <= labels:
            return dl
    return None


def read_metadata(
    preface: etree._Element,
    afterword: etree._Element | None = None,
    *,
    fallback_title: str,
    warnings: list[str] | None = None,
) -> Metadata:
    """Read AO3's preface (and the afterword's end notes) into `Metadata`.

    A rating that cannot be placed is noted in `warnings` and counts as Explicit.
    """
    fields: dict[str, object] = {}
    dl = _tag_list(preface)
    if dl is not None:
        notes = warnings if warnings is not None else []
        fields.update(read_tags(dl, notes, where="AO3 preface"))
    title = ""
    for h1 in preface.iter("h1"):
        title = element_text(h1)
        break
    if not title:
        for message in _with_class(preface, "message"):
            for b in message.iter("b"):
                title = element_text(b)
                break
            break
    notes = _labelled_notes(preface)
    end_notes = _labelled_notes(afterword) if afterword is not None else {}
    return Metadata(
        title=title or fallback_title,
        author=byline(preface),
        url=_work_url(preface) or (_work_url(afterword) if afterword is not None else ""),
        summary=notes.get("summary", ()),
        notes=notes.get("notes", ()),
        end_notes=end_notes.get("end notes", ()),
        **fields,
    )


def _label(el: etree._Element) -> str:
    """A `dt` or note label in lower case without the colon: "Additional Tags:" -> ..."""
    return element_text(el).rstrip(":").strip().lower()


def read_tags(dl: etree._Element, warnings: list[str], *, where: str) -> dict[str, object]:
    """The fields of AO3's tag list (`dl.tags`, or a work page's `dl.work.meta`), keyed by
    `Metadata` field name; a rating nobody can place is noted in `warnings` as from `where`."""
    fields: dict[str, object] = {}
    label = ""
    for el in dl:
        if el.tag == "dt":
            label = _label(el)
        elif el.tag == "dd" and label:
            field_name = AO3_LABELS.get(label)
            if field_name == "rating":
                values = _dd_values(el)
                fields["rating"] = rating_field(", ".join(values), warnings, where=where)
            elif field_name == "language":
                fields["language"] = element_text(el)
            elif field_name == "series":
                text = element_text(el)
                fields["series"] = tuple(m.group(0).strip() for m in _SERIES_PART.finditer(text))
                if not fields["series"]:
                    fields["series"] = _dd_values(el)
            elif field_name == "stats":
                fields.update(_read_stats(_stats_text(el)))
            elif field_name:
                fields[field_name] = _dd_values(el)
            label = ""
    return fields


def _dd_values(dd: etree._Element) -> tuple[str, ...]:
    """A tag list's values: the link texts (tags may hold commas), else comma-separated text."""
    links = [text for a in dd.iter("a") if (text := element_text(a))]
    if links:
        return tuple(links)
    return tuple(part.strip() for part in element_text(dd).split(",") if part.strip())


def _stats_text(dd: etree._Element) -> str:
    """The stats as `Label: value` text; a work page nests them in a `dl` of their own."""
    nested = dd.find(".//dl")
    if nested is None:
        return element_text(dd)
    return " ".join(element_text(el) for el in nested if el.tag in ("dt", "dd"))


def _read_stats(text: str) -> dict[str, object]:
    fields: dict[str, object] = {}
    for key, value in _STAT.findall(text):
        key = key.lower()
        if key == "words":
            digits = re.sub(r"\D", "", value)
            if digits:
                fields["declared_words"] = int(digits)
        elif key == "chapters":
            fields["declared_chapters"] = value
        else:
            fields[key] = value
    return fields


def byline(preface: etree._Element) -> str:
    """The author or authors ("A, B"); "Anonymous" and orphaned works keep AO3's wording."""
    for byline in _with_class(preface, "byline"):
        authors = [text for a in byline.iter("a") if (text := element_text(a))]
        if authors:
            return ", ".join(authors)
        return re.sub(r"^by\s+", "", element_text(byline), flags=re.I)
    authors = [
        text for a in preface.iter("a") if a.get("rel") == "author" and (text := element_text(a))
    ]
    return ", ".join(authors)


def _work_url(element: etree._Element) -> str:
    for a in element.iter("a"):
        match = _WORK_URL.match(a.get("href") or "")
        if match:
            return f"https://{match.group(1)}"
    return ""


def _labelled_notes(element: etree._Element) -> dict[str, tuple[Block, ...]]:
    """Blockquotes keyed by the label `<p>` before each: "summary", "chapter notes", ...

    Summary and notes keep the paragraph kind on `Metadata`; inside a chapter they become notes.
    """
    notes: dict[str, tuple[Block, ...]] = {}
    for quote in element.iter("blockquote"):
        label = ""
        prev = quote.getprevious()
        while prev is not None:
            if prev.tag == "p":
                label = _label(prev)
                break
            prev = prev.getprevious()
        if label and label not in notes:
            builder = BlockBuilder()
            builder.add(quote)
            notes[label] = builder.blocks()
    return notes


# -- chapters ------------------------------------------------------------------------------


@dataclass
class _ChapterParts:
    title: str
    notes: BlockBuilder = field(default_factory=lambda: BlockBuilder(BlockKind.NOTE))
    text: BlockBuilder = field(default_factory=BlockBuilder)
    end_notes: BlockBuilder = field(default_factory=lambda: BlockBuilder(BlockKind.NOTE))

    def chapter(self) -> Chapter:
        return Chapter(
            self.title, self.notes.blocks() + self.text.blocks() + self.end_notes.blocks()
        )


def has_class(el: etree._Element, name: str) -> bool:
    """Whether `el` has class `name`, also as renamed by converters (`meta1`, `userstuff2`)."""
    classes = el.get("class")
    if not classes or name not in classes:
        return False
    for cls in classes.split():
        if cls == name or (cls.startswith(name) and cls[len(name) :].isdigit()):
            return True
    return False


def _with_class(root: etree._Element, name: str) -> Iterable[etree._Element]:
    return (el for el in root.iter() if isinstance(el.tag, str) and has_class(el, name))


def _is_chapter_heading(el: etree._Element) -> bool:
    return el.tag == "h2" and has_class(el, "heading")


def _is_toc_heading(el: etree._Element) -> bool:
    return el.tag == "h2" and has_class(el, "toc-heading")


def _is_chapter_meta(el: etree._Element) -> bool:
    """A chapter's `div.meta.group`: its title and the notes before the text.

    Converters may drop the class of the `div`, so one that starts with `h2.heading` counts.
    """
    if el.tag != "div":
        return False
    if has_class(el, "meta"):
        return el.find(".//h2") is not None
    first = next(el.iterchildren("h2", "p", "div", "blockquote"), None)
    return first is not None and _is_chapter_heading(first)


def _is_end_notes(el: etree._Element) -> bool:
    """A chapter's `div.meta#endnotesN`, found by id or by its "Chapter End Notes" label."""
    if el.tag != "div":
        return False
    if (el.get("id") or "").startswith("endnotes"):
        return True
    return has_class(el, "meta") and "chapter end notes" in _labelled_notes(el)


def read_chapters(
    root: etree._Element, skip: Iterable[etree._Element] = ()
) -> tuple[list[Chapter], list[str]]:
    """The chapters under `root`, leaving out the elements in `skip` (preface, afterword).

    Returns the chapters with text and warnings for chapters that had none. `root` is
    simplified in place first (see `html_blocks.simplify`), links and all.
    """
    simplify(root)
    skipped = set(skip)
    markers = [
        el
        for el in root.iter("div", "h2")
        if has_class(el, "userstuff")
        or _is_chapter_heading(el)
        or _is_toc_heading(el)
        or (el.get("id") or "").startswith("endnotes")
    ]
    # Elements holding chapter structure are walked into; anything else is story text.
    containers = {ancestor for el in markers for ancestor in el.iterancestors()}
    parts: list[_ChapterParts] = []

    def current() -> _ChapterParts:
        if not parts:
            parts.append(_ChapterParts(""))
        return parts[-1]

    def loose_text(text: str | None) -> None:
        # Whitespace between structure elements must not open an untitled chapter.
        if text and (parts or text.strip()):
            current().text.add_text(text)

    def walk(container: etree._Element) -> None:
        loose_text(container.text)
        for el in container:
            if el in skipped or not isinstance(el.tag, str) or _is_toc_heading(el):
                pass
            elif _is_chapter_meta(el):
                parts.append(_read_chapter_meta(el))
            elif _is_end_notes(el):
                for quote in el.iter("blockquote"):
                    current().end_notes.add(quote)
            elif _is_chapter_heading(el):
                parts.append(_ChapterParts(element_text(el)))
            elif el in containers:
                walk(el)
            else:
                current().text.add(el)
            loose_text(el.tail)

    walk(root)
    chapters: list[Chapter] = []
    warnings: list[str] = []
    for number, part in enumerate(parts, 1):
        chapter = part.chapter()
        if any(b.kind in (BlockKind.PARAGRAPH, BlockKind.HEADING) for b in chapter.blocks):
            chapters.append(chapter)
        elif part.title or len(parts) > 1:
            warnings.append(f"chapter {number} ({part.title or 'untitled'}) has no text; skipped")
    return chapters, warnings


def _read_chapter_meta(meta: etree._Element) -> _ChapterParts:
    title = ""
    for h2 in meta.iter("h2"):
        title = element_text(h2)
        break
    part = _ChapterParts(title)
    for quote in meta.iter("blockquote"):
        part.notes.add(quote)
    return part


# -- checks and decoding -------------------------------------------------------------------


def _consistency_warnings(
    meta: Metadata, chapters: list[Chapter], afterword: etree._Element | None
) -> list[str]:
    warnings = []
    declared = meta.declared_chapters.split("/", 1)[0]
    if declared.isdigit() and int(declared) != len(chapters):
        warnings.append(f"AO3 lists {declared} chapters but the file has {len(chapters)}")
    if afterword is None:
        warnings.append("no AO3 afterword: the file may be cut off")
    return warnings
