"""Quotes decided without Discord: which quote may show where, schedules, and what they post.

`QuoteService` picks quotes for a place (gated stories only in DMs and age-restricted
channels) and for a server's schedules (no repeat until its pool is used up), and makes
every scheduler decision: which runs are due, what each posts, when a schedule pauses and
why. The cog looks at Discord (does the channel exist, may the bot post there), sends,
and reports back.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.library.catalogue import Library
from bot.library.lookup import NotFound, resolve, story_choices
from bot.quotes.pools import Quote, StoryPool, pick, render_quote
from bot.quotes.schedules import (
    Decision,
    Schedule,
    ScheduleError,
    describe,
    due,
    next_run,
    parse_every,
    parse_time,
    parse_timezone,
)
from bot.reading.gate import Place, refusal, shown_in
from bot.reading.service import Refused
from bot.text.formatting import clip, clip_lines, inline
from bot.text.story import Story, StoryError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

#: The longest the loop trusts one sleep (seconds), however far off the next run is.
MAX_SLEEP = 3600
CHANNEL_GONE = "the channel no longer exists"


@dataclass(frozen=True, slots=True)
class QuoteCard:
    """A quote as it is shown: its text and source line, and the rating for its colour."""

    quote: Quote
    rating: str
    text: str


@dataclass(frozen=True, slots=True)
class ChannelAccess:
    """What the cog found in an existing channel: the permissions the bot lacks there
    (by name) and whether the channel is age-restricted."""

    missing: tuple[str, ...] = ()
    age_restricted: bool = False


#: Looks a channel up by id for the service; None when it no longer exists.
Probe = Callable[[int], ChannelAccess | None]


@dataclass(frozen=True, slots=True)
class Answer:
    """What to tell the admin; `wake` when a schedule was added or resumed."""

    text: str
    wake: bool = False


def quote_card(story: Story, quote: Quote) -> QuoteCard:
    """The quote as on a page, then `— *Title*, by Author · Chapter N`, both escaped."""
    by = f", by {inline(story.meta.author, 150)}" if story.meta.author else ""
    source = f"— *{inline(story.title, 200)}*{by} · Chapter {quote.chapter + 1}"
    return QuoteCard(quote, story.meta.rating, f"{render_quote(story, quote)}\n\n{source}")


def _relative(when: datetime) -> str:
    """A Discord timestamp that reads as `in 5 hours` in each member's own clock."""
    return f"<t:{int(when.timestamp())}:R>"


def _no_schedule(schedule_id: int) -> str:
    return f"There is no schedule #{schedule_id} here; see `/quotes list`."


class LibraryPools:
    """The library's quote pools for `pick`: sizes from the catalogue, pools from the
    texts as they are opened (made in a worker thread the first time)."""

    def __init__(self, library: Library) -> None:
        self._library = library

    def size(self, story_id: str) -> int:
        return self._library.entry(story_id).quotes if story_id in self._library else 0

    async def pool(self, story_id: str) -> StoryPool:
        try:
            text = await self._library.open(story_id)
        except StoryError as exc:  # quoted again once the library has it back
            log.warning("No quotes from %s for now: %s", story_id, exc)
            return StoryPool(None)
        if text.pool is None:
            await asyncio.to_thread(text.quotes)
        return text.quotes()


class QuoteService:
    """Quotes on request and on a schedule, for every server."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self.rng = random.Random()

    @property
    def _quotes(self):
        return self._services.database.quotes

    # --- picking ----------------------------------------------------------------------------

    async def eligible(self, place: Place, story_id: str | None = None) -> list[str]:
        """Stories whose quotes may appear in `place`: all, or only `story_id`, less the
        ones the server gates unless the place is a DM or an age-restricted channel."""
        gate = (await self._services.database.settings.get(place.guild_id)).gate
        library = self._services.library_for(place.guild_id)
        stories = [library.get(story_id)] if story_id else list(library)
        return [s.id for s in stories
                if s is not None and shown_in(place, gate, s.meta.rating)]

    async def pick_for_guild(self, guild_id: int, story_ids: list[str]) -> Quote | None:
        """A quote this server has not been shown; its history starts over when used up."""
        pools = LibraryPools(self._services.library_for(guild_id))
        seen = await self._quotes.posted_quote_ids(guild_id, story_ids)
        quote = await pick(pools, self.rng, story_ids=story_ids, exclude=seen)
        if quote is None and seen:
            await self._quotes.clear_posted_quotes(guild_id, story_ids)
            quote = await pick(pools, self.rng, story_ids=story_ids)
        return quote

    async def quote(self, place: Place, story: str | None = None,
                    text: str | None = None) -> QuoteCard | Refused:
        """`/quote`: a random quote that may show here, from one story or any, perhaps
        containing `text`."""
        library = self._services.library_for(place.guild_id)
        story_id = None
        if story is not None:
            found = resolve(library, story)
            if isinstance(found, NotFound):
                return Refused(found.text)
            gate = (await self._services.database.settings.get(place.guild_id)).gate
            if not shown_in(place, gate, found.meta.rating):
                return Refused(refusal(found.title, found.meta.rating, gate))
            story_id = found.id
        ids = await self.eligible(place, story_id)
        picked = await pick(LibraryPools(library), self.rng, story_ids=ids, containing=text)
        if picked is None:
            where = f" containing “{inline(text, 120)}”" if text else ""
            return Refused(f"I found no quote{where} to show here.")
        return quote_card((await library.open(picked.story_id)).story, picked)

    async def story_choices(self, current: str,
                            guild_id: int | None = None) -> list[tuple[str, str]]:
        """Autocomplete: (label, id) of matching stories, marked by the server's gate (the
        default gate without a server)."""
        gate = (await self._services.database.settings.get(guild_id)).gate
        return story_choices(self._services.library_for(guild_id), current, gate)

    # --- schedules --------------------------------------------------------------------------

    async def schedule(self, guild_id: int, channel_id: int, access: ChannelAccess, *,
                       time: str, timezone: str = "UTC", every: str = "day",
                       story: str | None = None, created_by: int, now: datetime) -> Answer:
        """`/quotes schedule`: check the options, then the channel, and add the schedule."""
        try:
            at, zone, interval = parse_time(time), parse_timezone(timezone), parse_every(every)
        except ScheduleError as exc:
            return Answer(str(exc))
        story_id = None
        if story is not None:
            found = resolve(self._services.library_for(guild_id), story)
            if isinstance(found, NotFound):
                return Answer(found.text)
            story_id = found.id
        if access.missing:
            return Answer(f"I can't post in <#{channel_id}>: I need "
                          f"{', '.join(access.missing)} there.")
        probe = Schedule(0, guild_id, channel_id, at, zone, interval, story_id, now)
        created = await self._quotes.add_schedule(
            guild_id=guild_id, channel_id=channel_id, time_of_day=at, timezone=zone,
            every=interval, story_id=story_id, next_run=next_run(probe, now),
            created_by=created_by,
        )
        what = f"quotes from `{story_id}`" if story_id else "a quote"
        return Answer(f"Schedule #{created.id}: {what} in <#{channel_id}> {describe(created)}; "
                      f"first {_relative(created.next_run)}.", wake=True)

    async def listing(self, guild_id: int) -> str:
        """`/quotes list`: each schedule, and when it posts next or why it is paused."""
        found = await self._quotes.schedules(guild_id)
        if not found:
            return "No quote schedules here. `/quotes schedule` adds one."
        lines = []
        for s in found:
            story = f" · `{s.story_id}`" if s.story_id else ""
            state = (f"⏸ paused: {s.paused_reason} (`/quotes resume` restarts it)"
                     if s.paused_reason else f"next {_relative(s.next_run)}")
            lines.append(f"**#{s.id}** <#{s.channel_id}> {describe(s)}{story} — {state}")
        return clip_lines(lines)

    async def stop(self, guild_id: int, schedule_id: int) -> str:
        """`/quotes stop`: remove one of the server's schedules."""
        if await self._quotes.delete_schedule(guild_id, schedule_id):
            return f"Schedule #{schedule_id} removed."
        return _no_schedule(schedule_id)

    async def resume(self, guild_id: int, schedule_id: int, probe: Probe,
                     now: datetime) -> Answer:
        """`/quotes resume`: restart a paused schedule once its channel can take posts.

        Runs missed while it was paused are not made up: it runs next after `now`.
        """
        found = await self._quotes.schedule(schedule_id)
        if found is None or found.guild_id != guild_id:
            return Answer(_no_schedule(schedule_id))
        if not found.paused_reason:
            return Answer(f"Schedule #{schedule_id} is not paused; it posts next "
                          f"{_relative(found.next_run)}.")
        access = probe(found.channel_id)
        if access is None:
            return Answer(f"Schedule #{schedule_id}'s channel no longer exists. `/quotes stop` "
                          "removes it; `/quotes schedule` adds one for another channel.")
        if access.missing:
            return Answer(f"I still can't post in <#{found.channel_id}>: I need "
                          f"{', '.join(access.missing)} there. Schedule #{schedule_id} stays "
                          "paused.")
        upcoming = next_run(found, now)
        await self._quotes.resume_schedule(found.id, upcoming)
        return Answer(f"Schedule #{schedule_id} resumed: {describe(found)} in "
                      f"<#{found.channel_id}>, next {_relative(upcoming)}.", wake=True)

    async def schedule_choices(self, guild_id: int, current: str,
                               channel_name: Callable[[int], str | None], *,
                               paused_only: bool) -> list[tuple[str, int]]:
        """Autocomplete: (label, id) of the server's schedules (only paused ones for resume)."""
        choices = []
        for s in await self._quotes.schedules(guild_id):
            if paused_only and not s.paused_reason:
                continue
            name = channel_name(s.channel_id)
            label = f"#{s.id} · {describe(s)} in #{s.channel_id if name is None else name}"
            if current.strip().lstrip("#") in label:
                choices.append((clip(label, 100), s.id))
        return choices[:25]

    # --- the scheduler ----------------------------------------------------------------------

    async def runs_due(self, now: datetime) -> AsyncIterator[Decision]:
        """The runs to post for `now`, each handed over once it is claimed.

        Only the schedules of this process's servers are looked at (`Services.shards`).
        A run is claimed by moving its schedule on to the next run in the database, and
        only the caller that moved it gets it: two processes on one database, or a
        restart racing a pass still under way, never post the same run twice, and a crash
        mid-post loses that one post rather than posting it again. A run missed by more
        than the grace window is skipped.
        """
        shards = self._services.shards
        for decision in due(await self._quotes.due_schedules(now, shards), now):
            schedule = decision.schedule
            if not await self._quotes.claim_run(schedule.id, schedule.next_run,
                                                decision.next_run):
                log.info("Quote schedule %d: its run at %s was taken elsewhere", schedule.id,
                         schedule.next_run.isoformat())
                continue
            if not decision.post:
                log.info("Skipped quote schedule %d: its run at %s is past the grace window",
                         schedule.id, schedule.next_run.isoformat())
                continue
            yield decision

    async def to_post(self, schedule: Schedule, access: ChannelAccess | None) -> QuoteCard | None:
        """What a due schedule posts in its channel (None: its channel is gone, or not the
        bot's to post in, and the schedule is paused; or nothing there may be quoted)."""
        if access is None:
            await self.pause(schedule, CHANNEL_GONE)
            return None
        if access.missing:
            await self.pause(schedule, f"I lack {', '.join(access.missing)} in "
                                       f"<#{schedule.channel_id}>")
            return None
        ids = await self.eligible(Place(schedule.guild_id, access.age_restricted),
                                  schedule.story_id)
        quote = await self.pick_for_guild(schedule.guild_id, ids) if ids else None
        if quote is None:
            log.info("Quote schedule %d has nothing it may post in channel %d", schedule.id,
                     schedule.channel_id)
            return None
        library = self._services.library_for(schedule.guild_id)
        return quote_card((await library.open(quote.story_id)).story, quote)

    async def posted(self, schedule: Schedule, card: QuoteCard) -> None:
        """A scheduled quote went out: the server is not shown it again for a while."""
        await self._quotes.record_posted_quote(schedule.guild_id, card.quote.story_id,
                                               card.quote.id)

    async def post_refused(self, schedule: Schedule, *, gone: bool) -> None:
        """Discord refused a scheduled post: the channel is gone, or closed to the bot."""
        await self.pause(schedule, CHANNEL_GONE if gone
                         else f"I may not post in <#{schedule.channel_id}>")

    async def pause(self, schedule: Schedule, reason: str) -> None:
        """Stop a schedule until an admin resumes it; `reason` shows in `/quotes list`."""
        log.warning("Paused quote schedule %d in server %d: %s", schedule.id,
                    schedule.guild_id, reason)
        await self._quotes.pause_schedule(schedule.id, reason)

    async def sleep_after(self, now: datetime) -> float:
        """Seconds the loop may sleep from `now`: until the earliest next run of this
        process's servers, at least one second and at most `MAX_SLEEP`."""
        upcoming = await self._quotes.next_schedule_run(self._services.shards)
        if upcoming is None:
            return MAX_SLEEP
        return min(max((upcoming - now).total_seconds(), 1), MAX_SLEEP)
