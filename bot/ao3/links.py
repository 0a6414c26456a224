"""What a member means by the AO3 link or number they paste.

`parse_link` turns text into a `WorkLink`, a `SeriesLink` or a `NotAo3` whose reason can be
shown to the member as it is. Nothing is fetched: a link is judged by its shape alone, so a
typo is answered at once instead of costing a request to AO3.

A work is a bare number, or an address on an AO3 host whose path leads to one work:
`/works/123` (and anything under it, such as `/works/123/chapters/456`),
`/collections/NAME/works/123` or `/downloads/123/Title.html`. A series is `/series/77`, and
anything under it.
Scheme, `www.`, query and fragment are optional, and Discord's `<...>` around a link, which
stops its preview, is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.text.numbers import whole_number

#: Hosts that serve the Archive. Anything else is refused before a request is made.
AO3_HOSTS = frozenset(
    {"archiveofourown.org", "www.archiveofourown.org", "ao3.org", "www.ao3.org"}
)
#: AO3's ids are counters, now around nine digits; twelve leaves room and stops nonsense.
MAX_ID_DIGITS = 12
# Long enough for any real link; keeps a pasted essay from being split and searched.
_MAX_TEXT = 2000
_DIGITS = re.compile(r"[0-9]+")
# What the first part of an AO3 path that is not a work points to, for the refusal.
_PLACES = {
    "users": "a member's page",
    "tags": "a tag",
    "collections": "a collection",
    "bookmarks": "a bookmark",
    "comments": "a comment",
    "chapters": "a chapter without its work (open the work and copy its address instead)",
    "media": "a list of fandoms",
    "menu": "a menu",
    "works": "a list of works",
}


@dataclass(frozen=True, slots=True)
class WorkLink:
    """One AO3 work, by id."""

    id: int


@dataclass(frozen=True, slots=True)
class SeriesLink:
    """One AO3 series, by id; its works are offered one by one."""

    id: int


@dataclass(frozen=True, slots=True)
class NotAo3:
    """Text that names no AO3 work or series; `reason` says why, for the member."""

    reason: str


def parse_link(text: str) -> WorkLink | SeriesLink | NotAo3:
    """The work or series `text` names, or why it names none."""
    text = text.strip().removeprefix("<").removesuffix(">").strip()
    if not text:
        return NotAo3("Give me an AO3 work link, or just the work's number.")
    if len(text) > _MAX_TEXT or any(c.isspace() for c in text):
        return NotAo3("Give me one AO3 link on its own, without other text around it.")
    if text.isdecimal():
        return _checked(text, WorkLink)
    return _parse_url(text)


def _parse_url(text: str) -> WorkLink | SeriesLink | NotAo3:
    if "://" not in text:
        text = "https://" + text.removeprefix("//")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return NotAo3("That does not look like a link, or like an AO3 work number.")
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        return NotAo3("That does not look like a link, or like an AO3 work number.")
    if host not in AO3_HOSTS:
        return NotAo3(
            f"That is not an AO3 link ({host[:60]}). I can only add works from "
            "archiveofourown.org."
        )
    return _parse_path([p for p in parts.path.split("/") if p])


def _parse_path(path: list[str]) -> WorkLink | SeriesLink | NotAo3:
    # A work's own pages: /works/ID, /collections/NAME/works/ID, /downloads/ID/NAME.
    if len(path) >= 4 and path[0] == "collections" and path[2] == "works":
        path = path[2:]
    if len(path) >= 2 and path[0] in ("works", "downloads") and _DIGITS.fullmatch(path[1]):
        return _checked(path[1], WorkLink)
    if len(path) >= 2 and path[0] == "series" and _DIGITS.fullmatch(path[1]):
        return _checked(path[1], SeriesLink)
    place = _PLACES.get(path[0]) if path else "the front page"
    if place is None:
        return NotAo3("That AO3 link is not a work or a series.")
    return NotAo3(f"That AO3 link is not a work or a series: it leads to {place}.")


def _checked(
    digits: str, kind: type[WorkLink] | type[SeriesLink]
) -> WorkLink | SeriesLink | NotAo3:
    what = "work" if kind is WorkLink else "series"
    number = whole_number(digits.lstrip("0") or "0", signed=False, max_digits=MAX_ID_DIGITS)
    if number is None:
        return NotAo3(f"That number is too long to be an AO3 {what} id.")
    if number == 0:
        return NotAo3(f"0 is not an AO3 {what} id; they start at 1.")
    return kind(number)


def work_url(base: str, work_id: int) -> str:
    """The address of a work's page on the Archive at `base`."""
    return f"{base.rstrip('/')}/works/{work_id}"


def series_url(base: str, series_id: int) -> str:
    """The address of a series' page on the Archive at `base`."""
    return f"{base.rstrip('/')}/series/{series_id}"
