"""The library service on a real library and SQLite file: listings, cards, search, reloads."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.library.catalogue import Library
from bot.library.listing import LISTING_PAGE_SIZE, ListingFilters, StoryCard
from bot.library.search import IndexPass
from bot.library.service import Listing, SearchResults
from bot.reading.gate import Gate, Place
from bot.reading.service import Refused, Viewer
from bot.services import Services
from bot.storage.database import Database
from bot.storage.settings import AgeThreshold
from tests.helpers import write_story

GUILD = 10
ALICE = Viewer(1, Place(GUILD))
ALICE_IN_AGE_RESTRICTED = Viewer(1, Place(GUILD, age_restricted=True))
ALICE_IN_DM = Viewer(1, Place(None))
SECRET = "velvet midnight orchard"
WITHHELD = ("Some stories rated Mature or above and Not Rated stories match, but they show "
            "only in age-restricted channels or in a DM with me.")


@pytest.fixture
async def catalogue(services):
    """The library service after start-up, its search index built."""
    assert services.catalogue.index is None
    await services.start()  # the index is built in the background
    await services.catalogue.rebuilt()
    assert services.catalogue.index is not None
    return services.catalogue


async def add_story(services, folder: Path, name: str, *, title: str, rating: str,
                    body: str) -> None:
    """Put a story in the library folder and reload, waiting for the new search index."""
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {title}\nauthor: Ines Rook\nrating: {rating}\n---\n\n{body}",
        encoding="utf-8")
    await services.use_library(Library.load(folder))
    await services.catalogue.rebuilt()


def found(outcome) -> SearchResults:
    assert isinstance(outcome, SearchResults), outcome
    return outcome


def card_of(outcome) -> StoryCard:
    assert isinstance(outcome, StoryCard), outcome
    return outcome


def fields(card: StoryCard) -> dict[str, str]:
    return {f.name: f.value for f in card.fields}


def lines(description: str) -> list[str]:
    return description.split("\n\n")[1:]


# --- listings --------------------------------------------------------------------------------


async def test_an_unfiltered_listing_is_the_whole_shelf_by_title_with_gated_marks(catalogue):
    listing = await catalogue.listing(GUILD, ListingFilters())
    assert isinstance(listing, Listing)
    assert listing.story_ids == ("short", "night-watch", "lantern")
    assert listing.pages == 1
    page = await catalogue.library_page(listing, 1, "alice", 1)
    assert page.description.startswith("**3** stories\n\n")
    first, second, third = lines(page.description)
    assert first.startswith("`1.` **A Short One** by Pip · `short`\nTeen · ")
    assert second.startswith("`2.` 🔞 **Night Watch** by Ines Rook · `night-watch`\nMature · ")
    assert third.startswith("`3.` **The Lantern Keeper** by Hollis Vane")
    assert "3 chapters · not started" in third
    assert page.footer == ("Page 1/1 · sorted by title · progress shown for alice · "
                           "/story <id> for details")
    assert (page.number, page.total, page.has_prev, page.has_next) == (1, 1, False, False)


async def test_a_listing_keeps_the_gate_it_was_asked_under(services, catalogue):
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.OFF)
    listing = await catalogue.listing(GUILD, ListingFilters())
    assert listing.gate.threshold == AgeThreshold.OFF
    page = await catalogue.library_page(listing, 1, "alice", 1)
    assert "🔞" not in page.description
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.TEEN)
    page = await catalogue.library_page(listing, 1, "alice", 1)
    assert "🔞" not in page.description


@pytest.mark.parametrize(("filters", "ids", "header"), [
    (ListingFilters(rating="Mature"), ("night-watch",), "**1** story matching rating Mature"),
    (ListingFilters(search="ines"), ("night-watch",), "**1** story matching search “ines”"),
    (ListingFilters(fandom="original", search="keeper"), ("lantern",),
     "**1** story matching search “keeper” · fandom “original”"),
    (ListingFilters(fandom="ORIGINAL"), ("short", "night-watch", "lantern"),
     "**3** stories matching fandom “ORIGINAL”"),
])
async def test_filtered_listings(catalogue, filters, ids, header):
    listing = await catalogue.listing(GUILD, filters)
    assert listing.story_ids == ids
    page = await catalogue.library_page(listing, 1, "alice", 1)
    assert page.description.split("\n\n")[0] == header


async def test_a_listing_with_nothing_matching_is_a_private_answer(catalogue):
    outcome = await catalogue.listing(GUILD, ListingFilters(search="dragons", rating="Explicit"))
    assert isinstance(outcome, Refused)
    assert outcome.text.startswith("No stories match search “dragons” · rating Explicit.")


async def test_a_long_listing_pages_and_leaves_out_stories_gone_since(catalogue):
    ids = ("short", "night-watch", "lantern") * 3 + ("gone",)
    listing = Listing(ids, ListingFilters(), Gate())
    assert listing.pages == 2
    first = await catalogue.library_page(listing, 1, "alice", 1)
    assert len(lines(first.description)) == LISTING_PAGE_SIZE
    assert first.description.startswith("**9** stories")
    assert (first.has_prev, first.has_next) == (False, True)
    last = await catalogue.library_page(listing, 1, "alice", 99)
    assert last.number == 2 and last.footer.startswith("Page 2/2 ·")
    assert [line.split("**")[1] for line in lines(last.description)] == ["The Lantern Keeper"]
    assert lines(last.description)[0].startswith("`9.` ")
    assert (last.has_prev, last.has_next) == (True, False)


async def test_a_listing_shows_the_progress_of_the_member_who_asked(services, catalogue):
    await services.reading.open(ALICE, "lantern", chapter=2)
    listing = await catalogue.listing(GUILD, ListingFilters(search="lantern"))
    mine = await catalogue.library_page(listing, 1, "alice", 1)
    theirs = await catalogue.library_page(listing, 2, "bob", 1)
    assert "3 chapters · ▰" in mine.description and "%" in mine.description
    assert "3 chapters · not started" in theirs.description
    assert "progress shown for bob" in theirs.footer


def test_listing_buttons_are_live_until_their_listing_closes(services):
    catalogue = services.catalogue
    first, second = catalogue.open_listing(), catalogue.open_listing()
    assert first != second
    assert catalogue.listing_live(first) and catalogue.listing_live(second)
    catalogue.close_listing(first)
    assert not catalogue.listing_live(first) and catalogue.listing_live(second)
    assert not catalogue.listing_live("abc123")


async def test_autocomplete_choices(catalogue):
    assert catalogue.fandom_choices(GUILD, "orig") == [("Original Work", "Original Work")]
    assert catalogue.fandom_choices(GUILD, "harbour") == []
    assert catalogue.tag_choices(GUILD, "") == []
    assert await catalogue.story_choices(GUILD, "night") == [
        ("Night Watch — Ines Rook 🔞", "night-watch")]
    assert await catalogue.story_choices(None, "lant") == [
        ("The Lantern Keeper — Hollis Vane", "lantern")]


# --- story cards -----------------------------------------------------------------------------


async def test_a_card_shows_the_story_and_that_it_is_not_started(catalogue):
    card = card_of(await catalogue.card(ALICE, "The Lantern Keeper", "alice"))
    assert (card.title, card.author, card.url) == ("The Lantern Keeper", "by Hollis Vane", None)
    assert card.description == "A test story."
    got = fields(card)
    assert got["Rating"] == "General Audiences"
    assert got["Chapters"] == "3"
    assert got["Fandoms"] == "Original Work"
    assert got["Chapter titles"] == ("1. Chapter 1 Title\n2. Chapter 2 Title\n"
                                     "3. Chapter 3 Title")
    assert got["Progress — alice"] == "Not started yet — `/read lantern` opens it."
    assert card.footer == "Open it with /read lantern"


async def test_a_card_shows_where_the_member_is(services, catalogue):
    shown = await services.reading.open(ALICE, "lantern", chapter=2)
    card = card_of(await catalogue.card(ALICE, "lantern", "alice"))
    assert fields(card)["Progress — alice"].endswith(
        f"% · saved at page {shown.page.number}/{shown.total}")
    other = card_of(await catalogue.card(Viewer(2, Place(GUILD)), "lantern", "bob"))
    assert fields(other)["Progress — bob"].startswith("Not started yet")


async def test_a_gated_card_withholds_its_summary_only_in_an_ordinary_channel(catalogue):
    here = card_of(await catalogue.card(ALICE, "night-watch", "alice"))
    assert "A test story." not in here.description
    assert "Rated Mature" in here.description and "age-restricted" in here.description
    assert fields(here)["Rating"] == "Mature 🔞"
    for viewer in (ALICE_IN_AGE_RESTRICTED, ALICE_IN_DM):
        there = card_of(await catalogue.card(viewer, "night-watch", "alice"))
        assert there.description == "A test story."
        assert fields(there)["Rating"] == "Mature 🔞"


async def test_a_card_for_an_unknown_story_is_a_private_answer(catalogue):
    outcome = await catalogue.card(ALICE, "lanturn keeper", "alice")
    assert isinstance(outcome, Refused)
    assert outcome.text.startswith("There is no story called “lanturn keeper”")


# --- search ----------------------------------------------------------------------------------


async def test_search_finds_passages_and_where_they_are(services, catalogue):
    results = found(await catalogue.search(ALICE, "Harbour WALL"))
    assert results.header == "Passages matching “Harbour WALL”:"
    assert 1 <= len(results.hits) <= 5
    for number, hit in enumerate(results.hits, 1):
        assert hit.story_id in ("lantern", "short")  # never the gated Night Watch
        paged = await services.library.paged(hit.story_id, 500)
        page = paged.page_at(hit.position)
        assert "harbour wall" in paged.text(page)
        assert hit.label.endswith(f" · p. {page.number}")
        assert hit.line.startswith(f"`{number}.` **")
        assert "**harbour wall**" in hit.line
    assert results.description.startswith(results.header + "\n\n`1.` ")


async def test_search_within_one_story(catalogue):
    results = found(await catalogue.search(ALICE, "lamplighter", "lantern"))
    assert results.header == "Passages matching “lamplighter” in **The Lantern Keeper**:"
    assert len(results.hits) == 5
    assert {hit.story_id for hit in results.hits} == {"lantern"}
    assert all(" · Chapter " in hit.line for hit in results.hits)


async def test_search_in_a_gated_story_opens_only_where_it_may_show(catalogue):
    refused = await catalogue.search(ALICE, "lamplighter", "night-watch")
    assert isinstance(refused, Refused)
    assert refused.text.startswith("**Night Watch** is rated Mature.")
    for viewer in (ALICE_IN_AGE_RESTRICTED, ALICE_IN_DM):
        results = found(await catalogue.search(viewer, "lamplighter", "night-watch"))
        assert {hit.story_id for hit in results.hits} == {"night-watch"}


async def test_search_answers_what_it_cannot_find(catalogue):
    assert (await catalogue.search(ALICE, "?!")) == Refused(
        "Search needs at least one letter or number.")
    assert (await catalogue.search(ALICE, "dragon AND (wyvern*)")) == Refused(
        "No passages match “dragon AND (wyvern\\*)”.")
    assert (await catalogue.search(ALICE, "kettle", "no such story")).text.startswith(
        "There is no story called “no such story”")


async def test_hits_in_stories_gated_here_are_hidden_and_said_to_exist(services, catalogue,
                                                                      tmp_path):
    await add_story(services, tmp_path / "library", "crimson", title="Crimson Hours",
                    rating="Explicit", body=f"They met in the {SECRET}, at dusk.")
    assert (await catalogue.search(ALICE, SECRET)) == Refused(
        f"No passages match “{SECRET}”. {WITHHELD}")
    for viewer in (ALICE_IN_AGE_RESTRICTED, ALICE_IN_DM):
        (hit,) = found(await catalogue.search(viewer, SECRET)).hits
        assert hit.story_id == "crimson" and "**Crimson Hours**" in hit.line
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.OFF)
    (hit,) = found(await catalogue.search(ALICE, SECRET)).hits
    assert hit.story_id == "crimson"


def add_late_arrival(folder: Path) -> None:
    """A story added to the folder after the library was first loaded."""
    (folder / "late.md").write_text("---\ntitle: Late Arrival\nrating: General Audiences\n"
                                    "---\n\nA brass weathervane creaked on the roof.",
                                    encoding="utf-8")


async def test_a_reload_rebuilds_the_index_without_holding_up_the_reload(services, catalogue,
                                                                        tmp_path):
    folder = tmp_path / "library"
    add_late_arrival(folder)
    before = catalogue.index
    await services.use_library(Library.load(folder))
    assert catalogue.index is before  # searches go on with the old index meanwhile
    meanwhile = await catalogue.search(ALICE, "brass weathervane")
    said = meanwhile.text if isinstance(meanwhile, Refused) else meanwhile.header
    assert "still taking in new and changed stories" in said
    await catalogue.rebuilt()
    assert "still taking in" not in found(await catalogue.search(ALICE, "lamplighter")).header
    assert catalogue.index is not before
    (hit,) = found(await catalogue.search(ALICE, "brass weathervane")).hits
    assert hit.story_id == "late"
    assert found(await catalogue.search(ALICE, "lamplighter", "lantern")).hits


async def test_the_newest_reload_wins(services, catalogue, tmp_path):
    folder = tmp_path / "library"
    await services.use_library(Library.load(folder))
    add_late_arrival(folder)
    await services.use_library(Library.load(folder))
    await catalogue.rebuilt()
    (hit,) = found(await catalogue.search(ALICE, "brass weathervane")).hits
    assert hit.story_id == "late"


async def test_a_restart_with_the_same_library_indexes_nothing(services, catalogue,
                                                               database_target, caplog):
    await services.database.close()
    database = await Database.open(database_target)
    try:
        restarted = Services(database, services.library, page_chars=500)
        with caplog.at_level(logging.INFO, logger="bot.library.search"):
            await restarted.start()
            await restarted.catalogue.rebuilt()
        assert "Search index: 0 stories re-indexed, 3 kept, 0 removed" in caplog.text
        assert restarted.catalogue.index == IndexPass(reindexed=0, kept=3, removed=0)
        (hit, *_) = found(await restarted.catalogue.search(ALICE, "Harbour WALL")).hits
        assert hit.story_id in ("lantern", "short")
    finally:
        await database.close()


async def test_searches_answer_from_what_is_indexed_while_a_reindex_runs(services, catalogue,
                                                                        tmp_path, monkeypatch):
    folder = tmp_path / "library"
    write_story(folder, "short", title="A Short One", rating="Teen", chapters=1, paragraphs=0)
    with (folder / "short.md").open("a", encoding="utf-8") as file:
        file.write("\n\nA brass weathervane creaked on the roof.")
    waiting, release = asyncio.Event(), asyncio.Event()
    replace = services.database.search.replace

    async def slow(*args, **kwargs):
        waiting.set()
        await release.wait()
        await replace(*args, **kwargs)

    monkeypatch.setattr(services.database.search, "replace", slow)
    await services.use_library(Library.load(folder))
    await asyncio.wait_for(waiting.wait(), 5)  # the pass is about to write `short`
    # Meanwhile searches find the story as it was indexed, and nothing of its new text.
    assert found(await catalogue.search(ALICE, "ferrywoman", "short")).hits
    assert isinstance(await catalogue.search(ALICE, "brass weathervane"), Refused)
    release.set()
    await catalogue.rebuilt()
    (hit,) = found(await catalogue.search(ALICE, "brass weathervane")).hits
    assert hit.story_id == "short"
    assert isinstance(await catalogue.search(ALICE, "ferrywoman", "short"), Refused)


async def test_stopping_ends_a_pass_under_way_and_leaves_the_index_usable(services, catalogue,
                                                                         tmp_path):
    folder = tmp_path / "library"
    add_late_arrival(folder)
    await services.use_library(Library.load(folder))
    await services.shutdown()
    await catalogue.rebuilt()  # nothing left running
    assert found(await catalogue.search(ALICE, "lamplighter", "lantern")).hits
