"""Fetching from an AO3 stand-in on localhost: outcomes, and the manners kept while fetching.

Time is fake: the client's clock and sleep are a `FakeTime`, whose sleep moves the clock on at
once, and the stand-in records each request's arrival on that clock. So "at least five
seconds apart" is checked exactly, without waiting five seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.ao3.client import (
    DEFAULT_RETRY_AFTER_S,
    MAX_REDIRECTS,
    USER_AGENT,
    Ao3Client,
    Ao3Error,
    about,
    queue_note,
    retry_after,
)
from bot.ao3.pages import Problem, WorkStatus
from bot.text.story import StoryError
from tests.ao3_site import (
    ONESHOT_DOWNLOAD,
    SITE,
    FakeAo3,
    FakeTime,
    Wip,
    body,
    limited,
    page,
    redirect,
)

DELAY = 5.0
WALL = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def client(ao3, fake_time):
    async with make_client(ao3.base, fake_time) as client:
        yield client


def make_client(base: str, fake_time: FakeTime, **options) -> Ao3Client:
    options.setdefault("timeout", 5.0)
    return Ao3Client(
        base, delay=DELAY, clock=fake_time.clock, sleep=fake_time.sleep, now=lambda: WALL,
        **options,
    )


def assert_polite(ao3: FakeAo3) -> None:
    starts = ao3.starts()
    assert all(later - earlier >= DELAY for earlier, later in itertools.pairwise(starts))
    assert {seen.user_agent for seen in ao3.seen} == {USER_AGENT}


async def failure(call: Awaitable[object]) -> Ao3Error:
    with pytest.raises(Ao3Error) as caught:
        await call
    return caught.value


# Fetching works


async def test_a_one_shot_is_fetched_with_its_download(ao3, client):
    fetched = await client.fetch_work(101)
    assert fetched.html_download == (SITE / "download_oneshot.html").read_bytes()
    assert fetched.file_name == "The Lantern Ferry.html"
    assert fetched.status == WorkStatus(1, 1, True, "The Lantern Ferry")
    assert fetched.url == f"{ao3.base}/works/101"
    assert [seen.path for seen in ao3.seen] == [
        "/works/101?view_adult=true",
        f"{ONESHOT_DOWNLOAD}?updated_at=1700000000",
    ]
    assert_polite(ao3)


async def test_progress_tells_of_the_download(ao3, client):
    notes = []

    async def note(text):
        notes.append(text)

    await client.fetch_work(101, note)
    assert notes == ["Downloading “The Lantern Ferry” (1/1 chapter) from AO3…"]


async def test_a_work_in_progress_gains_a_chapter_between_fetches(ao3, client):
    wip = Wip(ao3)
    first = await client.fetch_work(222)
    assert first.status == WorkStatus(1, None, False, "Salt Roads, Slowly")
    assert first.file_name == "Salt Roads Slowly.html"
    assert b"part 1" in first.html_download and b"part 2" not in first.html_download

    wip.chapters = 2
    assert await client.work_status(222) == WorkStatus(2, None, False, "Salt Roads, Slowly")
    second = await client.fetch_work(222)
    assert second.status.chapters_posted == 2
    assert b"part 2" in second.html_download
    assert "/works/222/chapters/333?view_adult=true" in [seen.path for seen in ao3.seen]
    assert_polite(ao3)


async def test_a_deleted_work(ao3, client):
    error = await failure(client.fetch_work(404))
    assert error.kind == Problem.DELETED == "deleted"
    assert str(error) == "AO3 says work 404 does not exist (it may have been deleted)."
    assert isinstance(error, StoryError)
    assert len(ao3.seen) == 1


async def test_a_work_only_logged_in_users_may_see(ao3, client):
    ao3.on("/works/303", redirect("/users/login?restricted=true"))
    ao3.on("/users/login", page("login_restricted.html"))
    error = await failure(client.fetch_work(303))
    assert error.kind == Problem.RESTRICTED
    assert str(error) == "Work 303 is visible only to logged-in AO3 users, so I can't fetch it."
    assert ao3.paths() == ["/works/303"]  # where it leads says enough


async def test_a_work_hidden_from_guests(ao3, client):
    ao3.on("/works/305", redirect("/users/login"))
    ao3.on("/users/login", page("login_restricted.html"))
    error = await failure(client.fetch_work(305))
    assert error.kind == Problem.HIDDEN
    assert str(error).startswith("Work 305 is hidden on AO3 right now")


async def test_an_unrevealed_work(ao3, client):
    ao3.on("/works/306", page("work_unrevealed.html"))
    error = await failure(client.fetch_work(306))
    assert error.kind == Problem.HIDDEN
    assert "can't fetch it" in str(error)


async def test_a_work_page_without_a_download(ao3, client):
    ao3.on("/works/307", body('<dd class="chapters">1/1</dd><p>Adult content ahead.</p>'))
    error = await failure(client.fetch_work(307))
    assert error.kind == Problem.BAD_RESPONSE
    assert str(error) == "AO3's page for work 307 offers no HTML download, so I can't fetch it."


async def test_a_download_that_is_not_html(ao3, client):
    ao3.on(ONESHOT_DOWNLOAD, body(b"%PDF-1.7 not a web page", content_type="application/pdf"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.BAD_RESPONSE
    assert "something other than the HTML download of work 101" in str(error)


async def test_a_download_that_is_gone(ao3, client):
    ao3.on(ONESHOT_DOWNLOAD, page("not_found.html", status=404))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.NOT_FOUND
    assert len(ao3.seen) == 2


async def test_a_download_larger_than_the_limit(ao3, fake_time):
    async with make_client(ao3.base, fake_time, max_bytes=1024) as client:
        error = await failure(client.fetch_work(101))
    assert error.kind == Problem.BAD_RESPONSE
    assert "more than I can take" in str(error)


async def test_downloads_closed_to_guests_under_high_load(ao3, client):
    ao3.on(ONESHOT_DOWNLOAD, redirect("/users/login?high_load=true"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.DOWN
    assert len(ao3.seen) == 2


async def test_a_redirect_to_another_site_is_not_followed(ao3, client):
    ao3.on("/works/101", redirect("https://elsewhere.example/works/101"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.BAD_RESPONSE
    assert len(ao3.seen) == 1


async def test_redirects_in_a_loop_are_given_up_politely(ao3, client):
    ao3.on("/works/101", redirect("/works/101"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.BAD_RESPONSE
    assert len(ao3.seen) == MAX_REDIRECTS + 1
    assert_polite(ao3)


async def test_a_failing_progress_note_does_not_stop_the_fetch(ao3, client):
    async def broken(text):
        raise RuntimeError("the message was deleted")

    assert (await client.fetch_work(101, broken)).file_name == "The Lantern Ferry.html"


# AO3 down, slow, or asking for room


async def test_maintenance(ao3, client):
    ao3.on("/works/101", page("maintenance.html"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.DOWN
    assert str(error) == "AO3 is down or not answering right now; try again later."


async def test_a_server_error_is_down_and_not_retried(ao3, client):
    ao3.on("/works/101", body("<h1>Oops</h1>", status=500))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.DOWN
    assert len(ao3.seen) == 1


@pytest.mark.parametrize("status", [400, 403, 418])
async def test_other_client_errors_are_final(ao3, client, status):
    ao3.on("/works/101", body("<h1>No</h1>", status=status))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.BAD_RESPONSE
    assert f"HTTP {status}" in str(error)
    assert len(ao3.seen) == 1
    assert all(wait < DEFAULT_RETRY_AFTER_S for wait in ao3.time.waits)


async def test_a_slow_answer_times_out(ao3, fake_time):
    async def slow(request):
        await asyncio.wait_for(ao3.release.wait(), 10)
        return await page("work_oneshot.html")(request)

    ao3.on("/works/101", slow)
    async with make_client(ao3.base, fake_time, timeout=0.5) as client:
        error = await failure(client.fetch_work(101))
    assert error.kind == Problem.TIMEOUT
    assert str(error) == "AO3 took too long to answer; try again later."


async def test_nobody_answering_is_down(fake_time):
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    async with make_client(f"http://127.0.0.1:{port}", fake_time) as client:
        error = await failure(client.fetch_work(101))
    assert error.kind == Problem.DOWN


@pytest.mark.parametrize(("after", "wait"), [
    ("120", 120.0),
    (None, DEFAULT_RETRY_AFTER_S),
    ("soon", DEFAULT_RETRY_AFTER_S),
    (format_datetime(WALL + timedelta(seconds=90), usegmt=True), 90.0),
])
async def test_too_many_requests_waits_as_asked(ao3, client, fake_time, after, wait):
    ao3.on("/works/101", limited(429, after), page("work_oneshot.html"))
    notes = []

    async def note(text):
        notes.append(text)

    fetched = await client.fetch_work(101, note)
    assert fetched.status.complete
    starts = ao3.starts()
    assert ao3.paths()[:2] == ["/works/101", "/works/101"]
    assert starts[1] - starts[0] == wait
    assert wait in fake_time.waits
    assert notes[0] == f"AO3 asked me to wait; trying again in about {about(wait)}."
    assert_polite(ao3)


async def test_a_busy_server_is_tried_again_after_its_wait(ao3, client):
    ao3.on("/works/101", limited(503, "30"), page("work_oneshot.html"))
    await client.fetch_work(101)
    starts = ao3.starts()
    assert starts[1] - starts[0] == 30


async def test_a_server_busy_every_time_is_down(ao3, client):
    ao3.on("/works/101", page("maintenance.html", status=503))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.DOWN
    starts = ao3.starts()
    assert len(starts) == 3
    assert [b - a for a, b in itertools.pairwise(starts)] == [300, 300]


async def test_asked_to_wait_each_time_gives_up_after_two_retries(ao3, client):
    ao3.on("/works/101", limited(429, "60"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.RATE_LIMITED
    assert len(ao3.seen) == 3
    assert str(error) == (
        "AO3 asked me to wait 1 min before fetching anything else; try again after 12:01 UTC."
    )


async def test_a_wait_of_hours_is_not_sat_through(ao3, client, fake_time):
    ao3.on("/works/101", limited(429, "7200"), page("work_oneshot.html"))
    error = await failure(client.fetch_work(101))
    assert error.kind == Problem.RATE_LIMITED
    assert str(error) == (
        "AO3 asked me to wait 2 h before fetching anything else; try again after 14:00 UTC."
    )
    assert len(ao3.seen) == 1
    assert fake_time.waits == []
    # The next fetch is refused at once too, rather than hammering AO3 or waiting for hours.
    again = await failure(client.fetch_work(101))
    assert again.kind == Problem.RATE_LIMITED
    assert len(ao3.seen) == 1


# Politeness


async def test_requests_one_after_another_keep_the_delay(ao3, client, fake_time):
    for _ in range(3):
        await client.fetch_work(101)
    starts = ao3.starts()
    assert len(starts) == 6
    assert [b - a for a, b in itertools.pairwise(starts)] == [DELAY] * 5
    assert fake_time.waits == [DELAY] * 5
    assert_polite(ao3)


async def test_the_delay_counts_from_the_last_start(ao3, client, fake_time):
    await client.fetch_work(101)
    fake_time.now += 3
    await client.work_status(101)
    assert fake_time.waits[-1] == DELAY - 3
    fake_time.now += 60
    await client.work_status(101)
    assert fake_time.waits[-1] == DELAY - 3  # no wait once the delay has passed


async def test_concurrent_fetches_are_served_one_at_a_time(ao3, client):
    notes: dict[str, list[str]] = {"a": [], "b": [], "c": []}

    def noter(name):
        async def note(text):
            notes[name].append(text)

        return note

    results = await asyncio.gather(*(client.fetch_work(101, noter(n)) for n in "abc"))
    assert [r.file_name for r in results] == ["The Lantern Ferry.html"] * 3
    assert len(ao3.seen) == 6
    assert_polite(ao3)
    assert not any(n.startswith("Queued") for n in notes["a"])
    assert notes["b"][0].startswith("Queued behind 1 other fetch, about ")
    assert notes["c"][0].startswith("Queued behind 2 other fetches, about ")
    assert client.queued() == 0


async def test_the_queue_and_its_wait_while_a_request_is_under_way(ao3, client, fake_time):
    arrived, go_on = asyncio.Event(), asyncio.Event()

    async def held(request):
        arrived.set()
        await go_on.wait()
        return await page("work_oneshot.html")(request)

    ao3.on("/works/101", held)
    assert (client.queued(), client.wait_estimate()) == (0, 0)
    first = asyncio.create_task(client.fetch_work(101))
    await arrived.wait()
    # The first fetch's page request is under way; its download is still to come.
    assert client.queued() == 1
    assert client.wait_estimate() == DELAY + DELAY
    second = asyncio.create_task(client.work_status(101))
    for _ in range(5):
        await asyncio.sleep(0)
    assert client.queued() == 2
    assert client.wait_estimate() == DELAY + 2 * DELAY
    go_on.set()
    await asyncio.gather(first, second)
    assert client.queued() == 0
    assert_polite(ao3)


async def test_a_failed_fetch_leaves_the_queue(ao3, client):
    await failure(client.fetch_work(404))
    assert client.queued() == 0
    assert client.wait_estimate() == DELAY  # from the failed request's start


# Series


async def test_a_series_lists_its_works_over_its_pages(ao3, client):
    async def series_page(request):
        name = "series_page2.html" if request.query.get("page") == "2" else "series.html"
        return await page(name)(request)

    ao3.on("/series/77", series_page)
    # A summary on the first page mentions "hidden by an administrator": still a series.
    assert await client.series(77) == [
        (501, "First Tide & After"), (502, "Neap"), (504, "Spring Tide, Kept"),
    ]
    assert [seen.path for seen in ao3.seen] == ["/series/77", "/series/77?page=2"]
    assert_polite(ao3)


async def test_a_missing_series(ao3, client):
    error = await failure(client.series(9))
    assert error.kind == Problem.NOT_FOUND
    assert str(error) == "AO3 says series 9 does not exist (it may have been deleted)."


async def test_a_series_only_logged_in_users_may_see(ao3, client):
    ao3.on("/series/8", redirect("/users/login?restricted=true"))
    ao3.on("/users/login", page("login_restricted.html"))
    error = await failure(client.series(8))
    assert error.kind == Problem.RESTRICTED
    assert str(error).startswith("Series 8 is visible only to logged-in AO3 users")


# The words and numbers around the queue


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after("45", WALL) == 45
    assert retry_after(" 0 ", WALL) == 0
    assert retry_after(format_datetime(WALL + timedelta(minutes=10), usegmt=True), WALL) == 600
    assert retry_after("Sat, 01 Jun 2024 11:00:00 GMT", WALL) == 0
    assert retry_after(None, WALL) == DEFAULT_RETRY_AFTER_S
    assert retry_after("", WALL) == DEFAULT_RETRY_AFTER_S
    assert retry_after("-5", WALL) == DEFAULT_RETRY_AFTER_S
    assert retry_after("tomorrow", WALL) == DEFAULT_RETRY_AFTER_S
    assert retry_after("9" * 40, WALL) > 3600


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "1 s"), (0.2, "1 s"), (15, "15 s"), (59.5, "1 min"), (60, "1 min"), (61, "2 min"),
    (300, "5 min"), (3600, "1 h"), (7800, "2 h 10 min"), (float("inf"), "a very long time"),
])
def test_about(seconds, words):
    assert about(seconds) == words


def test_queue_note():
    assert queue_note(1, 10) == "Queued behind 1 other fetch, about 10 s."
    assert queue_note(2, 15) == "Queued behind 2 other fetches, about 15 s."
