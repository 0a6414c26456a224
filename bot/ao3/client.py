"""Fetching works from AO3, one polite request at a time.

AO3 is run by volunteers on donated servers and asks automated clients to go gently, so the
manners are built in rather than left to callers:

- one request at a time: an `asyncio.Lock` is held for each request, and the bot makes one
  `Ao3Client`, so one queue serves every server it is in; given the database's `turns`,
  across all the bot's processes too: a start is claimed only while no request is in
  flight, and AO3 is leased until the timeout and a margin have passed, given back as soon
  as the request ends (`bot.ao3.pace`);
- at least `delay` seconds (`AO3_DELAY_S`, 5 by default) from the start of one request to
  the start of the next; given `turns`, for all the processes together (each start is
  claimed there, on the wall clock), and a pause AO3 asked for outlives a restart;
- a redirect is a request like any other and waits its turn; one to AO3's log-in page is
  not followed at all, since where it leads already says why the work cannot be had;
- a User-Agent that names the bot and where to find it;
- when AO3 answers 429 or 503 it is left alone for as long as its `Retry-After` says (seconds
  or an HTTP date; 300 s when it says nothing) before the request is tried again, at most
  twice; a wait of over an hour is not sat through, the member is told when to try again;
- other 4xx answers are final and never retried, and every request gives up after `timeout`.

Whatever goes wrong becomes an `Ao3Error` whose `kind` (a `Problem`) says what happened and
whose message can be shown to the member as it is. The clock and the sleep are injected, so
tests drive the waits without spending real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import aiohttp

from bot.ao3.links import AO3_HOSTS, series_url, work_url
from bot.ao3.pace import LONGEST_WAIT_S, Pace
from bot.ao3.pages import (
    Problem,
    WorkStatus,
    classify,
    download_link,
    next_page,
    series_works,
    work_status,
)
from bot.text.story import StoryError

if TYPE_CHECKING:
    from bot.storage.turns import RequestTurns

log = logging.getLogger(__name__)

USER_AGENT = "storybot/1.0 (+https://github.com/storybot/storybot; Discord reading bot)"
DEFAULT_URL = "https://archiveofourown.org"
DEFAULT_DELAY_S = 5.0
DEFAULT_TIMEOUT_S = 30.0
#: How long to leave AO3 alone after a 429 or 503 that gives no Retry-After.
DEFAULT_RETRY_AFTER_S = 300.0
#: A lease on AO3 lasts the request's timeout and this much more (see `RequestTurns`).
LEASE_MARGIN_S = 10.0
RETRIES = 2
#: AO3 sends a multi-chapter work's page on to its first chapter: one hop; a few more is plenty.
MAX_REDIRECTS = 3
#: A series page lists 20 works; ten pages is more than any series a server reads from.
MAX_SERIES_PAGES = 10
#: Room for the longest real works (some 30 MB of text, see `bot.parsers.budget`) as HTML.
MAX_BYTES = 64 * 1024 * 1024

Progress = Callable[[str], Awaitable[None]]

_DOWN = "AO3 is down or not answering right now; try again later."
_MESSAGES = {
    Problem.DELETED: "AO3 says {what} does not exist (it may have been deleted).",
    Problem.NOT_FOUND: "AO3 says {what} does not exist (it may have been deleted).",
    Problem.RESTRICTED: "{What} is visible only to logged-in AO3 users, so I can't fetch it.",
    Problem.HIDDEN: (
        "{What} is hidden on AO3 right now (it may be waiting to be revealed by a challenge, "
        "or hidden by AO3's admins), so I can't fetch it."
    ),
    Problem.DOWN: _DOWN,
}


class Ao3Error(StoryError):
    """A work or series that could not be fetched; `kind` says why, the message says it to
    the member."""

    def __init__(self, kind: Problem, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Fetched:
    """A work's HTML download, the name AO3 gives its file, and its chapter count."""

    html_download: bytes
    file_name: str
    status: WorkStatus
    url: str


@dataclass(frozen=True, slots=True)
class _Page:
    status: int
    url: str
    body: bytes
    content_type: str
    charset: str | None
    retry_after: str | None
    location: str | None  # where a redirect leads

    @property
    def text(self) -> str:
        try:
            return self.body.decode(self.charset or "utf-8", "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")


@dataclass(slots=True)
class _Ticket:
    requests: int  # the requests a fetch still means to make, for the wait estimate


class Ao3Client:
    """The bot's one way to AO3: fetches queue here and go out at a polite pace."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        delay: float = DEFAULT_DELAY_S,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),  # wall clock, for dates
        max_bytes: int = MAX_BYTES,
        turns: RequestTurns | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._delay = delay
        # Turns shared with other processes are times every process reads alike.
        self._clock = clock or (time.time if turns is not None else time.monotonic)
        self._pace = Pace(urlsplit(self.base_url).netloc or self.base_url, delay,
                          clock=self._clock, sleep=sleep, turns=turns,
                          lease=timeout + LEASE_MARGIN_S, too_long=self._rate_limited)
        self._now = now
        self._session_factory = session_factory
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        self._fetches = 0  # running or waiting their turn
        self._requests_ahead = 0  # still to be made by those fetches

    async def __aenter__(self) -> Ao3Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def queued(self) -> int:
        """How many fetches a new one would queue behind: the one running and those waiting."""
        return self._fetches

    def wait_estimate(self) -> float:
        """About how many seconds before a new fetch gets its turn, counting every request
        the fetches ahead of it still mean to make."""
        now = self._clock()
        return max(0.0, self._pace.next_slot() - now) + self._delay * self._requests_ahead

    async def fetch_work(self, work_id: int, progress: Progress | None = None) -> Fetched:
        """A work's official HTML download, and how many chapters it has.

        `progress` hears about the queue ahead, waits AO3 asks for, and the download starting.
        Raises `Ao3Error`.
        """
        found = await self.check_work(work_id, -1, progress)
        assert isinstance(found, Fetched)
        return found

    async def check_work(self, work_id: int, known_chapters: int,
                         progress: Progress | None = None) -> Fetched | WorkStatus:
        """How far a work is; its download too, from the same look at its page, when it has
        more than `known_chapters` chapters (a check asks once, and downloads only news).
        Raises `Ao3Error`."""
        what = f"work {work_id}"
        async with self._fetch(2 if known_chapters < 0 else 1, progress) as ticket:
            page = await self._get(self._work_page(work_id), ticket, progress)
            self._check(page, what, Problem.DELETED)
            status = self._status(page, work_id)
            if status.chapters_posted <= known_chapters:
                return status
            href = download_link(page.text, self.base_url)
            if href is None:
                raise Ao3Error(
                    Problem.BAD_RESPONSE,
                    f"AO3's page for {what} offers no HTML download, so I can't fetch it.",
                )
            if known_chapters >= 0:  # a check counted on one request: the download is another
                ticket.requests += 1
                self._requests_ahead += 1
            await _say(progress, f"Downloading “{status.title}” ({_chapters(status)}) from AO3…")
            download = await self._get(href, ticket, progress)
            # The download is the work's own text: AO3's notices are not looked for in it.
            self._check(download, f"the download of {what}", Problem.NOT_FOUND, notices=False)
            if not _is_html(download):
                raise Ao3Error(
                    Problem.BAD_RESPONSE,
                    f"AO3 sent something other than the HTML download of {what}; "
                    "try again later.",
                )
            name = _file_name(download.url, work_id)
            return Fetched(download.body, name, status, work_url(self.base_url, work_id))

    async def work_status(self, work_id: int, progress: Progress | None = None) -> WorkStatus:
        """How many chapters a work has now, and whether it is complete. Raises `Ao3Error`."""
        async with self._fetch(1, progress) as ticket:
            page = await self._get(self._work_page(work_id), ticket, progress)
            self._check(page, f"work {work_id}", Problem.DELETED)
            return self._status(page, work_id)

    async def series(
        self, series_id: int, progress: Progress | None = None
    ) -> list[tuple[int, str]]:
        """The works of a series a guest may see, as (id, title) in the series' order; empty
        when it shows none. Raises `Ao3Error`."""
        what = f"series {series_id}"
        first = series_url(self.base_url, series_id)
        works: dict[int, str] = {}
        async with self._fetch(1, progress) as ticket:
            url = first
            for _ in range(MAX_SERIES_PAGES):
                page = await self._get(url, ticket, progress)
                found = series_works(page.text) if page.status == 200 else []
                # A page listing works is the series, whatever their summaries say.
                self._check(page, what, Problem.NOT_FOUND, notices=not found)
                for work_id, title in found:
                    works.setdefault(work_id, title)
                later = next_page(page.text, self.base_url)
                if later is None or urlsplit(later).path.rstrip("/") != urlsplit(first).path:
                    break
                url = later
                ticket.requests += 1
                self._requests_ahead += 1
        return list(works.items())

    async def close(self) -> None:
        """Close the connection to AO3; a later fetch opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _work_page(self, work_id: int) -> str:
        # AO3 asks guests to confirm before showing a work rated for adults.
        return f"{work_url(self.base_url, work_id)}?view_adult=true"

    @contextlib.asynccontextmanager
    async def _fetch(self, requests: int, progress: Progress | None) -> AsyncIterator[_Ticket]:
        ahead, wait = self.queued(), self.wait_estimate()
        ticket = _Ticket(requests)
        self._fetches += 1
        self._requests_ahead += requests
        try:
            if ahead:
                await _say(progress, queue_note(ahead, wait))
            yield ticket
        finally:
            self._fetches -= 1
            self._requests_ahead -= ticket.requests

    async def _get(self, url: str, ticket: _Ticket, progress: Progress | None) -> _Page:
        for _ in range(MAX_REDIRECTS + 1):
            page = await self._request(url, ticket, progress)
            if page.location is None:
                return page
            url = self._follow(page)
            if urlsplit(url).path.rstrip("/") == "/users/login":
                # The address alone says why: restricted, hidden, or AO3 too busy for guests.
                return _Page(200, url, b"", "text/html", charset=None, retry_after=None,
                             location=None)
        raise Ao3Error(Problem.BAD_RESPONSE, "AO3 kept sending me elsewhere; try again later.")

    def _follow(self, page: _Page) -> str:
        parts = urlsplit(urljoin(page.url, page.location or ""))
        hosts = AO3_HOSTS | {urlsplit(self.base_url).hostname}
        if parts.scheme not in ("http", "https") or parts.hostname not in hosts:
            raise Ao3Error(
                Problem.BAD_RESPONSE, "AO3 sent me to another site, so I stopped there."
            )
        if parts.path.startswith("/works/") and "view_adult=" not in parts.query:
            # A work's first chapter, say: it asks about adult content again without the cookie.
            parts = parts._replace(query="&".join(filter(None, [parts.query, "view_adult=true"])))
        return urlunsplit(parts)

    async def _request(self, url: str, ticket: _Ticket, progress: Progress | None) -> _Page:
        async with self._lock:
            for attempt in range(RETRIES + 1):
                start = await self._pace.turn()
                if attempt == 0 and ticket.requests:
                    ticket.requests -= 1
                    self._requests_ahead -= 1
                try:
                    page = await self._send(url)
                    if page.status not in (429, 503):
                        return page
                    wait = retry_after(page.retry_after, self._now())
                    await self._pace.hold(wait)  # before the turn is given back
                finally:
                    await self._pace.done(start)
                log.warning("AO3 answered %s to %s; leaving it alone %.0f s", page.status, url,
                            wait)
                if attempt == RETRIES or wait > LONGEST_WAIT_S:
                    break
                await _say(progress, f"AO3 asked me to wait; trying again in about {about(wait)}.")
        if page.status == 503:
            return page  # down: `_check` says so
        raise self._rate_limited(wait)

    async def _send(self, url: str) -> _Page:
        if self._session is None:
            self._session = (self._session_factory or aiohttp.ClientSession)()
        try:
            async with self._session.get(
                url, headers={"User-Agent": USER_AGENT}, timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                body = await _read(response, self._max_bytes)
                redirect = response.status in (301, 302, 303, 307, 308)
                return _Page(
                    response.status,
                    str(response.url),
                    body,
                    response.content_type,
                    response.charset,
                    response.headers.get("Retry-After"),
                    response.headers.get("Location") if redirect else None,
                )
        except TimeoutError:
            raise Ao3Error(
                Problem.TIMEOUT, "AO3 took too long to answer; try again later."
            ) from None
        except aiohttp.ClientError as exc:
            log.info("AO3 not reached at %s: %s", url, exc)
            raise Ao3Error(Problem.DOWN, _DOWN) from None

    def _check(self, page: _Page, what: str, missing: Problem, *, notices: bool = True) -> None:
        problem = classify(page.status, page.url, page.text if notices else "")
        if problem is Problem.DELETED:
            problem = missing
        if problem is not None:
            raise Ao3Error(problem, _message(problem, what))
        if page.status != 200:
            raise Ao3Error(
                Problem.BAD_RESPONSE,
                f"AO3 would not give me {what} (HTTP {page.status}); try again later.",
            )

    def _status(self, page: _Page, work_id: int) -> WorkStatus:
        try:
            status = work_status(page.text)
        except ValueError:
            raise Ao3Error(
                Problem.BAD_RESPONSE,
                f"AO3's page for work {work_id} does not say how many chapters it has, "
                "so I can't fetch it.",
            ) from None
        if not status.title:
            status = replace(status, title=f"Work {work_id}")
        return status

    def _rate_limited(self, wait: float) -> Ao3Error:
        when = self._now() + timedelta(seconds=wait)
        at = f"{when:%H:%M} UTC" if wait < 20 * 3600 else f"{when.day} {when:%B, %H:%M} UTC"
        return Ao3Error(
            Problem.RATE_LIMITED,
            f"AO3 asked me to wait {about(wait)} before fetching anything else; "
            f"try again after {at}.",
        )


def retry_after(value: str | None, now: datetime) -> float:
    """The seconds a `Retry-After` header asks for, given as seconds or as an HTTP date;
    `DEFAULT_RETRY_AFTER_S` when there is none or it cannot be read."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value) if len(value) <= 12 else math.inf
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER_S
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def queue_note(ahead: int, wait: float) -> str:
    """What a member is told while their fetch waits behind others."""
    fetches = "fetch" if ahead == 1 else "fetches"
    return f"Queued behind {ahead} other {fetches}, about {about(wait)}."


def about(seconds: float) -> str:
    """A wait in the words a member reads at a glance: `15 s`, `5 min`, `2 h 10 min`."""
    if not math.isfinite(seconds):
        return "a very long time"
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _message(problem: Problem, what: str) -> str:
    template = _MESSAGES.get(problem, _DOWN)
    return template.format(what=what, What=what[:1].upper() + what[1:])


def _chapters(status: WorkStatus) -> str:
    total = "?" if status.chapters_total is None else status.chapters_total
    word = "chapter" if status.chapters_posted == 1 and total == 1 else "chapters"
    return f"{status.chapters_posted}/{total} {word}"


def _is_html(page: _Page) -> bool:
    start = page.body[:4096].lower()
    looks_html = b"<html" in start or b"<!doctype html" in start
    return page.content_type in ("text/html", "application/xhtml+xml") and looks_html


def _file_name(url: str, work_id: int) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = "".join(c for c in name if c.isprintable() and c not in '\\/:*?"<>|').strip(" .")
    if not name.lower().endswith(".html") or name.lower() == ".html":
        return f"Work {work_id}.html"
    return name


async def _read(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if (response.content_length or 0) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> Ao3Error:
    return Ao3Error(
        Problem.BAD_RESPONSE,
        f"AO3 sent more than {limit // (1024 * 1024)} MB for one page, more than I can take.",
    )


async def _say(progress: Progress | None, note: str) -> None:
    # A note that cannot be shown (the member's message was deleted) must not stop the fetch.
    if progress is None:
        return
    try:
        await progress(note)
    except Exception:
        log.warning("could not show a progress note", exc_info=True)
