"""The quote service on a real library and SQLite file: picking, schedules, the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.library.catalogue import Library
from bot.quotes.service import MAX_SLEEP, Answer, ChannelAccess, QuoteCard
from bot.reading.gate import AgeThreshold, Place
from bot.reading.service import Refused
from bot.text.markup import to_plain
from tests.helpers import write_story

GUILD = 10
CHANNEL = 20
ORDINARY = Place(GUILD)
RESTRICTED = Place(GUILD, age_restricted=True)
OPEN = ChannelAccess()
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def add(services, *, time="12:30", every="day", story=None, channel=CHANNEL,
              now=NOW):
    """A schedule made as `/quotes schedule` makes it; the stored row."""
    answer = await services.quotes.schedule(GUILD, channel, OPEN, time=time, every=every,
                                            story=story, created_by=1, now=now)
    assert answer.wake, answer.text
    return (await services.database.quotes.schedules(GUILD))[-1]


async def runs(services, now):
    return [run async for run in services.quotes.runs_due(now)]


# --- where quotes may appear -----------------------------------------------------------------


async def test_gated_stories_are_quoted_only_in_age_restricted_channels_and_dms(services):
    assert sorted(await services.quotes.eligible(ORDINARY)) == ["lantern", "short"]
    everything = ["lantern", "night-watch", "short"]
    assert sorted(await services.quotes.eligible(RESTRICTED)) == everything
    assert sorted(await services.quotes.eligible(Place(None))) == everything


async def test_eligibility_follows_the_servers_gate_and_a_chosen_story(services):
    await services.database.settings.update(GUILD, age_threshold=AgeThreshold.TEEN)
    assert await services.quotes.eligible(ORDINARY) == ["lantern"]
    assert await services.quotes.eligible(ORDINARY, "short") == []
    assert await services.quotes.eligible(RESTRICTED, "short") == ["short"]
    assert await services.quotes.eligible(RESTRICTED, "gone") == []


async def test_quote_refuses_a_gated_story_in_an_ordinary_channel(services):
    refused = await services.quotes.quote(ORDINARY, "night-watch")
    assert isinstance(refused, Refused) and "age-restricted" in refused.text
    card = await services.quotes.quote(RESTRICTED, "night-watch")
    assert isinstance(card, QuoteCard)
    assert card.quote.story_id == "night-watch" and card.rating == "Mature"
    assert "— *Night Watch*, by Ines Rook · Chapter 1" in card.text


async def test_quote_names_what_it_could_not_find(services):
    missing = await services.quotes.quote(ORDINARY, "no-such-story")
    assert isinstance(missing, Refused) and "There is no story called" in missing.text
    none = await services.quotes.quote(ORDINARY, text="zebra crossing")
    assert isinstance(none, Refused)
    assert none.text == "I found no quote containing “zebra crossing” to show here."
    found = await services.quotes.quote(ORDINARY, text="FERRYWOMAN")
    assert isinstance(found, QuoteCard) and "ferrywoman" in found.quote.text


async def test_an_unrestricted_quote_never_comes_from_a_gated_story(services):
    services.quotes.rng.seed(7)
    for _ in range(30):
        card = await services.quotes.quote(ORDINARY)
        assert isinstance(card, QuoteCard) and card.quote.story_id != "night-watch"


async def test_a_reloaded_library_is_quoted_at_once(services, tmp_path):
    folder = tmp_path / "reloaded"
    folder.mkdir()
    write_story(folder, "harbour", title="Harbour Lights", rating="General Audiences",
                chapters=1, paragraphs=2)
    await services.use_library(Library.load(folder))
    card = await services.quotes.quote(ORDINARY)
    assert isinstance(card, QuoteCard) and card.quote.story_id == "harbour"
    assert isinstance(await services.quotes.quote(ORDINARY, "lantern"), Refused)


# --- no repeats ------------------------------------------------------------------------------


async def test_a_server_sees_every_quote_once_before_any_repeats(services):
    schedule = await add(services, story="short")
    texts = []
    for _ in range(4):  # "short" has one paragraph: four quotes
        card = await services.quotes.to_post(schedule, OPEN)
        assert card is not None
        await services.quotes.posted(schedule, card)
        texts.append(card.quote.text)
    assert len(set(texts)) == 4
    again = await services.quotes.to_post(schedule, OPEN)
    assert again is not None and again.quote.text in texts
    # The history started over: the next three are the other quotes of the pool.
    await services.quotes.posted(schedule, again)
    rest = []
    for _ in range(3):
        card = await services.quotes.to_post(schedule, OPEN)
        await services.quotes.posted(schedule, card)
        rest.append(card.quote.text)
    assert sorted([again.quote.text, *rest]) == sorted(texts)


async def test_one_servers_history_does_not_hold_back_another(services):
    seen = set()
    for _ in range(4):
        quote = await services.quotes.pick_for_guild(GUILD, ["short"])
        await services.database.quotes.record_posted_quote(GUILD, "short", quote.id)
        seen.add(quote.id)
    assert len(seen) == 4
    assert (await services.quotes.pick_for_guild(GUILD + 1, ["short"])).id in seen
    assert await services.database.quotes.posted_quote_ids(GUILD + 1, ["short"]) == set()


# --- making schedules ------------------------------------------------------------------------


async def test_a_new_schedule_runs_next_at_its_local_time(services):
    answer = await services.quotes.schedule(GUILD, CHANNEL, OPEN, time="9am",
                                            timezone="europe/london", story="lantern",
                                            created_by=1, now=NOW)
    (saved,) = await services.database.quotes.schedules(GUILD)
    assert (saved.time, saved.timezone, saved.every, saved.story_id) == (
        "09:00", "Europe/London", "day", "lantern")
    assert saved.next_run == datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    assert answer == Answer(
        f"Schedule #{saved.id}: quotes from `lantern` in <#{CHANNEL}> every day at 09:00 "
        f"(Europe/London); first <t:{int(saved.next_run.timestamp())}:R>.", wake=True)


async def test_a_schedule_is_refused_for_bad_options_then_for_the_channel(services):
    bad_time = await services.quotes.schedule(GUILD, CHANNEL, ChannelAccess(("Send Messages",)),
                                              time="25:00", created_by=1, now=NOW)
    assert "is not a time" in bad_time.text and not bad_time.wake
    bad_story = await services.quotes.schedule(GUILD, CHANNEL, OPEN, time="09:00",
                                               story="nothing-like-it", created_by=1, now=NOW)
    assert "There is no story called" in bad_story.text and not bad_story.wake
    closed = await services.quotes.schedule(
        GUILD, CHANNEL, ChannelAccess(("Send Messages", "Embed Links")), time="09:00",
        created_by=1, now=NOW)
    assert closed == Answer(f"I can't post in <#{CHANNEL}>: I need Send Messages, Embed Links "
                            "there.")
    assert await services.database.quotes.schedules(GUILD) == []


# --- the scheduler's decisions ---------------------------------------------------------------


async def test_only_runs_that_have_come_are_due(services):
    schedule = await add(services, time="12:30")
    assert await runs(services, NOW + timedelta(minutes=29)) == []
    (run,) = await runs(services, NOW + timedelta(minutes=31))
    assert run.schedule.id == schedule.id and run.post
    # The next run is saved before the run is handed over to be posted.
    saved = await services.database.quotes.schedule(schedule.id)
    assert saved.next_run == run.next_run == datetime(2026, 1, 2, 12, 30, tzinfo=UTC)
    assert await runs(services, NOW + timedelta(minutes=32)) == []


async def test_a_run_missed_beyond_grace_is_skipped_but_rescheduled(services):
    schedule = await add(services, time="12:30")
    late = NOW + timedelta(hours=3)
    assert await runs(services, late) == []
    saved = await services.database.quotes.schedule(schedule.id)
    assert saved.next_run == datetime(2026, 1, 2, 12, 30, tzinfo=UTC)


async def test_a_paused_schedule_is_never_due(services):
    schedule = await add(services, time="12:30")
    await services.quotes.pause(schedule, "the channel no longer exists")
    assert await runs(services, NOW + timedelta(minutes=31)) == []


async def test_a_missing_channel_or_permission_pauses_with_its_reason(services):
    gone = await add(services, time="12:30")
    locked = await add(services, time="12:30", channel=CHANNEL + 1)
    refused = await add(services, time="12:30", channel=CHANNEL + 2)
    assert await services.quotes.to_post(gone, None) is None
    assert await services.quotes.to_post(locked, ChannelAccess(("Send Messages",))) is None
    await services.quotes.post_refused(refused, gone=False)
    reasons = {s.id: s.paused_reason for s in await services.database.quotes.schedules(GUILD)}
    assert reasons == {
        gone.id: "the channel no longer exists",
        locked.id: f"I lack Send Messages in <#{CHANNEL + 1}>",
        refused.id: f"I may not post in <#{CHANNEL + 2}>",
    }


async def test_a_gated_story_posts_only_in_an_age_restricted_channel(services):
    schedule = await add(services, story="night-watch")
    assert await services.quotes.to_post(schedule, OPEN) is None
    assert (await services.database.quotes.schedule(schedule.id)).paused_reason is None
    card = await services.quotes.to_post(schedule, ChannelAccess(age_restricted=True))
    assert card is not None and card.quote.story_id == "night-watch"
    assert to_plain(card.text.rsplit("\n\n— ", 1)[0]) == card.quote.text


async def test_the_loop_sleeps_until_the_next_run_within_bounds(services):
    assert await services.quotes.sleep_after(NOW) == MAX_SLEEP
    await add(services, time=":10", every="hour")  # next at 12:10
    assert await services.quotes.sleep_after(NOW) == 600
    assert await services.quotes.sleep_after(NOW + timedelta(hours=1)) == 1
    assert await services.quotes.sleep_after(NOW - timedelta(hours=5)) == MAX_SLEEP


# --- resume, list, stop ----------------------------------------------------------------------


async def test_resume_restarts_a_paused_schedule_from_now(services):
    schedule = await add(services, time=":05", every="hour")
    await services.quotes.pause(schedule, "I lack Send Messages in <#20>")
    later = NOW + timedelta(hours=5, minutes=30)
    answer = await services.quotes.resume(GUILD, schedule.id, lambda _: OPEN, later)
    assert answer.wake and answer.text.startswith(f"Schedule #{schedule.id} resumed: every hour")
    saved = await services.database.quotes.schedule(schedule.id)
    assert saved.paused_reason is None
    assert saved.next_run == datetime(2026, 1, 1, 18, 5, tzinfo=UTC)


async def test_resume_explains_why_it_cannot(services):
    schedule = await add(services)
    not_paused = await services.quotes.resume(GUILD, schedule.id, lambda _: OPEN, NOW)
    assert "is not paused" in not_paused.text and not not_paused.wake
    elsewhere = await services.quotes.resume(GUILD + 1, schedule.id, lambda _: OPEN, NOW)
    assert elsewhere.text == f"There is no schedule #{schedule.id} here; see `/quotes list`."
    await services.quotes.pause(schedule, "the channel no longer exists")
    asked = []

    def gone(channel_id):
        asked.append(channel_id)

    answer = await services.quotes.resume(GUILD, schedule.id, gone, NOW)
    assert asked == [CHANNEL]
    assert "no longer exists" in answer.text and "/quotes stop" in answer.text
    still = await services.quotes.resume(GUILD, schedule.id,
                                         lambda _: ChannelAccess(("Embed Links",)), NOW)
    assert still.text == (f"I still can't post in <#{CHANNEL}>: I need Embed Links there. "
                          f"Schedule #{schedule.id} stays paused.")
    assert (await services.database.quotes.schedule(schedule.id)).paused_reason


async def test_the_list_says_when_each_posts_or_why_it_is_paused(services):
    assert await services.quotes.listing(GUILD) == ("No quote schedules here. "
                                                    "`/quotes schedule` adds one.")
    running = await add(services, time="12:30", story="short")
    paused = await add(services, time=":15", every="hour", channel=CHANNEL + 1)
    await services.quotes.pause(paused, "the channel no longer exists")
    assert (await services.quotes.listing(GUILD)).splitlines() == [
        f"**#{running.id}** <#{CHANNEL}> every day at 12:30 (UTC) · `short` — next "
        f"<t:{int(running.next_run.timestamp())}:R>",
        f"**#{paused.id}** <#{CHANNEL + 1}> every hour at :15 (UTC) — ⏸ paused: the channel "
        "no longer exists (`/quotes resume` restarts it)",
    ]


async def test_stop_removes_only_this_servers_schedule(services):
    schedule = await add(services)
    assert await services.quotes.stop(GUILD + 1, schedule.id) == (
        f"There is no schedule #{schedule.id} here; see `/quotes list`.")
    assert await services.quotes.stop(GUILD, schedule.id) == f"Schedule #{schedule.id} removed."
    assert await services.database.quotes.schedules(GUILD) == []


async def test_schedule_choices_name_the_channel_and_filter_paused(services):
    running = await add(services)
    paused = await add(services, channel=CHANNEL + 1)
    await services.quotes.pause(paused, "the channel no longer exists")
    names = {CHANNEL: "reading"}
    every = await services.quotes.schedule_choices(GUILD, "", names.get, paused_only=False)
    assert every == [
        (f"#{running.id} · every day at 12:30 (UTC) in #reading", running.id),
        (f"#{paused.id} · every day at 12:30 (UTC) in #{CHANNEL + 1}", paused.id),
    ]
    only = await services.quotes.schedule_choices(GUILD, "", names.get, paused_only=True)
    assert [value for _, value in only] == [paused.id]
    typed = await services.quotes.schedule_choices(GUILD, "#reading", names.get,
                                                   paused_only=False)
    assert [value for _, value in typed] == [running.id]
