"""Project Gutenberg's wrapping around a book: header, start and end markers, licence.

Every Project Gutenberg book, in text, HTML or EPUB, puts its own matter around the work:
a header (`The Project Gutenberg eBook of TITLE, by AUTHOR`, the terms of use, then
`Title:`, `Author:`, `Release Date:`, `Language:` lines), a line
`*** START OF THE PROJECT GUTENBERG EBOOK TITLE ***`, the book, a line
`*** END OF THE PROJECT GUTENBERG EBOOK TITLE ***` and the licence. Older books say `THIS`
for `THE`, `ETEXT` for `EBOOK`, and may have no stars or a dash in `E-BOOK`. The book is only
what lies between the markers; the header gives its metadata.

These functions work on text; the HTML and EPUB parsers apply them to the text of the
elements that hold the markers.
"""

from __future__ import annotations

import re

# `*** START OF THE PROJECT GUTENBERG EBOOK KATRINE ***`, `***START OF THIS PROJECT
# GUTENBERG EBOOK`, `*** START OF THE PROJECT GUTENBERG E-BOOK`, `*** START OF THE PROJECT
# GUTENBERG ETEXT`.
START = re.compile(
    r"^[ \t]*\*{0,3}[ \t]*START[ \t]+OF[ \t]+(?:THE[ \t]+|THIS[ \t]+)?PROJECT[ \t]+GUTENBERG"
    r"[ \t]+E-?(?:BOOK|TEXT)\b[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
END = re.compile(
    r"^[ \t]*\*{0,3}[ \t]*END[ \t]+OF[ \t]+(?:THE[ \t]+|THIS[ \t]+)?PROJECT[ \t]+GUTENBERG"
    r"[ \t]+E-?(?:BOOK|TEXT)\b[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
# The line many books put just before the end marker: `End of the Project Gutenberg EBook
# of Katrine, by Elinor Macartney Lane`, `End of Project Gutenberg's Katrine, by ...`.
END_LINE = re.compile(
    r"^[ \t]*End[ \t]+of[ \t]+(?:the[ \t]+)?Project[ \t]+Gutenberg(?:'s|’s)?\b[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
# The header's first line: `The Project Gutenberg eBook of Katrine, by Elinor Lane`,
# `The Project Gutenberg EBook of Katrine`, `Project Gutenberg's Katrine, by Elinor Lane`,
# `The Project Gutenberg Etext of Katrine`, `The Project Gutenberg eBook, Katrine, by …`.
_FIRST_LINE = re.compile(
    r"^[ \t\ufeff]*(?:The[ \t]+)?Project[ \t]+Gutenberg"
    r"(?:'s|’s|[ \t]+E-?(?:Book|Text)(?:[ \t]+of|,))[ \t]+"
    r"(?P<title>.+?)(?:,[ \t]+by[ \t]+(?P<author>.+?))?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FIELD = re.compile(
    r"^[ \t]*(?P<label>Title|Author|Authors|Editor|Translator|Release Date|Language|"
    r"Illustrator)[ \t]*:[ \t]*(?P<value>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
# A header field may continue on indented lines (a long title, several authors).
_MORE = re.compile(r"(?:\n[ \t]+\S[^\n]*)+")
_CONTINUATION = re.compile(r"\n[ \t]+(\S[^\n]*)")
# Credits right after the start marker: `Produced by ...`, up to the next blank line.
_CREDITS = re.compile(
    r"\A\s*(?:Produced|Transcribed|Prepared|E-?text prepared)[ \t]+by\b.*?(?:\n[ \t]*\n|\Z)",
    re.IGNORECASE | re.DOTALL,
)
# Brackets do not nest: a search that ends at the next bracket either way keeps a value of
# many `[` linear.
_BRACKETED = re.compile(r"\s*\[[^\[\]]*\]\s*")
_ISO_DATE = re.compile(r"\b(\w+ \d{1,2}, \d{4})")


def is_wrapped(text: str) -> bool:
    """Whether `text` holds Project Gutenberg's start marker."""
    return START.search(text) is not None


def header_fields(header: str) -> dict[str, str]:
    """Metadata from the text before the start marker.

    Keys, when found: `title`, `author` (authors joined by ", "), `language`, `published`
    (the release date as written), `translator`.
    """
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(header):
        label = match["label"].lower()
        key = {"authors": "author", "release date": "published"}.get(label, label)
        value = match["value"].strip()
        more = _MORE.match(header, match.end())
        if more:
            lines = [line.strip() for line in _CONTINUATION.findall(more.group())]
            if key in ("author", "translator"):
                value = ", ".join(part for part in (value, *lines) if part)  # one to a line
            else:
                for line in lines:
                    value = _run_on(value, line) if key == "title" else f"{value} {line}"
        value = " ".join(value.split())
        if not value:
            continue
        if key == "published":
            value = re.sub(r"\s*\[e-?book #\d+\].*$", "", value, flags=re.IGNORECASE)
            value = _BRACKETED.sub(" ", value).strip()
        if key in ("title", "author", "language", "published", "translator"):
            fields.setdefault(key, value)
    first = _FIRST_LINE.search(header)
    if first:
        fields.setdefault("title", " ".join(first["title"].split()))
        if first["author"]:
            fields.setdefault("author", " ".join(first["author"].split()))
    return fields


def _run_on(title: str, line: str) -> str:
    """A title and its next line: a subtitle (`The Salt Ledger: Being an Account`) when the
    line starts with a capital after a title that ends without punctuation, else the same
    sentence running on."""
    if title and line[:1].isupper() and title[-1:].isalnum():
        return f"{title}: {line}"
    return f"{title} {line}".strip()


def unwrap(text: str) -> tuple[dict[str, str], str] | None:
    """`(header fields, the book)` for Project Gutenberg text; None for any other text.

    The book is what lies between the start and end markers, without the `End of the
    Project Gutenberg EBook` line and without the credits line right after the start
    marker. A book with a start marker but no end marker runs to the end of the text.
    """
    start = START.search(text)
    if start is None:
        return None
    end = END.search(text, start.end())
    body = text[start.end() : end.start() if end else len(text)]
    closing = [match for match in END_LINE.finditer(body) if not body[match.end():].strip()]
    if closing:
        body = body[: closing[-1].start()]
    body = _CREDITS.sub("\n", body, count=1)
    return header_fields(text[: start.start()]), body
