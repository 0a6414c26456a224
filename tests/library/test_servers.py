"""A server's own stories in the core: adding an upload, seeing it only in that server,
ids unique across the bot, refusals, restarts, removal, search and quotes.

Built as the bot builds it: a real SQLite file, the story store (`StoredTexts`) and the
folder's library opened from it, then `Services.start()`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.library.admin import AddedAnswer, Question
from bot.library.servers import add_story
from bot.library.service import origin_line
from bot.library.shelf import STORED_VERSION, StoredTexts, open_library
from bot.quotes.service import QuoteCard
from bot.reading.gate import Place
from bot.reading.service import Refused, Viewer
from bot.services import Services
from bot.storage.database import Database
from bot.storage.server_stories import ServerStory
from tests.helpers import prose

PAGE_CHARS = 500
MAX_BYTES = 40_000
G1, G2 = 101, 202
ADMIN, OTHER_ADMIN, READER = 7, 8, 9
PHRASE = "The cormorant kept a ledger of every boat that slipped out of the cove."


def story_md(title: str, *, rating: str | None = "General Audiences", paragraphs: int = 4,
             seed: int = 1, extra: str = "") -> bytes:
    """A Markdown story with front matter, in original text; `rating=None` leaves it out."""
    front = f"---\ntitle: {title}\nauthor: Wren Halloway\n"
    if rating is not None:
        front += f"rating: {rating}\n"
    body = f"# Chapter 1\n\n{prose(seed, paragraphs)}"
    if extra:
        body += f"\n\n{extra}"
    body += f"\n\n# Chapter 2\n\n{prose(seed + 1, paragraphs)}"
    return (front + "---\n\n" + body + "\n").encode()


TIDE = story_md("The Tide Clock", extra=PHRASE)


async def start_services(folder: Path, database: Database) -> Services:
    """What the bot does at start-up: the folder's library from the store, then the
    services on it, server stories read from the store by `start()`."""
    texts = StoredTexts(database.stories)
    library = await open_library(folder, database.stories, texts, page_chars=PAGE_CHARS,
                                 max_bytes=MAX_BYTES)
    services = Services(database, library, page_chars=PAGE_CHARS, texts=texts,
                        max_bytes=MAX_BYTES)
    await services.start()
    await services.catalogue.rebuilt()
    return services




@pytest.fixture
async def bot(folder: Path, database: Database):
    services = await start_services(folder, database)
    yield services
    await services.shutdown()


async def add(services: Services, guild_id: int, file_name: str, data: bytes, *,
              rating: str | None = None, user_id: int = ADMIN) -> AddedAnswer:
    answer = await services.stories.add_file(guild_id, user_id, file_name, data, rating=rating)
    assert isinstance(answer, AddedAnswer), answer
    return answer


async def stored_ids(database: Database) -> list[str]:
    rows = await database.server_stories.catalogue(STORED_VERSION, PAGE_CHARS)
    return [row.story.story_id for row in rows]


# --- 1. visible in its server only -------------------------------------------------------------


async def test_an_added_story_is_listed_first_in_its_server_only(bot, database):
    answer = await add(bot, G1, "tide.md", TIDE)
    assert answer.text.startswith(
        "Added **The Tide Clock** to this server's library as `tide`: 2 chapters, ")
    assert "rated General Audiences." in answer.text
    assert answer.card.title == "The Tide Clock"
    assert answer.card.footer == "Open it with /read tide"

    here = bot.library_for(G1)
    assert [story.id for story in here] == ["tide", "short", "night-watch", "lantern"]
    assert here.entry("tide").guild_id == G1
    assert bot.shelves.story("tide").guild_id == G1

    elsewhere = bot.library_for(G2)
    assert "tide" not in elsewhere and elsewhere.get("tide") is None
    assert [story.id for story in elsewhere] == ["short", "night-watch", "lantern"]

    dm = bot.library_for(None)
    assert "tide" in dm
    assert dm.get("tide").title == "The Tide Clock"
    assert "tide" not in [story.id for story in dm]
    assert len(dm) == 3
    assert "tide" not in [sid for _, sid in bot.stories.own_choices(None, "")]

    # Its text opens from the store, and the catalogue's page starts are those of its pages.
    paged = await here.paged("tide", PAGE_CHARS)
    assert PHRASE in paged.story.plain
    assert [page.start for page in paged.pages] == list(here.pages("tide", PAGE_CHARS).starts)
    assert len(paged.pages) > 1
    # Pages are cut by rendered length: about PAGE_CHARS, never over a quarter more.
    assert all(len(paged.text(page)) <= PAGE_CHARS * 5 // 4 for page in paged.pages)
    assert await stored_ids(database) == ["tide"]


# --- 2. ids ----------------------------------------------------------------------------------


async def test_ids_are_unique_across_the_bot(bot, database):
    lantern = await add(bot, G1, "lantern.md", story_md("My Own Lantern"))
    assert "as `lantern-2`" in lantern.text
    assert bot.library_for(G1).get("lantern").title == "The Lantern Keeper"  # the folder's
    assert bot.library_for(G1).get("lantern-2").title == "My Own Lantern"

    first = await add(bot, G1, "tide.md", TIDE)
    second = await add(bot, G2, "tide.md", story_md("Another Tide", seed=3), user_id=OTHER_ADMIN)
    assert "as `tide`" in first.text and "as `tide-2`" in second.text
    assert bot.library_for(G2).get("tide-2").title == "Another Tide"
    assert "tide" not in bot.library_for(G2) and "tide-2" not in bot.library_for(G1)
    assert sorted(await stored_ids(database)) == ["lantern-2", "tide", "tide-2"]


async def test_the_same_file_uploaded_again_in_a_server_replaces_its_story(bot, database):
    await add(bot, G1, "tide.md", TIDE)
    await add(bot, G2, "tide.md", story_md("Another Tide", seed=3), user_id=OTHER_ADMIN)
    edited = story_md("The Tide Clock, Revised", extra="A brand new closing line about gulls.")
    again = await bot.stories.add_file(G1, ADMIN, "tide.md", edited)
    assert isinstance(again, AddedAnswer)
    assert again.text.startswith(
        "Updated **The Tide Clock, Revised** in this server's library as `tide`")
    assert "Readers keep their places." in again.text
    text = await bot.library_for(G1).open("tide")
    assert "brand new closing line about gulls" in text.story.plain
    assert PHRASE not in text.story.plain
    assert sorted(await stored_ids(database)) == ["tide", "tide-2"]
    assert [s.story_id for s in bot.shelves.of_guild(G1)] == ["tide"]
    assert bot.library_for(G2).get("tide-2").title == "Another Tide"  # untouched


async def test_the_shelves_report_the_replacement(bot):
    story, first = await add_story(bot.shelves, bot.database, guild_id=G1,
                                   file_name="tide.md", data=TIDE, rating=None,
                                   added_by=ADMIN, page_chars=PAGE_CHARS,
                                   max_bytes=MAX_BYTES, now=1000.0)
    assert not first.replaced and first.entry.story.id == "tide"
    shelves = bot.shelves.with_story(story, first.entry)
    story, second = await add_story(shelves, bot.database, guild_id=G1,
                                    file_name="tide.md", data=story_md("Changed"),
                                    rating=None, added_by=OTHER_ADMIN,
                                    page_chars=PAGE_CHARS, max_bytes=MAX_BYTES, now=2000.0)
    assert second.replaced and second.entry.story.id == "tide"
    assert (story.added_by, story.added_at, story.updated_at) == (ADMIN, 1000.0, 2000.0)


async def test_a_story_id_of_another_server_is_never_taken_over(bot, database):
    await add(bot, G1, "tide.md", TIDE)
    # A save naming another server's id (as a stale view of the shelves could) writes nothing.
    own = bot.shelves.story("tide")
    source = await database.server_stories.source("tide")
    kept_rows = await stored_ids(database)
    from bot.storage.stories import KeptStory, StoredCard
    kept = KeptStory(b"x", StoredCard(b"x", 1, 0.1, 1, 0))
    assert not await database.server_stories.save(replace(own, guild_id=G2), b"other", kept)
    assert await database.server_stories.source("tide") == source
    assert await stored_ids(database) == kept_rows
    assert (await database.server_stories.catalogue(STORED_VERSION, PAGE_CHARS))[0].story \
        .guild_id == G1


async def test_adds_at_once_in_two_servers_each_get_their_own_story(bot, database):
    import asyncio
    answers = await asyncio.gather(
        bot.stories.add_file(G1, ADMIN, "tide.md", TIDE),
        bot.stories.add_file(G2, ADMIN, "tide.md", story_md("Another Tide", seed=5)),
        bot.stories.add_file(G1, ADMIN, "fog.md", story_md("Fog Bank", seed=3)))
    assert all(isinstance(answer, AddedAnswer) for answer in answers), answers
    assert sorted(await stored_ids(database)) == ["fog", "tide", "tide-2"]
    assert bot.library_for(G1).get("tide").title == "The Tide Clock"
    assert bot.library_for(G2).get("tide-2").title == "Another Tide"
    assert bot.library_for(G1).get("fog").title == "Fog Bank"


# --- 3. ratings ------------------------------------------------------------------------------


async def test_the_rating_option_overrides_and_no_rating_is_not_rated(bot, folder, database):
    overridden = await add(bot, G1, "storm.md", story_md("Storm", rating="Mature"),
                           rating="General Audiences")
    assert "rated General Audiences." in overridden.text
    assert bot.library_for(G1).get("storm").meta.rating == "General Audiences"

    unrated = await add(bot, G1, "fog.md", story_md("Fog", rating=None))
    assert "rated Not Rated (no rating found: it is gated like Not Rated" in unrated.text
    assert bot.library_for(G1).get("fog").meta.rating == "Not Rated"
    assert bot.library_for(G1).get("storm").meta.rating == "General Audiences"
    assert bot.shelves.story("storm").rating == "General Audiences"
    assert bot.shelves.story("fog").rating is None

    # The override is what a restart reads back.
    again = await start_services(folder, database)
    try:
        assert again.library_for(G1).get("storm").meta.rating == "General Audiences"
        assert again.library_for(G1).get("fog").meta.rating == "Not Rated"
    finally:
        await again.shutdown()


# --- 4. refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(("file_name", "data", "why"), [
    ("notes.pdf", b"%PDF-1.4 not a story", "is not a story file I read"),
    ("huge.md", story_md("Huge", paragraphs=400), "over the 39 KB limit"),
    ("empty.md", b"", "the file is empty"),
    ("front.md", b"---\ntitle: Only Front Matter\nrating: General Audiences\n---\n",
     "the file has no story text"),
    ("broken.epub", os.urandom(600), "not an EPUB"),
])
async def test_a_file_that_cannot_be_added_is_refused_and_nothing_is_stored(
        bot, database, file_name, data, why):
    answer = await bot.stories.add_file(G1, ADMIN, file_name, data)
    assert isinstance(answer, Refused), answer
    assert answer.text.startswith(f"I can't add **{file_name}**: ")
    assert why in answer.text
    assert await stored_ids(database) == []
    assert bot.shelves.of_guild(G1) == []
    assert [story.id for story in bot.library_for(G1)] == ["short", "night-watch", "lantern"]


def test_uploads_are_checked_before_they_are_fetched(bot):
    assert bot.stories.upload_refusal("tide.md", 1200) is None
    assert bot.stories.upload_refusal("Tide.EPUB", 1200) is None
    wrong = bot.stories.upload_refusal("scan.pdf", 1200)
    assert isinstance(wrong, Refused)
    assert wrong.text.startswith("I can't add **scan.pdf**: it is not a story file I read.")
    big = bot.stories.upload_refusal("tide.md", MAX_BYTES + 1)
    assert isinstance(big, Refused) and "over the 39 KB limit for a story" in big.text
    empty = bot.stories.upload_refusal("tide.md", 0)
    assert isinstance(empty, Refused) and "the file is empty" in empty.text


# --- 5. restart ------------------------------------------------------------------------------


async def test_a_restart_reads_the_server_story_again_and_pruning_keeps_it(
        bot, folder, database):
    await add(bot, G1, "tide.md", TIDE)
    await bot.shutdown()

    again = await start_services(folder, database)
    try:
        assert again.shelves.story("tide").guild_id == G1
        here = again.library_for(G1)
        assert [story.id for story in here] == ["tide", "short", "night-watch", "lantern"]
        assert "tide" not in again.library_for(G2)
        await database.stories.prune()
        kept = here.entry("tide").content_hash
        assert await database.stories.body(kept, STORED_VERSION) is not None
        text = await here.open("tide")
        assert PHRASE in text.story.plain
        assert len(here.pages("tide", PAGE_CHARS)) == len(text.paged(PAGE_CHARS).pages)
    finally:
        await again.shutdown()

    # A third start after the prune still has its card and text.
    third = await start_services(folder, database)
    try:
        assert third.library_for(G1).get("tide").title == "The Tide Clock"
        assert PHRASE in (await third.library_for(G1).open("tide", keep=False)).story.plain
    finally:
        await third.shutdown()


async def test_a_story_kept_for_another_parser_version_is_read_again_from_its_upload(
        bot, folder, database):
    await add(bot, G1, "tide.md", TIDE, rating="Teen And Up Audiences")
    await bot.shutdown()
    await database._sql.execute("UPDATE server_stories SET parser_version = ?",
                                (STORED_VERSION - 1,))
    again = await start_services(folder, database)
    try:
        story = again.library_for(G1).get("tide")
        assert story is not None and story.meta.rating == "Teen And Up Audiences"
        assert again.shelves.story("tide").parser_version == STORED_VERSION
        assert PHRASE in (await again.library_for(G1).open("tide")).story.plain
    finally:
        await again.shutdown()
    rows = await database.server_stories.catalogue(STORED_VERSION, PAGE_CHARS)
    assert [(row.story.story_id, row.card is not None) for row in rows] == [("tide", True)]


# --- 6. removal ------------------------------------------------------------------------------


async def test_removing_asks_first_and_only_the_asker_confirms(bot, database):
    await add(bot, G1, "tide.md", TIDE)
    assert await database.stories.prune() == 0

    asked = await bot.stories.ask_remove(G1, ADMIN, "tide")
    assert isinstance(asked, Question)
    assert asked.text.startswith("Remove **The Tide Clock** from this server's library?")
    stranger = await bot.stories.confirm_remove(G1, OTHER_ADMIN, asked.code, True)
    assert isinstance(stranger, Refused)
    assert stranger.text == "This question was for someone else."
    assert "tide" in bot.library_for(G1)

    cancelled = await bot.stories.confirm_remove(G1, ADMIN, asked.code, False)
    assert cancelled == "Cancelled; nothing was removed."
    assert "tide" in bot.library_for(G1) and await stored_ids(database) == ["tide"]
    spent = await bot.stories.confirm_remove(G1, ADMIN, asked.code, True)
    assert spent.startswith("This question has expired")
    assert "tide" in bot.library_for(G1)

    asked = await bot.stories.ask_remove(G1, ADMIN, "The Tide Clock")
    assert isinstance(asked, Question)
    done = await bot.stories.confirm_remove(G1, ADMIN, asked.code, True)
    assert done.startswith("Removed **The Tide Clock** from this server's library.")
    assert "tide" not in bot.library_for(G1) and "tide" not in bot.library_for(None)
    assert await stored_ids(database) == []
    # Its body was spared by pruning while the server had it; now nothing uses it.
    assert await database.stories.prune() == 1
    assert bot.stories.own_choices(G1, "") == []


async def test_folder_stories_and_other_servers_stories_cannot_be_removed(bot, database):
    await add(bot, G1, "tide.md", TIDE)
    folder = await bot.stories.ask_remove(G1, ADMIN, "lantern")
    assert isinstance(folder, Refused)
    assert folder.text.startswith("**The Lantern Keeper** is in the stories folder, not one "
                                  "this server added")
    other = await bot.stories.ask_remove(G2, OTHER_ADMIN, "tide")
    assert isinstance(other, Refused)
    assert other.text.startswith("There is no story called “tide”.")
    # A question asked in one server does not remove from another.
    asked = await bot.stories.ask_remove(G1, ADMIN, "tide")
    moved = await bot.stories.confirm_remove(G2, ADMIN, asked.code, True)
    assert moved == "That story is no longer in this server's library."
    assert "lantern" in bot.library_for(G1) and "tide" in bot.library_for(G1)
    assert await stored_ids(database) == ["tide"]


async def test_autocomplete_offers_this_servers_stories_only(bot):
    await add(bot, G1, "tide.md", TIDE)
    await add(bot, G2, "storm.md", story_md("Storm"), user_id=OTHER_ADMIN)
    assert bot.stories.own_choices(G1, "") == [("The Tide Clock (tide.md)", "tide")]
    assert bot.stories.own_choices(G1, "CLOCK") == [("The Tide Clock (tide.md)", "tide")]
    assert bot.stories.own_choices(G1, "lantern") == []
    assert bot.stories.own_choices(G2, "") == [("Storm (storm.md)", "storm")]


# --- 7. search -------------------------------------------------------------------------------


async def test_search_finds_a_server_story_in_its_server_only(bot):
    await add(bot, G1, "tide.md", TIDE)
    await bot.catalogue.rebuilt()
    here = await bot.catalogue.search(Viewer(READER, Place(G1)), "cormorant ledger")
    assert not isinstance(here, Refused), here
    assert [hit.story_id for hit in here.hits] == ["tide"]
    assert "**The Tide Clock**" in here.hits[0].line
    elsewhere = await bot.catalogue.search(Viewer(READER, Place(G2)), "cormorant ledger")
    assert isinstance(elsewhere, Refused)
    assert elsewhere.text == "No passages match “cormorant ledger”."
    named = await bot.catalogue.search(Viewer(READER, Place(G2)), "cormorant", story="tide")
    assert isinstance(named, Refused) and named.text.startswith("There is no story called")


async def test_a_dm_search_does_not_find_server_stories(bot):
    await add(bot, G1, "tide.md", TIDE)
    await bot.catalogue.rebuilt()
    dm = await bot.catalogue.search(Viewer(READER, Place(None)), "cormorant ledger")
    assert isinstance(dm, Refused), dm


async def test_a_removed_story_is_no_longer_searched(bot):
    await add(bot, G1, "tide.md", TIDE)
    asked = await bot.stories.ask_remove(G1, ADMIN, "tide")
    await bot.stories.confirm_remove(G1, ADMIN, asked.code, True)
    await bot.catalogue.rebuilt()
    gone = await bot.catalogue.search(Viewer(READER, Place(G1)), "cormorant ledger")
    assert isinstance(gone, Refused)


# --- 8. quotes -------------------------------------------------------------------------------


async def test_quotes_cannot_name_another_servers_story(bot):
    await add(bot, G1, "tide.md", TIDE)
    elsewhere = await bot.quotes.quote(Place(G2), story="tide")
    assert isinstance(elsewhere, Refused)
    assert elsewhere.text.startswith("There is no story called “tide”.")
    anything = await bot.quotes.quote(Place(G2), text="cormorant")
    assert isinstance(anything, Refused)
    assert anything.text == "I found no quote containing “cormorant” to show here."
    assert "tide" not in await bot.quotes.eligible(Place(G2))

    here = await bot.quotes.quote(Place(G1), story="tide")
    assert isinstance(here, QuoteCard)
    assert here.quote.story_id == "tide"
    assert "— *The Tide Clock*, by Wren Halloway" in here.text


async def test_a_folder_file_added_later_does_not_take_a_server_storys_id(bot, database,
                                                                          folder):
    await add(bot, G1, "tide.md", TIDE)
    (folder / "tide.md").write_text("---\ntitle: Folder Tide\nrating: General Audiences\n"
                                    "---\n\nA different tide, kept in the folder.",
                                    encoding="utf-8")
    texts = StoredTexts(database.stories)
    reloaded = await open_library(folder, database.stories, texts, page_chars=PAGE_CHARS,
                                  max_bytes=MAX_BYTES,
                                  reserved=await database.server_stories.ids())
    await bot.use_library(reloaded)
    assert bot.library_for(G1).get("tide").title == "The Tide Clock"  # still the server's
    assert bot.library_for(G2).get("tide-md").title == "Folder Tide"
    assert "tide" not in bot.library_for(G2)
    assert any("taken by a story a server added" in w.error for w in reloaded.warnings)


async def test_a_server_storys_card_says_where_it_came_from(bot):
    await add(bot, G1, "tide.md", TIDE)
    card = await bot.catalogue.card(Viewer(READER, Place(G1)), "tide", "Reader")
    assert ("In this server", "Added from `tide.md`.") in [(f.name, f.value) for f in card.fields]
    folder_card = await bot.catalogue.card(Viewer(READER, Place(G1)), "lantern", "Reader")
    assert "In this server" not in [f.name for f in folder_card.fields]


def test_a_linked_works_origin_says_how_it_is_followed():
    work = ServerStory("tide", G1, "Tide.html", "h", STORED_VERSION, None, "", ADMIN, 1.0, 1.0,
                       work_id=4321, chapters_posted=3, checked_at=1_800_000_000.0)
    assert origin_line(work) == ("From AO3 work 4321 (in progress, checked for new chapters), "
                                 "last checked <t:1800000000:R>.")
    assert "(complete)" in origin_line(replace(work, complete=True))
    assert "since deleted there: this is the last copy" in origin_line(replace(work, gone=True))
    assert origin_line(None) is None


async def test_continue_elsewhere_points_back_to_the_server_that_has_it(bot):
    await add(bot, G1, "tide.md", TIDE)
    await bot.reading.open(Viewer(READER, Place(G1)), "tide")
    elsewhere = await bot.reading.continue_(Viewer(READER, Place(G2)))
    assert isinstance(elsewhere, Refused) and "another server's" in elsewhere.text
    in_a_dm = await bot.reading.continue_(Viewer(READER, Place(None)))
    assert not isinstance(in_a_dm, Refused) and in_a_dm.story_id == "tide"


async def test_in_a_dm_a_server_story_is_reopened_but_never_named(bot):
    await add(bot, G1, "tide.md", TIDE)
    stranger = Viewer(OTHER_ADMIN, Place(None))
    for outcome in (await bot.reading.open(stranger, "tide"),
                    await bot.catalogue.card(stranger, "tide", "Stranger"),
                    await bot.quotes.quote(Place(None), story="tide")):
        assert isinstance(outcome, Refused) and outcome.text.startswith(
            "There is no story called"), outcome
    await bot.reading.open(Viewer(READER, Place(G1)), "tide")
    resumed = await bot.reading.continue_(Viewer(READER, Place(None)))
    assert not isinstance(resumed, Refused) and resumed.story_id == "tide"
