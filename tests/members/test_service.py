"""The members service on a real library and SQLite file: shelf, bookmarks, deleting."""

from __future__ import annotations

from bot.members.confirmations import CONFIRM_SECONDS
from bot.members.service import EXPIRED, FORGET_QUESTION, Question
from bot.reading.gate import Place
from bot.reading.pages import Action, page_anchor
from bot.reading.service import GONE, Refused, Shown, Viewer
from bot.storage.progress import PageMessage, Paging

GUILD = 10
ALICE = Viewer(1, Place(GUILD))
BOB = Viewer(2, Place(GUILD))
NOW = 5_000.0


def shown(outcome) -> Shown:
    assert isinstance(outcome, Shown), outcome
    return outcome


def asked(question) -> Question:
    assert isinstance(question, Question), question
    return question


async def read(services, viewer: Viewer, story_id: str, turns: int = 0) -> Shown:
    """Open a story privately and turn `turns` pages, as the page buttons do."""
    page = shown(await services.reading.open(viewer, story_id))
    for _ in range(turns):
        page = shown(await services.reading.turn(viewer, story_id, viewer.user_id,
                                                 page.page.start, Action.NEXT))
    return page


# --- the shelf -------------------------------------------------------------------------------


async def test_shelf_after_reading_two_stories(services):
    await read(services, ALICE, "lantern", turns=2)
    await read(services, ALICE, "short")
    shelf = await services.members.shelf(1, 1)
    assert [row.story_id for row in shelf.rows] == ["short", "lantern"]
    short, lantern = shelf.rows
    assert short.finished and short.percent == 100 and (short.page, short.pages) == (1, 1)
    assert lantern.title == "The Lantern Keeper" and lantern.page == 3 and not lantern.finished
    assert lantern.pages == len((await services.library.paged("lantern", 500)).pages)
    assert shelf.text == f"{short.line()}\n\n{lantern.line()}"
    assert (shelf.page, shelf.pages, shelf.footer) == (1, 1, "2 stories")


async def test_a_long_shelf_is_paged_and_a_page_past_the_end_is_the_last(services):
    for number in range(12):
        await services.database.progress.record_page(
            1, f"gone-{number:02}", position=0, anchor="", page_end=10, length=100,
            now=1000 + number)
    second = await services.members.shelf(1, 2)
    assert [row.story_id for row in second.rows] == [f"gone-{n:02}" for n in range(6, 1, -1)]
    assert second.footer == "12 stories · page 2/3" and second.pages == 3
    assert not any(row.available for row in second.rows)
    last = await services.members.shelf(1, 9)
    assert last.page == 3 and len(last.rows) == 2


async def test_an_empty_shelf_says_what_to_do(services):
    shelf = await services.members.shelf(1, 1)
    assert shelf.rows == [] and "Your shelf is empty" in shelf.text


async def test_reset_choices_match_titles_and_ids_of_the_members_stories(services):
    await read(services, ALICE, "lantern")
    await read(services, ALICE, "short")
    assert await services.members.reset_choices(1, "") == [
        ("A Short One", "short"), ("The Lantern Keeper", "lantern")]
    assert await services.members.reset_choices(1, "KEEPER") == [
        ("The Lantern Keeper", "lantern")]
    assert await services.members.reset_choices(2, "") == []


# --- bookmarks -------------------------------------------------------------------------------


async def test_bookmark_add_list_open_and_remove(services):
    page = await read(services, ALICE, "lantern", turns=2)
    text = await services.members.bookmark_latest(1, "  the   storm ")
    assert text == ("🔖 Bookmarked page 3 of **The Lantern Keeper**. `/bookmark list` takes "
                    "you back.")
    (mark,) = await services.database.bookmarks.list(1)
    assert (mark.position, mark.note) == (page.page.start, "the storm")
    assert mark.anchor == page_anchor(page.paged, page.page) != ""

    listed = await services.members.bookmarks(1, 1)
    assert [(m.id, m.index, m.page) for m in listed.marks] == [(mark.id, 1, 3)]
    assert listed.text.startswith("1. **The Lantern Keeper** — page 3 · “the storm” · ")

    opened = shown(await services.members.open_bookmark(ALICE, mark.id))
    assert opened.page.number == 3 and opened.note == "🔖 the storm"
    assert isinstance(await services.members.open_bookmark(BOB, mark.id), Refused)

    assert "no such bookmark" in await services.members.remove_bookmark(2, str(mark.id))
    assert "no such bookmark" in await services.members.remove_bookmark(1, "the storm")
    assert await services.members.remove_bookmark(1, f" {mark.id} ") == "Bookmark deleted."
    assert await services.database.bookmarks.list(1) == []
    assert "You have no bookmarks" in (await services.members.bookmarks(1, 1)).text


async def test_bookmark_add_before_reading_says_so(services):
    assert "haven't started" in await services.members.bookmark_latest(1)
    assert await services.database.bookmarks.count(1) == 0


async def test_bookmark_button_keeps_the_page_it_was_under(services):
    page = await read(services, ALICE, "lantern", turns=1)
    text = await services.members.bookmark_at(2, "lantern", page.page.start)
    assert text.startswith("🔖 Bookmarked page 2 of **The Lantern Keeper**")
    (mark,) = await services.database.bookmarks.list(2)
    assert mark.anchor == page_anchor(page.paged, page.page)
    assert await services.members.bookmark_at(2, "gone", 0) == GONE


async def test_bookmark_reaction_counts_only_for_the_reader(services):
    page = await read(services, ALICE, "lantern", turns=2)
    await services.reading.remember(PageMessage(500, 600, GUILD, 1, "lantern",
                                                page.page.start, Paging.REACTIONS))
    assert not await services.members.bookmark_reading(2, 500)
    assert not await services.members.bookmark_reading(1, 501)
    assert await services.members.bookmark_reading(1, 500)
    (mark,) = await services.database.bookmarks.list(1)
    assert mark.position == page.page.start and mark.note == ""
    assert await services.database.bookmarks.list(2) == []


async def test_a_bookmark_whose_story_left_the_library_cannot_be_opened(services):
    await services.database.bookmarks.add(1, "gone", 10, "", "old")
    listed = await services.members.bookmarks(1, 1)
    assert listed.marks[0].page is None and "no longer in the library" in listed.text
    gone = await services.members.open_bookmark(ALICE, listed.marks[0].id)
    assert isinstance(gone, Refused) and gone.text == GONE


async def test_bookmark_choices_filter_on_title_page_and_note(services):
    await read(services, ALICE, "lantern")
    await services.members.bookmark_latest(1, "keep")
    await read(services, ALICE, "short")
    await services.members.bookmark_latest(1)
    every = await services.members.bookmark_choices(1, "")
    assert [name for name, _ in every] == ["A Short One (p. 1)",
                                           "The Lantern Keeper (p. 1) — keep"]
    (only,) = await services.members.bookmark_choices(1, "KEEP")
    assert only[0] == "The Lantern Keeper (p. 1) — keep"
    assert int(only[1]) == (await services.database.bookmarks.list(1))[1].id


# --- reset and forget, behind a confirmation -------------------------------------------------


async def test_reset_asks_first_and_only_its_member_may_answer(services):
    await read(services, ALICE, "lantern", turns=1)
    await services.members.bookmark_latest(1)
    question = asked(await services.members.ask_reset(1, "The Lantern Keeper", now=NOW))
    assert question.text == ("Delete your place and your bookmarks in **The Lantern Keeper**? "
                             "This cannot be undone.")
    assert len(question.code) == 16

    other = await services.members.confirm(2, question.code, True, now=NOW)
    assert isinstance(other, Refused) and other.text == "This question was for someone else."
    assert await services.members.confirm(1, question.code, False, now=NOW) == (
        "Cancelled; nothing was deleted.")
    assert await services.members.confirm(1, question.code, True, now=NOW) == EXPIRED
    assert await services.database.progress.get(1, "lantern") is not None

    question = asked(await services.members.ask_reset(1, "lantern", now=NOW))
    done = await services.members.confirm(1, question.code, True, now=NOW + 10)
    assert done == "Done. Your place in **The Lantern Keeper** is forgotten, with 1 bookmark."
    assert await services.database.progress.get(1, "lantern") is None
    assert await services.database.bookmarks.count(1) == 0


async def test_reset_of_an_unread_or_unknown_story_is_refused(services):
    unread = await services.members.ask_reset(1, "short")
    assert isinstance(unread, Refused)
    assert unread.text == "You have no progress in A Short One; there is nothing to reset."
    unknown = await services.members.ask_reset(1, "no such tale")
    assert isinstance(unknown, Refused) and "There is no story called" in unknown.text


async def test_a_confirmation_expires(services):
    await read(services, ALICE, "lantern")
    question = services.members.ask_forget(1, now=NOW)
    assert question.text == FORGET_QUESTION
    late = NOW + CONFIRM_SECONDS + 1
    assert await services.members.confirm(1, question.code, True, now=late) == EXPIRED
    assert await services.database.progress.get(1, "lantern") is not None


async def test_forget_me_deletes_everything_about_the_member_only(services):
    page = await read(services, ALICE, "lantern", turns=1)
    await services.members.bookmark_at(1, "lantern", page.page.start)
    await services.members.set_stats_optout(1, True)
    await read(services, BOB, "short")
    question = services.members.ask_forget(1, now=NOW)
    text = await services.members.confirm(1, question.code, True, now=NOW + 1)
    assert text.startswith("Done. I deleted 1 story's progress, 1 bookmark and 1 stats opt-out.")
    assert "opt-out went too" in text
    assert await services.database.progress.count(1) == 0
    assert await services.database.bookmarks.count(1) == 0
    assert not await services.database.stats.optout(1)
    assert await services.database.progress.count(2) == 1


async def test_stats_opt_out_is_the_members_choice(services):
    out = await services.members.set_stats_optout(1, True)
    assert "out of the stats" in out and await services.database.stats.optout(1)
    back = await services.members.set_stats_optout(1, False)
    assert back == "You are back in the stats from now on."
    assert not await services.database.stats.optout(1)
