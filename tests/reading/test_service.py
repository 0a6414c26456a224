"""The reading service on a real library and SQLite file: opening, turning, the gate."""

from __future__ import annotations

from bot.reading.gate import AgeThreshold, Place
from bot.reading.pages import Action
from bot.reading.service import GONE, Refused, Shown, Viewer, closes_message
from bot.storage.progress import PageMessage, Paging

GUILD = 10
ALICE = Viewer(1, Place(GUILD))
BOB = Viewer(2, Place(GUILD))
ALICE_IN_AGE_RESTRICTED = Viewer(1, Place(GUILD, age_restricted=True))
ALICE_IN_DM = Viewer(1, Place(None))


def shown(outcome) -> Shown:
    assert isinstance(outcome, Shown), outcome
    return outcome


async def test_open_shows_the_first_page_and_saves_the_place(services):
    page = shown(await services.reading.open(ALICE, "lantern"))
    assert (page.story_id, page.owner, page.page.number, page.page.start) == ("lantern", 1, 1, 0)
    assert page.total == len((await services.library.paged("lantern", 500)).pages) > 3
    saved = await services.database.progress.get(1, "lantern")
    assert saved is not None and saved.position == 0 and saved.pages_turned == 0


async def test_open_by_exact_title_finds_the_story_and_near_misses_get_suggestions(services):
    assert shown(await services.reading.open(ALICE, "the lantern KEEPER")).story_id == "lantern"
    outcome = await services.reading.open(ALICE, "lantern keeper")
    assert isinstance(outcome, Refused) and "Did you mean `lantern`?" in outcome.text


async def test_open_an_unknown_story_is_refused_with_a_reason(services):
    outcome = await services.reading.open(ALICE, "no such tale anywhere")
    assert isinstance(outcome, Refused) and "no such tale anywhere" in outcome.text
    assert await services.database.progress.latest(1) is None


async def test_a_chapter_past_the_end_is_clamped_with_a_note(services):
    page = shown(await services.reading.open(ALICE, "lantern", chapter=9))
    assert page.page.chapter == 2  # the third and last chapter
    assert "has 3 chapters" in page.note and "chapter 3" in page.note


async def test_a_page_past_the_end_is_clamped_with_a_note(services):
    page = shown(await services.reading.open(ALICE, "lantern", page=999))
    assert page.page.number == page.total
    assert f"has {page.total} pages" in page.note


async def test_a_gated_story_is_refused_in_an_ordinary_channel_and_saves_nothing(services):
    outcome = await services.reading.open(ALICE, "night-watch")
    assert isinstance(outcome, Refused)
    assert "Night Watch" in outcome.text and "Mature" in outcome.text
    assert await services.database.progress.get(1, "night-watch") is None


async def test_a_gated_story_opens_in_an_age_restricted_channel_and_in_a_dm(services):
    assert shown(await services.reading.open(ALICE_IN_AGE_RESTRICTED, "night-watch"))
    assert shown(await services.reading.open(ALICE_IN_DM, "night-watch"))


async def test_the_servers_threshold_decides_what_is_gated(services):
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.OFF)
    assert shown(await services.reading.open(ALICE, "night-watch"))
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.TEEN)
    assert isinstance(await services.reading.open(ALICE, "short"), Refused)


async def test_turning_saves_every_page_and_counts_words(services):
    first = shown(await services.reading.open(ALICE, "lantern"))
    second = shown(await services.reading.turn(ALICE, "lantern", 1, first.page.start,
                                               Action.NEXT))
    assert second.page.number == 2
    saved = await services.database.progress.get(1, "lantern")
    assert saved.position == second.page.start and saved.pages_turned == 1
    assert saved.words_read > 0
    back = shown(await services.reading.turn(ALICE, "lantern", 1, second.page.start,
                                             Action.PREV))
    assert back.page.number == 1
    assert (await services.database.progress.get(1, "lantern")).position == 0


async def test_the_last_page_marks_the_story_finished(services):
    first = shown(await services.reading.open(ALICE, "short"))
    last = shown(await services.reading.turn(ALICE, "short", 1, first.page.start, Action.LAST))
    assert last.page.number == last.total
    assert (await services.database.progress.get(1, "short")).finished_at is not None


async def test_only_the_reader_turns_unless_the_server_is_a_reading_club(services):
    first = shown(await services.reading.open(ALICE, "lantern"))
    refused = await services.reading.turn(BOB, "lantern", 1, first.page.start, Action.NEXT)
    assert isinstance(refused, Refused) and "belong to" in refused.text
    await services.database.settings.update(GUILD, club_mode=True)
    turned = shown(await services.reading.turn(BOB, "lantern", 1, first.page.start,
                                               Action.NEXT))
    assert turned.owner == 1 and turned.page.number == 2


async def test_a_turn_checks_the_gate_as_it_is_now(services):
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.OFF)
    first = shown(await services.reading.open(ALICE, "night-watch"))
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.MATURE)
    outcome = await services.reading.turn(ALICE, "night-watch", 1, first.page.start,
                                          Action.NEXT)
    assert isinstance(outcome, Refused) and "Mature" in outcome.text


async def test_continue_reopens_the_saved_place_or_says_why_not(services):
    nothing = await services.reading.continue_(ALICE)
    assert isinstance(nothing, Refused) and "haven't started" in nothing.text
    first = shown(await services.reading.open(ALICE, "lantern", chapter=2))
    again = shown(await services.reading.continue_(ALICE))
    assert again.page.start == first.page.start
    fresh = shown(await services.reading.continue_(ALICE, "short"))
    assert fresh.page.number == 1 and "hadn't started" in fresh.note


async def test_a_place_is_found_again_by_its_anchor_when_the_offset_is_stale(services):
    paged = await services.library.paged("lantern", 500)
    target = paged.pages[4]
    anchor_text = paged.story.plain[target.start:target.start + 40]
    page = shown(await services.reading.open_at(ALICE, "lantern", 3, anchor=anchor_text))
    assert page.page.start == target.start


async def test_a_story_that_left_the_library_is_gone_on_every_path(services):
    for outcome in (
        await services.reading.open_saved(ALICE, "vanished"),
        await services.reading.open_at(ALICE, "vanished", 0),
        await services.reading.turn(ALICE, "vanished", 1, 0, Action.NEXT),
        await services.reading.jump(ALICE, "vanished", 1, page=2),
    ):
        assert outcome == Refused(GONE)


async def test_jump_goes_to_a_page_or_chapter_and_clamps(services):
    page = shown(await services.reading.jump(ALICE, "lantern", 1, page=3))
    assert page.page.number == 3 and page.note == ""
    far = shown(await services.reading.jump(ALICE, "lantern", 1, page=500))
    assert far.page.number == far.total and "showing page" in far.note
    chapter = shown(await services.reading.jump(ALICE, "lantern", 1, chapter=2))
    assert chapter.page.chapter == 1


async def test_the_go_to_page_form_offers_the_pages_only_where_the_story_may_show(services):
    assert await services.reading.pages_for_form(ALICE, "lantern", 1) == len(
        (await services.library.paged("lantern", 500)).pages)
    assert isinstance(await services.reading.pages_for_form(ALICE, "night-watch", 1), Refused)
    assert isinstance(await services.reading.pages_for_form(BOB, "lantern", 1), Refused)


async def test_a_reaction_turns_the_reading_on_its_message(services):
    first = shown(await services.reading.open(ALICE, "lantern"))
    await services.reading.remember(PageMessage(500, 600, GUILD, 1, "lantern",
                                                first.page.start, Paging.REACTIONS))
    row, outcome = await services.reading.reaction(ALICE, 500, Action.NEXT)
    assert row.message_id == 500 and shown(outcome).page.number == 2
    stored = await services.reading.message(500)
    assert stored.position == shown(outcome).page.start


async def test_a_reaction_that_leads_nowhere_or_is_not_the_members_does_nothing(services):
    first = shown(await services.reading.open(ALICE, "lantern"))
    await services.reading.remember(PageMessage(500, 600, GUILD, 1, "lantern",
                                                first.page.start, Paging.REACTIONS))
    row, outcome = await services.reading.reaction(ALICE, 500, Action.PREV)
    assert row.message_id == 500 and outcome is None
    assert await services.reading.reaction(BOB, 500, Action.NEXT) is None
    assert await services.reading.reaction(ALICE, 501, Action.NEXT) is None
    assert (await services.database.progress.get(1, "lantern")).pages_turned == 0


def test_only_a_gate_refusal_closes_and_only_that_storys_reading():
    row = PageMessage(9, 8, 7, 1, "lantern", 0, Paging.BUTTONS)
    gated, other = Refused("held back", gated=True), Refused("not yours")
    assert closes_message(gated, row, "lantern", private=False)
    assert not closes_message(gated, row, "night-watch", private=False)  # a forged id
    assert not closes_message(other, row, "lantern", private=False)
    assert closes_message(gated, None, "lantern", private=True)  # the member's own copy
    assert not closes_message(gated, None, "lantern", private=False)
