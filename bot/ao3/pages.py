"""What AO3's pages say: where a work's HTML download is, how far along it is, which works a
series holds, and why a page holds no work at all.

Read from a work page (`/works/ID`):

- the download menu, `li.download` in the work's actions, with one link per format to
  `/downloads/ID/Title.FORMAT?updated_at=...`; the HTML one is the work as a story file;
- the chapter count, `dd.chapters` in the work's stats, `12/?` for a work in progress or
  `3/3` (the first number may be a link to the newest chapter), and the title, `h2.title`.

Read from a series page (`/series/ID`): its `ul.series.work.index.group` of
`li.work.blurb.group` with `id="work_123"`, each titled by the link in its `h4.heading`, and
the `a[rel=next]` to the next page of a long series.

`classify` recognises the pages that stand in for a work: AO3 sends guests to its log-in page
for a work only members may read (`/users/login?restricted=true`) and for one hidden from them
(`/users/login`), shows a notice instead of a work kept back until a challenge reveals it, and
answers with a maintenance page, or a 5xx, when it is down.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, urljoin, urlsplit

import lxml.html
from lxml import etree

from bot.ao3.links import AO3_HOSTS


class Problem(enum.StrEnum):
    """What kept a work from being fetched; the kinds of `bot.ao3.client.Ao3Error`."""

    DELETED = "deleted"  # the work's page is gone
    RESTRICTED = "restricted"  # only members logged in to AO3 may read it
    HIDDEN = "hidden"  # unrevealed, hidden by an admin, or not posted
    NOT_FOUND = "not_found"  # a series, or a download, that is not there
    DOWN = "down"  # AO3 is down, busy or not answering
    RATE_LIMITED = "rate_limited"  # AO3 asked for a wait too long to sit through
    BAD_RESPONSE = "bad_response"  # an answer that is not what the page should be
    TIMEOUT = "timeout"  # AO3 took too long to answer


@dataclass(frozen=True, slots=True)
class WorkStatus:
    """How far along a work is: `chapters_total` is None while the author has not said."""

    chapters_posted: int
    chapters_total: int | None
    complete: bool
    title: str


# Phrases of AO3's own notices, lower-cased, and what each means.
_NOTICES = (
    (Problem.DOWN, ("down for maintenance", "archive is down", "maintenance in progress")),
    (Problem.RESTRICTED, ("only available to registered users",)),
    (
        Problem.HIDDEN,
        (
            "will be revealed soon",
            "scheduled to be revealed",
            "has not been revealed",
            "hidden by an administrator",
            "hidden by an admin",
        ),
    ),
)
_CHAPTERS = re.compile(r"^\s*([0-9][0-9,]*)\s*/\s*([0-9][0-9,]*|\?)\s*$")
_WORK_HREF = re.compile(r"^(?:https?://[^/]+)?/works/([0-9]+)/?(?:[?#]|$)")
_WORK_ITEM = re.compile(r"^work_([0-9]+)$")


def classify(status: int, url: str, html: str) -> Problem | None:
    """Why the page AO3 answered with at `url` (after redirects) holds no work, or None when
    nothing says it does not.

    Notices are looked for only on a page without a download link, so a work whose own text
    mentions maintenance or hidden things is still a work.
    """
    parts = urlsplit(url)
    if parts.path.rstrip("/") == "/users/login":
        query = parse_qs(parts.query, keep_blank_values=True)
        if "high_load" in query:
            return Problem.DOWN
        return Problem.RESTRICTED if "restricted" in query else Problem.HIDDEN
    if status in (404, 410):
        return Problem.DELETED
    if status >= 500:
        return Problem.DOWN
    root = _root(html)
    if _download_href(root) is not None:
        return None
    text = _page_text(root).lower()
    for problem, phrases in _NOTICES:
        if any(phrase in text for phrase in phrases):
            return problem
    return None


def download_link(html: str, base: str) -> str | None:
    """The address, on the Archive at `base`, of the HTML download a work page offers, or
    None when it offers none."""
    href = _download_href(_root(html))
    return None if href is None else _on(base, href)


def _download_href(root: etree._Element) -> str | None:
    for menu in _with_class(root, "li", "download"):
        for link in menu.iter("a"):
            parts = urlsplit((link.get("href") or "").strip())
            host = (parts.hostname or "").lower()
            if host and host not in AO3_HOSTS:
                continue
            if parts.path.startswith("/downloads/") and parts.path.lower().endswith(".html"):
                return _path_and_query(parts)
    return None


def work_status(html: str) -> WorkStatus:
    """The chapter count and title on a work page.

    Raises `ValueError` when the page shows no chapter count, as no work page of AO3's does.
    """
    root = _root(html)
    for stat in _with_class(root, "dd", "chapters"):
        found = _CHAPTERS.match(_text_of(stat))
        if found:
            posted = int(found[1].replace(",", ""))
            total = None if found[2] == "?" else int(found[2].replace(",", ""))
            complete = total is not None and posted >= total
            return WorkStatus(posted, total, complete, _title(root))
    raise ValueError("the page shows no chapter count")


def series_works(html: str) -> list[tuple[int, str]]:
    """The works a series page lists, as (id, title), in the series' order."""
    root = _root(html)
    lists = [ul for ul in _with_class(root, "ul", "series") if _has_class(ul, "work")]
    works: dict[int, str] = {}
    for scope in lists or [root]:
        for item in _with_class(scope, "li", "blurb"):
            found = _WORK_ITEM.match(item.get("id") or "")
            if found and (title := _blurb_title(item, found[1])) is not None:
                works.setdefault(int(found[1]), title)
    return list(works.items())


def next_page(html: str, base: str) -> str | None:
    """The address, on the Archive at `base`, of the page after this one in a list that runs
    over several, if any."""
    for link in _root(html).iter("a"):
        if "next" in (link.get("rel") or "").split():
            parts = urlsplit((link.get("href") or "").strip())
            if parts.path.startswith("/"):
                return _on(base, _path_and_query(parts))
    return None


def _on(base: str, path: str) -> str:
    """`path` (with its query) on the Archive at `base`, whatever host the page named."""
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))


def _path_and_query(parts: SplitResult) -> str:
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _blurb_title(item: etree._Element, work_id: str) -> str | None:
    for heading in _with_class(item, "h4", "heading"):
        for link in heading.iter("a"):
            found = _WORK_HREF.match(link.get("href") or "")
            if found and found[1] == work_id:
                return _text_of(link) or f"Work {work_id}"
    return None


def _title(root: etree._Element) -> str:
    for heading in _with_class(root, "h2", "title"):
        if title := _text_of(heading):
            return title
    return ""


def _root(html: str) -> etree._Element:
    # Bytes with a named encoding, so a page that declares one in an XML prologue still parses.
    data = html.encode("utf-8", "replace")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        root = lxml.html.fromstring(data, parser=parser)
    except etree.ParserError:  # nothing but space, comments or a doctype
        root = None
    return root if root is not None else etree.Element("html")


def _page_text(root: etree._Element) -> str:
    pieces = []
    for element in root.iter():
        if element.text and element.tag not in ("script", "style"):
            pieces.append(element.text)
        if element.tail:
            pieces.append(element.tail)
    return " ".join(" ".join(pieces).split())


def _text_of(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _with_class(root: etree._Element, tag: str, name: str) -> list[etree._Element]:
    return [el for el in root.iter(tag) if _has_class(el, name)]


def _has_class(element: etree._Element, name: str) -> bool:
    return name in (element.get("class") or "").split()
