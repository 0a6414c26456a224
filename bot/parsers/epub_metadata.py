"""An EPUB's metadata: the OPF package's Dublin Core elements as a story's `Metadata`, rated
by a `<meta name="rating">` (not `calibre:rating`, the reader's stars) or a `dc:subject` that
names a rating.
"""

from __future__ import annotations

import re

from lxml import etree

from bot.parsers.budget import spend_markup
from bot.parsers.common import title_from_filename
from bot.parsers.epub_package import elements_named, local_name
from bot.parsers.html_blocks import element_text, to_blocks
from bot.text.cleaning import clean, clean_references
from bot.text.ratings import NOT_RATED, RATINGS, rating_field
from bot.text.story import Block, Metadata, paragraph

_URL = re.compile(r"^https?://\S+$", re.I)
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")
_TAG_IN_TEXT = re.compile(r"<[A-Za-z!/]")
_RATING_NAMES = frozenset(rating.casefold() for rating in RATINGS)
_RATING_LABEL = re.compile(r"^(?:content\s+)?(?:rating|rated)\s*[:\-–]\s*\S")
_RATING_KEYS = frozenset(
    ("rating", "content-rating", "contentrating", "content_rating", "age-rating", "agerating")
)
_STARS = re.compile(r"^(?:10|\d)(?:[.,]\d+)?$")


def package_metadata(package: etree._Element, name: str, warnings: list[str]) -> Metadata:
    """`Metadata` from the OPF's Dublin Core elements, and its rating if it gives one."""
    fields: dict[str, list[etree._Element]] = {}
    for el in package.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{http://purl.org/dc/elements/1.1/}"):
            fields.setdefault(local_name(el), []).append(el)

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
    for meta in elements_named(package, "meta"):
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
    for meta in elements_named(package, "meta"):
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
        spend_markup(html)
        root = etree.fromstring(html, etree.HTMLParser())
        return to_blocks([root]) if root is not None else ()
    return tuple(
        paragraph(" ".join(part.split())) for part in re.split(r"\n\s*\n", text) if part.strip()
    )
