"""HTML story files: which reader a document needs, and reading its bytes.

An `.html` file is an AO3 work page saved from the browser (`bot.parsers.ao3_page`), an AO3
"Download → HTML" (`bot.parsers.ao3_html`), or any other HTML book (`bot.parsers.html_book`:
chapters at its headings, Project Gutenberg's wrapping left out). Bytes are read as UTF-8,
else in the charset the document declares, else in the encoding `bot.text.decoding` detects.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from bot.parsers import ao3_html, ao3_page
from bot.parsers.budget import spend_markup
from bot.parsers.html_book import body_of, book_story, fallback_title
from bot.text.cleaning import clean, clean_references, needs_cleaning
from bot.text.decoding import decode, decode_any
from bot.text.story import Story, StoryError

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
_WINDOWS_1252 = frozenset(("iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"))


def parse(data: bytes, name: str) -> Story:
    """Parse an AO3 HTML download (or any HTML story) from its bytes.

    `name` is the file name, used for the title when the file has none.
    Raises `StoryError` when the file is not text or holds no story text.
    """
    return story_from_document(parse_html(data), name)


def parse_html(data: bytes) -> etree._Element:
    """Parse HTML or XHTML bytes into an element tree, tolerating broken markup.

    Raises `StoryError` for what is not text (see `bot.text.decoding.decode`) and for a document
    with no elements at all, and `OverBudget` for one with too many elements to parse
    (`bot.parsers.budget`).
    """
    spend_markup(data)
    root = None
    if data and not data.isspace() and not data.startswith(_BOMS) and not needs_cleaning(data):
        # The common case, every AO3 download: UTF-8 bytes go to libxml2 as they are, which
        # is twice as fast as decoding them first. libxml2 reports bytes that are not UTF-8.
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        root = etree.fromstring(data, parser)
        if any("ENCODING" in error.type_name for error in parser.error_log):
            root = None
    if root is None:
        # Anything else goes through `bot.text.decoding` for decoding, cleaning and a clear refusal.
        text = clean_references(clean(_XML_DECLARATION.sub("", _decode(data), count=1)))
        parser = etree.HTMLParser(remove_comments=True, remove_pis=True)
        root = etree.fromstring(text, parser)
    if root is None:
        raise StoryError("no story text found (the HTML has no content)")
    return root


def story_from_document(root: etree._Element, name: str) -> Story:
    """Build a story from a parsed HTML document: an AO3 work page saved from the browser, an
    AO3 download, or any other HTML book (see `bot.parsers.html_book`)."""
    body = body_of(root)
    # A download keeps its preface at the top: no need to look for a work page's parts.
    download = any(el.get("id") == "preface" for el in body.iterchildren("div"))
    work = None if download else ao3_page.find_work(body)
    if work is not None:
        return ao3_page.work_page_story(root, work, fallback_title=fallback_title(root, name))
    story = ao3_html.download_story(root, name)
    return story if story is not None else book_story(root, name)


def _decode(data: bytes) -> str:
    """Decode the file: UTF-8 (as AO3 writes it), else the charset the document declares
    (`<meta charset>`, the XML declaration), else the encoding `bot.text.decoding` detects."""
    if data.startswith(_BOMS) or b"\x00" in data[:8192]:
        return decode(data)  # a byte-order mark says it all; NULs are refused there
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        text = _declared(data)
        if text is not None:
            return text.replace("\r\n", "\n").replace("\r", "\n")
    return decode_any(data).text


def _declared(data: bytes) -> str | None:
    """The text in the charset the document declares, if it declares one that fits."""
    head = data[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    name = match.group(1).decode("ascii").lower()
    # Browsers read Latin-1 and ASCII as Windows-1252, whose extra characters are in use.
    encodings = ["cp1252", "latin-1"] if name in _WINDOWS_1252 else [name]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        if text.strip():
            return text
    return None
