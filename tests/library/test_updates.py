"""Works in progress in the core: `UpdatesService` deciding which linked works are due a
check, checking them on the AO3 stand-in (`tests/ao3_site.py`, on a fake clock), claiming
each new chapter's announcement once, what an announcement says, and /follow.

Built as the bot builds it: a real SQLite file, the story store and the folder's library,
then `Services.start()`; the `Ao3Client` points at the stand-in, so nothing leaves localhost
and no test waits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from aiohttp import web

from bot.ao3.client import Ao3Client
from bot.library.admin import AddedAnswer
from bot.library.shelf import STORED_VERSION
from bot.library.updates import (
    IDLE_SLEEP,
    MAX_SLEEP,
    MIN_SLEEP,
    Announcement,
    chapter_name,
)
from bot.reading.gate import Place
from bot.reading.service import Shown, Viewer
from bot.services import Services
from bot.storage.database import Database
from bot.storage.server_stories import ServerStory
from tests.ao3_site import FakeAo3, FakeTime, Wip, body, download, fixture
from tests.library.test_servers import TIDE, start_services

G1, G2 = 101, 202
ADMIN, READER, OTHER = 7, 9, 11
NOW = 1_700_000_000.0
HOURS = 12.0  # AO3_CHECK_HOURS, as Services defaults it
INTERVAL = HOURS * 3600
LATER = NOW + INTERVAL + 1  # just over an interval after the work was fetched
SALT = "salt-roads-slowly"  # work 222, a work in progress
FERRY = "the-lantern-ferry"  # work 101, complete
AUTHOR = "Marlow Pike"
NAMES = {2: "The Ford", 3: "Toll Bridge", 4: "Last Lantern"}
READER_HERE = Viewer(READER, Place(G1))


class NamedWip(Wip):
    """Work 222 as an AO3 download really is: by an author, with chapter titles
    ("Chapter 2: The Ford") from its second chapter on; `names = {}` leaves them untitled
    ("Chapter 2"), as AO3 names a chapter without a title."""

    names = NAMES

    async def download(self, request: web.Request) -> web.StreamResponse:
        text = download(self.title, self.chapters, rating=self.rating,
                        paragraphs=self.paragraphs)
        text = text.replace("<h1>", '<div class="byline">by <a rel="author" '
                            f'href="/users/marlow">{AUTHOR}</a></div><h1>', 1)
        for number, name in self.names.items():
            text = text.replace(f"Chapter {number}</h2>", f"Chapter {number}: {name}</h2>")
        return await body(text)(request)


def work_page(posted: int, total: int | None) -> web.StreamResponse:
    """Work 222's first chapter page saying `posted`/`total` chapters (None: "?")."""
    shown = "?" if total is None else str(total)

    async def respond(request: web.Request) -> web.StreamResponse:
        html = fixture("work_wip.html").replace('334">2</a>/?', f'334">{posted}</a>/{shown}')
        return await body(html)(request)
    return respond




async def started(folder: Path, database: Database, ao3: FakeAo3,
                  fake_time: FakeTime) -> Services:
    """The services as the bot starts them with AO3 links on, fetching from the stand-in."""
    services = await start_services(folder, database)
    services.stories.ao3 = Ao3Client(ao3.base, delay=5.0, clock=fake_time.clock,
                                     sleep=fake_time.sleep, timeout=5.0)
    return services


@pytest.fixture
async def bot(folder, database, ao3, fake_time):
    services = await started(folder, database, ao3, fake_time)
    yield services
    await services.shutdown()


@pytest.fixture
def wip(ao3) -> NamedWip:
    return NamedWip(ao3, rating="Mature")


async def add_wip(services: Services, guild_id: int = G1) -> str:
    answer = await services.stories.add_link(guild_id, ADMIN, "222", now=NOW)
    assert isinstance(answer, AddedAnswer), answer
    return answer.story_id


async def read(services: Services, story_id: str, user_id: int = READER,
               guild_id: int = G1) -> None:
    """A member opens the story (in an age-restricted channel: work 222 is rated Mature): a
    progress row."""
    outcome = await services.reading.open(Viewer(user_id, Place(guild_id, True)), story_id)
    assert isinstance(outcome, Shown), outcome


async def row(database: Database, story_id: str) -> ServerStory:
    found = await database.server_stories.catalogue(STORED_VERSION, 500)
    return next(r.story for r in found if r.story.story_id == story_id)


def announced(answer) -> Announcement:
    assert isinstance(answer, Announcement), answer
    return answer


# --- 1. what is due a check -----------------------------------------------------------------


async def test_only_linked_works_in_progress_that_someone_reads_are_due(bot, database, wip):
    assert await add_wip(bot) == SALT
    assert isinstance(await bot.stories.add_link(G1, ADMIN, "101", now=NOW), AddedAnswer)
    assert isinstance(await bot.stories.add_file(G1, ADMIN, "tide.md", TIDE, now=NOW),
                      AddedAnswer)

    # Nobody has read anything: nothing is worth asking AO3 about.
    assert await bot.updates.due(LATER) == []

    for story_id in (SALT, FERRY, "tide", "lantern"):
        await read(bot, story_id)
    # The complete work, the upload and the folder story are never checked.
    assert await bot.updates.due(LATER) == [SALT]
    assert await bot.updates.due(NOW + INTERVAL - 1) == []  # not yet an interval since
    assert await bot.updates.due(NOW + INTERVAL) == [SALT]  # due the moment it is one
    assert await bot.updates.due(NOW + 60) == []


async def test_a_work_someone_follows_is_due_though_nobody_read_it(bot, database, wip):
    await add_wip(bot, G1)
    there = await add_wip(bot, G2)
    assert there == f"{SALT}-2"
    await read(bot, SALT)
    assert await bot.updates.due(LATER) == [SALT]  # G2's copy: nobody reads or follows it

    await bot.updates.follow(Viewer(OTHER, Place(G2)), there, now=NOW)
    assert await bot.updates.due(LATER) == [SALT, there]

    await bot.updates.unfollow(Viewer(OTHER, Place(G2)), there)
    assert await bot.updates.due(LATER) == [SALT]


async def test_the_checking_loop_sleeps_until_the_next_check_falls_due(bot, wip):
    assert await bot.updates.sleep_after(NOW) == IDLE_SLEEP  # no work in progress at all
    await add_wip(bot)
    assert await bot.updates.sleep_after(NOW) == MAX_SLEEP  # nobody reads it yet
    await read(bot, SALT)
    assert await bot.updates.sleep_after(NOW + 60) == MAX_SLEEP
    assert await bot.updates.sleep_after(NOW + INTERVAL - 1800) == 1800
    assert await bot.updates.sleep_after(NOW + INTERVAL - 1) == MIN_SLEEP
    assert await bot.updates.sleep_after(LATER + INTERVAL) == MIN_SLEEP  # overdue
    await bot.stories.ao3.close()
    bot.stories.ao3 = None
    assert await bot.updates.sleep_after(NOW) == IDLE_SLEEP


async def test_nothing_is_due_with_ao3_links_turned_off(bot, wip):
    await add_wip(bot)
    await read(bot, SALT)
    await bot.stories.ao3.close()
    bot.stories.ao3 = None
    assert await bot.updates.due(LATER) == []
    assert await bot.updates.check(SALT, now=LATER) is None


# --- 2. an unchanged work ---------------------------------------------------------------------


async def test_an_unchanged_work_costs_its_page_alone(bot, database, ao3, wip):
    await add_wip(bot)
    await read(bot, SALT)
    before = await row(database, SALT)
    seen = len(ao3.seen)

    assert await bot.updates.check(SALT, now=LATER) is None
    # The work page (AO3 sends a guest on to its first chapter), and no download.
    assert ao3.paths()[seen:] == ["/works/222", "/works/222/chapters/333"]
    after = await row(database, SALT)
    assert after.checked_at == LATER
    assert (after.content_hash, after.updated_at, after.chapters_posted, after.complete) == (
        before.content_hash, before.updated_at, 1, False)
    assert after.announced_chapters == 1
    assert bot.shelves.story(SALT).checked_at == LATER
    # Checked now: due again an interval from now, not before.
    assert await bot.updates.due(LATER + 600) == []
    assert await bot.updates.due(LATER + INTERVAL + 1) == [SALT]


async def test_a_work_that_became_complete_is_no_longer_checked(bot, database, ao3, wip):
    await add_wip(bot)
    await read(bot, SALT)
    ao3.on("/works/222/chapters/333", work_page(1, 1))
    seen = len(ao3.seen)
    assert await bot.updates.check(SALT, now=LATER) is None
    assert "/downloads/222/Salt%20Roads%20Slowly.html" not in ao3.paths()[seen:]
    stored = await row(database, SALT)
    assert (stored.complete, stored.checked_at, stored.gone) == (True, LATER, False)
    assert bot.shelves.story(SALT).complete
    assert await bot.updates.due(LATER + 10 * INTERVAL) == []
    assert await bot.updates.sleep_after(LATER) == IDLE_SLEEP  # nothing left to check


# --- 3. a new chapter -------------------------------------------------------------------------


async def test_a_new_chapter_is_fetched_and_announced_once(bot, folder, database, ao3, wip,
                                                          fake_time):
    await add_wip(bot)
    await read(bot, SALT)
    wip.chapters = 2
    seen = len(ao3.seen)

    news = announced(await bot.updates.check(SALT, now=LATER))
    # One look at the work's page (AO3 sends a work of chapters to its first), then the
    # download linked from it: the page is not asked for twice.
    assert [path.split("?")[0] for path in ao3.paths()[seen:]] == [
        "/works/222", "/works/222/chapters/333", "/downloads/222/Salt%20Roads%20Slowly.html"]
    assert (news.guild_id, news.story_id, news.title, news.author, news.rating) == (
        G1, SALT, "Salt Roads, Slowly", AUTHOR, "Mature")
    assert len(news.chapters) == 1
    chapter = news.first
    assert (chapter.number, chapter.words) == (2, 5)  # "Carts and bells, part 2."
    assert "The Ford" in chapter.title
    assert (news.channel_id, news.followers) == (None, ())

    # The story is updated in place: the new chapter is in its text, where the post says.
    text = await bot.library_for(G1).open(SALT)
    assert len(text.story.chapters) == 2
    assert text.layout.chapters[1].start == chapter.position
    paged = await bot.library_for(G1).paged(SALT, 500)
    assert "Carts and bells, part 2." in paged.text(paged.pages[paged.chapter_first_page[1]])
    stored = await row(database, SALT)
    assert (stored.chapters_posted, stored.announced_chapters, stored.checked_at) == (
        2, 2, LATER)
    assert bot.shelves.story(SALT).announced_chapters == 2

    # Claimed: nobody announces it again, nor does the next check.
    assert await bot.updates.announcement(SALT) is None
    assert await bot.updates.check(SALT, now=LATER + INTERVAL + 1) is None

    # A restart reads the claim from the database.
    await bot.shutdown()
    again = await started(folder, database, ao3, fake_time)
    try:
        assert again.shelves.story(SALT).announced_chapters == 2
        assert await again.updates.announcement(SALT) is None
        assert await again.updates.check(SALT, now=LATER + 2 * INTERVAL) is None
    finally:
        await again.shutdown()


async def test_chapters_gained_between_checks_are_announced_together(bot, database, wip):
    await add_wip(bot)
    await read(bot, SALT)
    wip.chapters = 4
    news = announced(await bot.updates.check(SALT, now=LATER))
    assert [c.number for c in news.chapters] == [2, 3, 4]
    assert [c.words for c in news.chapters] == [5, 5, 5]
    assert news.text(shown=True) == (
        f"**Salt Roads, Slowly** by {AUTHOR}: chapters 2–4 are out (15 words).")
    assert (await row(database, SALT)).announced_chapters == 4


async def test_claiming_an_announcement_is_for_one_caller(bot, database, wip):
    await add_wip(bot)
    wip.chapters = 2
    assert isinstance(await bot.stories.update(G1, ADMIN, SALT, now=LATER), AddedAnswer)
    # Someone else (another process, an older copy of the row) moved the count on first.
    assert await database.server_stories.claim_announcement(SALT, 1, 2)
    assert await bot.updates.announcement(SALT) is None
    assert not await database.server_stories.claim_announcement(SALT, 1, 2)


async def test_a_work_linked_before_announcements_announces_only_what_comes_after(
        folder, tmp_path, ao3, fake_time, wip):
    path = tmp_path / "updates.sqlite3"
    database = await Database.open(path)
    services = await started(folder, database, ao3, fake_time)
    await add_wip(services)
    await read(services, SALT)
    await services.shutdown()
    await database.close()
    # The database as it was before migrations 0012 and 0013: no count announced yet, and
    # none of the tables added since.
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE server_stories SET announced_chapters = NULL")
        raw.execute("DROP TABLE request_turns")
        raw.execute("PRAGMA user_version = 12")
    database = await Database.open(path)
    services = await started(folder, database, ao3, fake_time)
    try:
        assert services.shelves.story(SALT).announced_chapters == 1
        wip.chapters = 2
        news = announced(await services.updates.check(SALT, now=LATER))
        assert [c.number for c in news.chapters] == [2]
    finally:
        await services.shutdown()
        await database.close()


async def test_a_post_names_a_chapter_by_its_own_name(bot, wip):
    await add_wip(bot)
    await read(bot, SALT)
    wip.chapters = 2
    news = announced(await bot.updates.check(SALT, now=LATER))
    assert news.first.title == "The Ford"
    assert "chapter 2, “The Ford”, is out" in news.text(shown=True)


async def test_an_untitled_chapter_is_announced_by_its_number_alone(bot, wip):
    wip.names = {}
    await add_wip(bot)
    await read(bot, SALT)
    wip.chapters = 2
    news = announced(await bot.updates.check(SALT, now=LATER))
    assert news.first.title == ""
    assert f"**Salt Roads, Slowly** by {AUTHOR}: chapter 2 is out (" in news.text(shown=True)


def test_a_chapter_name_keeps_what_is_not_its_number():
    assert chapter_name("Chapter 2: The Ford", 2) == "The Ford"
    assert chapter_name("chapter 2 - The Ford", 2) == "The Ford"
    assert chapter_name("Chapter 2", 2) == ""
    assert chapter_name("Chapter 3: Elsewhere", 2) == "Chapter 3: Elsewhere"
    assert chapter_name("The Ford", 2) == "The Ford"


async def test_followers_hear_of_new_chapters_oldest_follow_first(bot, database, wip):
    await add_wip(bot)
    await bot.updates.follow(Viewer(OTHER, Place(G1)), SALT, now=NOW)
    await bot.updates.follow(READER_HERE, SALT, now=NOW + 1)
    wip.chapters = 2
    news = announced(await bot.updates.check(SALT, now=LATER))
    assert news.followers == (OTHER, READER)
    assert await bot.updates.unfollow(READER_HERE, SALT) == (
        "You no longer follow **Salt Roads, Slowly**.")
    assert await bot.updates.unfollow(READER_HERE, SALT) == (
        "You don't follow **Salt Roads, Slowly**.")
    wip.chapters = 3
    news = announced(await bot.updates.check(SALT, now=LATER + INTERVAL + 1))
    assert [c.number for c in news.chapters] == [3]
    assert news.followers == (OTHER,)


async def test_forgetme_forgets_follows(bot, database, wip):
    await add_wip(bot)
    await bot.updates.follow(READER_HERE, SALT, now=NOW)
    await bot.updates.follow(Viewer(OTHER, Place(G1)), SALT, now=NOW)
    forgotten = await database.forget_member(READER)
    assert forgotten.follows == 1
    assert await database.follows.followers(SALT) == [OTHER]
    assert await database.follows.of_member(READER) == []
