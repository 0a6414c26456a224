"""An AO3 stand-in on localhost, for every test that fetches from "AO3".

`serve_ao3(time)` starts a small aiohttp server that answers like AO3 does for the paths a
test sets up (`FakeAo3.on`) and with AO3's 404 page for every other path; it records each
request's arrival on a `FakeTime`, the clock a test gives the `Ao3Client` too, whose sleep
moves the clock on at once. So the client's waits cost no real time, and "at least five
seconds apart" is checked exactly on the fake clock.

Out of the box it serves one complete one-shot, work 101 ("The Lantern Ferry"). `Wip` adds
work 222, a work in progress that gains chapters when a test says so. The pages are the
original pages in `tests/ao3/site/`; nothing here touches the real network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from tests.helpers import prose

SITE = Path(__file__).parent / "ao3" / "site"
ONESHOT_DOWNLOAD = "/downloads/101/The%20Lantern%20Ferry.html"
WIP_DOWNLOAD = "/downloads/222/Salt%20Roads%20Slowly.html"

Responder = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fixture(name: str) -> str:
    return (SITE / name).read_text(encoding="utf-8")


class FakeTime:
    """A clock that only moves when the client sleeps, and a record of those sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Seen:
    path: str  # with its query
    at: float  # on the fake clock
    user_agent: str | None


class FakeAo3:
    """Serves what each test sets up for a path (percent-encoded, as AO3 links it), in turn
    (the last answer repeats), and records every request; other paths are AO3's 404 page."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.base = ""  # set once the server listens
        self.answers: dict[str, list[Responder]] = {}
        self.seen: list[Seen] = []
        self.release = asyncio.Event()  # lets slow answers finish when a test ends

    def on(self, path: str, *responders: Responder) -> None:
        self.answers[path] = list(responders)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        url = request.rel_url  # as sent, still percent-encoded
        self.seen.append(Seen(url.raw_path_qs, self.time.now, request.headers.get("User-Agent")))
        queue = self.answers.get(url.raw_path)
        if not queue:
            return await page("not_found.html", status=404)(request)
        responder = queue.pop(0) if len(queue) > 1 else queue[0]
        return await responder(request)

    def paths(self) -> list[str]:
        return [seen.path.split("?")[0] for seen in self.seen]

    def starts(self) -> list[float]:
        return [seen.at for seen in self.seen]


@contextlib.asynccontextmanager
async def serve_ao3(time: FakeTime) -> AsyncIterator[FakeAo3]:
    """The stand-in, listening on a free port of 127.0.0.1, serving work 101."""
    server = FakeAo3(time)
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base = f"http://{host}:{port}"
    server.on("/works/101", page("work_oneshot.html"))
    server.on(ONESHOT_DOWNLOAD, page("download_oneshot.html"))
    try:
        yield server
    finally:
        server.release.set()
        await runner.cleanup()


def page(name: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Responder:
    return body(fixture(name), status=status, headers=headers)


def body(
    data: str | bytes,
    *,
    status: int = 200,
    content_type: str = "text/html",
    headers: dict[str, str] | None = None,
) -> Responder:
    async def respond(request: web.Request) -> web.StreamResponse:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        charset = "utf-8" if content_type.startswith("text/") else None
        return web.Response(
            body=raw, status=status, content_type=content_type, charset=charset,
            headers=headers,
        )

    return respond


def redirect(location: str) -> Responder:
    async def respond(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location)

    return respond


def limited(status: int = 429, after: str | None = None) -> Responder:
    headers = {"Retry-After": after} if after is not None else None
    return body("<html><body><p>Retry later</p></body></html>", status=status, headers=headers)


def gone() -> Responder:
    """AO3's answer for a work that was deleted."""
    return page("not_found.html", status=404)


def download(title: str, chapters: int, *, rating: str | None = None,
             paragraphs: int = 0) -> str:
    """An AO3 HTML download of a multi-chapter work with `chapters` posted. Each chapter
    starts "Carts and bells, part N." and, with `paragraphs`, goes on in original prose
    long enough to fill pages. With `rating`, it is a download as AO3 makes one, with the
    tag list in its preface and an afterword."""
    texts = "".join(
        f'<div class="meta group"><h2 class="heading">Chapter {n}</h2></div>'
        f'<div class="userstuff"><p>Carts and bells, part {n}.</p>'
        + "".join(f"<p>{paragraph}</p>" for paragraph in _paragraphs(n, paragraphs))
        + "</div>"
        for n in range(1, chapters + 1)
    )
    tags = "" if rating is None else (
        '<div class="meta"><dl class="tags">'
        f'<dt>Rating:</dt><dd><a href="http://archiveofourown.org/tags/x">{rating}</a></dd>'
        '<dt>Fandom:</dt><dd><a href="http://archiveofourown.org/tags/y">Original Work</a></dd>'
        f"<dt>Stats:</dt><dd>Published: 2024-03-01 Chapters: {chapters}/?</dd>"
        "</dl></div>"
    )
    afterword = "" if rating is None else (
        '<div id="afterword"><p class="message">Please drop by the Archive and comment to '
        "let the creator know if you enjoyed their work!</p></div>"
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>"
        f"<title>{title}</title></head><body>"
        f'<div id="preface">{tags}<h1>{title}</h1></div><div id="chapters">{texts}</div>'
        f"{afterword}</body></html>"
    )


def _paragraphs(chapter: int, paragraphs: int) -> list[str]:
    if not paragraphs:
        return []
    return prose(chapter * 10, paragraphs).split("\n\n")


class Wip:
    """A work in progress on the stand-in, shown like AO3 shows one: /works/222 sends a guest
    to its first chapter, whose page counts the chapters posted so far. Set `chapters` to
    post more; `rating` and `paragraphs` shape its download (see `download`)."""

    title = "Salt Roads, Slowly"

    def __init__(self, ao3: FakeAo3, *, rating: str | None = None, paragraphs: int = 0) -> None:
        self.chapters = 1
        self.rating = rating
        self.paragraphs = paragraphs
        ao3.on("/works/222", redirect("/works/222/chapters/333"))
        ao3.on("/works/222/chapters/333", self.work_page)
        ao3.on(WIP_DOWNLOAD, self.download)

    async def work_page(self, request: web.Request) -> web.StreamResponse:
        html = fixture("work_wip.html").replace(
            '334">2</a>/?', f'334">{self.chapters}</a>/?'
        ).replace("1710000000", str(1710000000 + self.chapters))
        return await body(html)(request)

    async def download(self, request: web.Request) -> web.StreamResponse:
        text = download(self.title, self.chapters, rating=self.rating,
                        paragraphs=self.paragraphs)
        return await body(text)(request)
