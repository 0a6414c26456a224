"""Works added by AO3 link, in the core: `StoriesService.add_link` and `update` on a real
SQLite file, the story store and the folder's library, with the `Ao3Client` pointed at the
AO3 stand-in (`tests/ao3_site.py`) on a fake clock, so no test waits or leaves localhost.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.ao3.client import USER_AGENT, Ao3Client
from bot.library.admin import AddedAnswer
from bot.library.shelf import STORED_VERSION
from bot.reading.gate import Place
from bot.reading.pages import Action
from bot.reading.service import Refused, Shown, Viewer
from bot.services import Services
from bot.storage.database import Database
from bot.storage.server_stories import ServerStory
from tests.ao3_site import FakeAo3, FakeTime, Wip, gone, page, redirect
from tests.library.test_servers import PAGE_CHARS, TIDE, start_services

DELAY = 5.0
G1, G2 = 101, 202
ADMIN, READER = 7, 9
NOW = 1_700_000_000.0
FERRY = "the-lantern-ferry"  # work 101's id, from its download's file name
SALT = "salt-roads-slowly"  # work 222's
READER_HERE = Viewer(READER, Place(G1))




@pytest.fixture
async def bot(folder, database, ao3, fake_time):
    services = await with_ao3(await start_services(folder, database), ao3, fake_time)
    yield services
    await services.shutdown()  # closes the client's connection too


async def with_ao3(services: Services, ao3: FakeAo3, fake_time: FakeTime) -> Services:
    """The services as the bot makes them with `AO3_LINKS` on, but fetching from the
    stand-in on the fake clock."""
    services.stories.ao3 = Ao3Client(ao3.base, delay=DELAY, clock=fake_time.clock,
                                     sleep=fake_time.sleep, timeout=5.0)
    return services


@pytest.fixture
def wip(ao3) -> Wip:
    """Work 222, rated for everyone and long enough for several pages a chapter."""
    return Wip(ao3, rating="General Audiences", paragraphs=8)


def added(answer) -> AddedAnswer:
    assert isinstance(answer, AddedAnswer), answer
    return answer


def refused(answer) -> str:
    assert isinstance(answer, Refused), answer
    return answer.text


def shown(outcome) -> Shown:
    assert isinstance(outcome, Shown), outcome
    return outcome


async def rows(database: Database) -> dict[str, ServerStory]:
    found = await database.server_stories.catalogue(STORED_VERSION, PAGE_CHARS)
    return {row.story.story_id: row.story for row in found}


def assert_polite(ao3: FakeAo3) -> None:
    starts = ao3.starts()
    assert all(later - earlier >= DELAY for earlier, later in itertools.pairwise(starts))
    assert {seen.user_agent for seen in ao3.seen} == {USER_AGENT}


# --- 1. adding a work ----------------------------------------------------------------------


async def test_a_work_in_progress_is_added_with_where_it_came_from(bot, database, ao3, wip):
    wip.chapters = 2
    answer = added(await bot.stories.add_link(
        G1, ADMIN, "https://archiveofourown.org/works/222/chapters/333", now=NOW))
    first, last = answer.text.split("\n")
    assert first.startswith(
        f"Added **Salt Roads, Slowly** to this server's library as `{SALT}`: 2 chapters, ")
    assert "rated General Audiences." in first
    assert last == "From AO3: a work in progress (2/? chapters)."
    assert answer.card.title == "Salt Roads, Slowly"  # from the download, not the link

    row = (await rows(database))[SALT]
    assert (row.guild_id, row.work_id, row.chapters_posted, row.complete, row.gone) == (
        G1, 222, 2, False, False)
    assert row.checked_at == NOW and row.added_by == ADMIN
    assert row.file_name == "Salt Roads Slowly.html"
    assert bot.shelves.story(SALT) == row
    assert [story.id for story in bot.library_for(G1)] == [SALT, "short", "night-watch", "lantern"]
    assert SALT not in bot.library_for(G2)
    assert ao3.paths() == ["/works/222", "/works/222/chapters/333",
                           "/downloads/222/Salt%20Roads%20Slowly.html"]
    assert_polite(ao3)


async def test_a_complete_work_says_so(bot, database):
    answer = added(await bot.stories.add_link(G1, ADMIN, "https://archiveofourown.org/works/101"))
    assert answer.text.startswith(
        f"Added **The Lantern Ferry** to this server's library as `{FERRY}`: 1 chapter, ")
    assert answer.text.endswith("\nFrom AO3: complete.")
    row = (await rows(database))[FERRY]
    assert (row.work_id, row.chapters_posted, row.complete) == (101, 1, True)
    paged = await bot.library_for(G1).paged(FERRY, PAGE_CHARS)
    assert "Ines lit the lantern anyway." in paged.text(paged.pages[0])


# --- 2. what a link may be -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["101", " <https://www.archiveofourown.org/works/101> ",
                                  "archiveofourown.org/downloads/101/The%20Lantern%20Ferry.html"])
async def test_a_work_by_number_or_by_any_of_its_addresses(bot, database, ao3, text):
    answer = added(await bot.stories.add_link(G1, ADMIN, text))
    assert f"as `{FERRY}`" in answer.text
    assert list(await rows(database)) == [FERRY]
    assert ao3.paths()[0] == "/works/101"


@pytest.mark.parametrize(("text", "reason"), [
    ("https://example.com/works/101",
     "That is not an AO3 link (example.com). I can only add works from archiveofourown.org."),
    ("https://archiveofourown.org/tags/Found%20Family/works",
     "That AO3 link is not a work or a series: it leads to a tag."),
    ("the lantern ferry", "Give me one AO3 link on its own, without other text around it."),
])
async def test_links_to_anything_but_a_work_are_refused_without_asking_ao3(
        bot, database, ao3, text, reason):
    assert refused(await bot.stories.add_link(G1, ADMIN, text)) == reason
    assert ao3.seen == []
    assert await rows(database) == {}


async def test_a_series_is_answered_with_its_works_and_their_links(bot, database, ao3):
    async def series_page(request):
        name = "series_page2.html" if request.query.get("page") == "2" else "series.html"
        return await page(name)(request)

    ao3.on("/series/77", series_page)
    text = refused(await bot.stories.add_link(
        G1, ADMIN, "https://archiveofourown.org/series/77"))
    assert text.split("\n") == [
        "That is a series of 3 works; add them one at a time with `/stories add link:`:",
        "- First Tide & After: `https://archiveofourown.org/works/501`",
        "- Neap: `https://archiveofourown.org/works/502`",
        "- Spring Tide, Kept: `https://archiveofourown.org/works/504`",
    ]
    assert ao3.paths() == ["/series/77", "/series/77"]  # its two pages, no work fetched
    assert await rows(database) == {}


async def test_a_missing_series_says_so(bot, ao3):
    assert refused(await bot.stories.add_link(G1, ADMIN, "archiveofourown.org/series/9")) == (
        "AO3 says series 9 does not exist (it may have been deleted).")


async def test_links_turned_off_are_refused_without_asking_ao3(bot, database, ao3):
    await bot.stories.ao3.close()
    bot.stories.ao3 = None  # AO3_LINKS=0
    text = refused(await bot.stories.add_link(G1, ADMIN, "https://archiveofourown.org/works/101"))
    assert text.startswith("Adding stories by link is turned off on this bot")
    assert "`file:`" in text
    assert ao3.seen == []
    assert await rows(database) == {}


# --- 3. what AO3 answers instead of a work --------------------------------------------------


@pytest.mark.parametrize(("work", "setup", "answer"), [
    (404, None, "AO3 says work 404 does not exist (it may have been deleted)."),
    (303, [redirect("/users/login?restricted=true")],
     "Work 303 is visible only to logged-in AO3 users, so I can't fetch it."),
    (305, [redirect("/users/login")],
     "Work 305 is hidden on AO3 right now (it may be waiting to be revealed by a challenge, "
     "or hidden by AO3's admins), so I can't fetch it."),
    (306, [page("maintenance.html")],
     "AO3 is down or not answering right now; try again later."),
])
async def test_ao3s_answer_is_passed_on_and_nothing_is_stored(bot, database, ao3, work,
                                                              setup, answer):
    if setup:
        ao3.on(f"/works/{work}", *setup)
    ao3.on("/users/login", page("login_restricted.html"))
    assert refused(await bot.stories.add_link(G1, ADMIN, f"archiveofourown.org/works/{work}")) \
        == answer
    assert await rows(database) == {}
    assert bot.shelves.of_guild(G1) == []
    assert [story.id for story in bot.library_for(G1)] == ["short", "night-watch", "lantern"]


# --- 4. the same work again ------------------------------------------------------------------


async def test_the_same_work_again_updates_it_here_and_is_its_own_story_elsewhere(
        bot, database):
    link = "https://archiveofourown.org/works/101"
    added(await bot.stories.add_link(G1, ADMIN, link, now=NOW))
    again = added(await bot.stories.add_link(G1, ADMIN + 1, link, now=NOW + 60))
    assert again.text.startswith(
        f"Updated **The Lantern Ferry** in this server's library as `{FERRY}`")
    assert "Readers keep their places." in again.text
    stored = await rows(database)
    assert list(stored) == [FERRY]
    assert (stored[FERRY].added_at, stored[FERRY].added_by) == (NOW, ADMIN)  # first kept
    assert stored[FERRY].checked_at == NOW + 60
    assert [s.story_id for s in bot.shelves.of_guild(G1)] == [FERRY]

    there = added(await bot.stories.add_link(G2, ADMIN, "101", now=NOW + 120))
    assert there.text.startswith(
        f"Added **The Lantern Ferry** to this server's library as `{FERRY}-2`")
    stored = await rows(database)
    assert {sid: row.guild_id for sid, row in stored.items()} == {FERRY: G1, f"{FERRY}-2": G2}
    assert {row.work_id for row in stored.values()} == {101}
    assert FERRY in bot.library_for(G1) and f"{FERRY}-2" not in bot.library_for(G1)
    assert f"{FERRY}-2" in bot.library_for(G2) and FERRY not in bot.library_for(G2)


# --- 5. update -----------------------------------------------------------------------------


async def read_to_page(services: Services, story_id: str, number: int) -> str:
    """The reader opens a story and turns to page `number`; that page's text."""
    page = shown(await services.reading.open(READER_HERE, story_id))
    while page.page.number < number:
        page = shown(await services.reading.turn(READER_HERE, story_id, READER, page.page.start,
                                                 Action.NEXT))
    return page.paged.text(page.page)


async def test_a_new_chapter_is_fetched_and_the_reader_keeps_her_place(bot, database, ao3,
                                                                        wip):
    added(await bot.stories.add_link(G1, ADMIN, "222", now=NOW))
    before = await bot.library_for(G1).paged(SALT, PAGE_CHARS)
    assert len(before.chapter_first_page) == 1
    reading = await read_to_page(bot, SALT, 3)
    saved = await database.progress.get(READER, SALT)
    assert "Paragraph 10." in reading  # inside the first chapter

    wip.chapters = 2
    answer = added(await bot.stories.update(G1, ADMIN, SALT, now=NOW + 3600))
    first, last = answer.text.split("\n")[0], answer.text.split("\n")[-1]
    assert first.startswith(
        f"Updated **Salt Roads, Slowly** in this server's library as `{SALT}`: 2 chapters, ")
    assert last == "From AO3: 1 new chapter since it was last fetched."
    assert "Readers keep their places." in answer.text

    paged = await bot.library_for(G1).paged(SALT, PAGE_CHARS)
    assert len(paged.chapter_first_page) == 2
    new_first = paged.pages[paged.chapter_first_page[1]]
    assert "Carts and bells, part 2." in paged.text(new_first)
    row = (await rows(database))[SALT]
    assert (row.chapters_posted, row.complete, row.checked_at) == (2, False, NOW + 3600)
    assert bot.shelves.story(SALT).chapters_posted == 2

    resumed = shown(await bot.reading.continue_(READER_HERE))
    assert resumed.story_id == SALT
    assert resumed.page.number == 3
    assert resumed.paged.text(resumed.page) == reading
    assert resumed.total == len(paged.pages) > len(before.pages)
    assert (await database.progress.get(READER, SALT)).position == saved.position
    assert_polite(ao3)


async def test_an_unchanged_work_is_as_it_was(bot, database, ao3, wip):
    added(await bot.stories.add_link(G1, ADMIN, "222", now=NOW))
    before = (await rows(database))[SALT]
    seen = len(ao3.seen)
    answer = await bot.stories.update(G1, ADMIN, "Salt Roads, Slowly", now=NOW + 60)
    assert answer == "**Salt Roads, Slowly** is as it was: 1 chapter."
    assert len(ao3.seen) == seen + 3  # its page, by way of its first chapter, and the download
    after = (await rows(database))[SALT]
    assert after.checked_at == NOW + 60
    assert (after.content_hash, after.updated_at) == (before.content_hash, before.updated_at)


async def test_a_complete_work_unchanged_says_complete(bot):
    added(await bot.stories.add_link(G1, ADMIN, "101"))
    assert await bot.stories.update(G1, ADMIN, FERRY) == (
        "**The Lantern Ferry** is as it was: 1 chapter, complete.")


async def test_a_work_deleted_on_ao3_keeps_its_last_copy(bot, folder, database, ao3, wip,
                                                         fake_time):
    added(await bot.stories.add_link(G1, ADMIN, "222", now=NOW))
    reading = await read_to_page(bot, SALT, 2)

    ao3.on("/works/222", gone())
    answer = await bot.stories.update(G1, ADMIN, SALT, now=NOW + 60)
    assert answer == ("AO3 no longer has **Salt Roads, Slowly** (it may have been deleted); "
                      "I keep the last copy here.")
    row = (await rows(database))[SALT]
    assert (row.gone, row.checked_at, row.work_id) == (True, NOW + 60, 222)
    assert bot.shelves.story(SALT).gone
    assert SALT in [story.id for story in bot.library_for(G1)]
    resumed = shown(await bot.reading.continue_(READER_HERE, SALT))
    assert resumed.paged.text(resumed.page) == reading

    # The next start reads it from the store, still gone, still readable.
    await bot.shutdown()
    later = await with_ao3(await start_services(folder, database), ao3, fake_time)
    try:
        assert later.shelves.story(SALT).gone
        again = shown(await later.reading.continue_(READER_HERE))
        assert again.paged.text(again.page) == reading
    finally:
        await later.shutdown()


async def test_other_ao3_failures_leave_the_story_as_it_was(bot, database, ao3, wip):
    added(await bot.stories.add_link(G1, ADMIN, "222", now=NOW))
    ao3.on("/works/222", page("maintenance.html"))
    assert refused(await bot.stories.update(G1, ADMIN, SALT, now=NOW + 60)) == (
        "AO3 is down or not answering right now; try again later.")
    row = (await rows(database))[SALT]
    assert (row.gone, row.checked_at) == (False, NOW)


async def test_only_this_servers_linked_works_are_updated(bot, database, ao3):
    upload = await bot.stories.add_file(G1, ADMIN, "tide.md", TIDE)
    assert isinstance(upload, AddedAnswer)
    assert refused(await bot.stories.update(G1, ADMIN, "tide")) == (
        "**The Tide Clock** was uploaded, not added by link: upload the new file with "
        "`/stories add file:` and it is updated in place.")
    assert refused(await bot.stories.update(G1, ADMIN, "lantern")) == (
        "**The Lantern Keeper** is in the stories folder; only the bot's owner updates it, "
        "with `/stories reload`.")
    added(await bot.stories.add_link(G2, ADMIN, "101"))
    seen = len(ao3.seen)
    assert refused(await bot.stories.update(G1, ADMIN, FERRY)).startswith(
        f"There is no story called “{FERRY}”.")
    assert len(ao3.seen) == seen


async def test_update_with_links_turned_off_is_refused(bot, ao3, wip):
    added(await bot.stories.add_link(G1, ADMIN, "222"))
    await bot.stories.ao3.close()
    bot.stories.ao3 = None
    assert refused(await bot.stories.update(G1, ADMIN, SALT)) == (
        "Fetching from AO3 is turned off on this bot.")


# --- 6. manners ----------------------------------------------------------------------------


async def test_concurrent_adds_wait_their_turn_on_the_fake_clock(bot, database, ao3, wip,
                                                                  fake_time):
    notes: dict[str, list[str]] = {"first": [], "second": []}
    first_done = asyncio.Event()

    async def first_note(text):
        notes["first"].append(text)

    async def second_note(text):
        notes["second"].append(text)
        if text.startswith("Downloading"):
            # Both fetches are under way together; the second is read and stored after
            # the first finishes, to check the two are not confused.
            await first_done.wait()

    async def first_add():
        try:
            return await bot.stories.add_link(G1, ADMIN, "101", first_note)
        finally:
            first_done.set()

    first, second = await asyncio.gather(
        first_add(), bot.stories.add_link(G2, ADMIN, "222", second_note))
    added(first)
    added(second)
    assert len(ao3.seen) == 5  # 101: page and download; 222: page, first chapter, download
    starts = ao3.starts()
    assert [later - earlier for earlier, later in itertools.pairwise(starts)] == [DELAY] * 4
    assert fake_time.waits == [DELAY] * 4
    assert_polite(ao3)
    assert notes["first"] == ["Downloading “The Lantern Ferry” (1/1 chapter) from AO3…"]
    assert notes["second"] == [
        "Queued behind 1 other fetch, about 10 s.",  # the first's two requests
        "Downloading “Salt Roads, Slowly” (1/? chapters) from AO3…",
    ]
    assert bot.stories.ao3.queued() == 0
    assert {sid: row.guild_id for sid, row in (await rows(database)).items()} == {
        FERRY: G1, SALT: G2}


async def test_adds_finishing_together_keep_both_stories(bot, database):
    # The same story file added in two servers at once (an upload, or a link whose fetch
    # ends as the other's reading does): each server has its own story.
    a, b = await asyncio.gather(bot.stories.add_file(G1, ADMIN, "tide.md", TIDE),
                                bot.stories.add_file(G2, ADMIN, "tide.md", TIDE))
    added(a)
    added(b)
    assert len(await rows(database)) == 2
    assert [s.guild_id for s in bot.shelves.of_guild(G1)] == [G1]
    assert [s.guild_id for s in bot.shelves.of_guild(G2)] == [G2]
