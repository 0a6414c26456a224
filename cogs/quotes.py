"""Quotes in Discord: /quote, /quotes schedule|list|stop, and the loop that posts them.

Picking and the pool rules live in `bot.quotes`, time arithmetic in `bot.schedules`; this
cog turns them into embeds and messages. One `tasks.loop` serves every schedule: it asks
the database only for schedules whose run has come, then sleeps until the earliest next run
(at most `MAX_SLEEP`), so idle schedules cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app import StoryBot
from bot.library.catalogue import Library
from bot.library.lookup import NotFound, resolve, story_choices
from bot.quotes.pools import Quote, pick, pools_for, render_quote
from bot.quotes.schedules import (
    EVERY,
    Schedule,
    ScheduleError,
    describe,
    due,
    next_run,
    parse_every,
    parse_time,
    parse_timezone,
    timezone_matches,
)
from bot.reading.gate import Gate, may_show, refusal
from bot.text.markup import escape
from bot.text.story import Story
from cogs.shared.answers import age_restricted, reply, viewer_of
from cogs.shared.embeds import choices, clip, colour_for
from cogs.shared.pages import present

log = logging.getLogger(__name__)

LOOP_SECONDS = 30  # the first sleep; later ones run until the earliest next run
MAX_SLEEP = 3600  # a bound on trusting one long sleep
_STORY = r"(?P<story>[a-z0-9-]{1,60})"
_NO_PINGS = discord.AllowedMentions.none()


def quote_embed(story: Story, quote: Quote) -> discord.Embed:
    """The quote, then `— Title, by Author · Chapter N`, coloured by rating."""
    by = f", by {escape(story.meta.author, line_start=False)}" if story.meta.author else ""
    title = escape(clip(story.title, 200), line_start=False)
    source = f"— *{title}*{by} · Chapter {quote.chapter + 1}"
    # `escape` turns `<@id>` into literal text; an embed never pings `@everyone`, and every
    # message also goes out with no mentions allowed.
    return discord.Embed(description=f"{render_quote(story, quote)}\n\n{clip(source, 400)}",
                         colour=colour_for(story.meta.rating))


class ReadFromHere(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"sb:quote:(?P<pos>\d+):" + _STORY):
    """Opens the page a quote is on, privately, for whoever clicks."""

    def __init__(self, story_id: str, position: int) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, label="Read from here", emoji="📖",
            custom_id=f"sb:quote:{position}:{story_id}",
        ))
        self.story_id, self.position = story_id, position

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ReadFromHere:
        return cls(match["story"], int(match["pos"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StoryBot = interaction.client  # type: ignore[assignment]
        outcome = await bot.services.reading.open_at(viewer_of(interaction), self.story_id,
                                                     self.position)
        await present(interaction, outcome, private=True)


def quote_view(quote: Quote) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReadFromHere(quote.story_id, quote.offset))
    return view


def _missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    perms = channel.permissions_for(channel.guild.me)
    needed = {"View Channel": perms.view_channel, "Send Messages": perms.send_messages,
              "Embed Links": perms.embed_links}
    return [name for name, ok in needed.items() if not ok]


class QuotesCog(commands.Cog, name="Quotes"):
    quotes = app_commands.Group(name="quotes", description="Quotes posted on a schedule",
                                guild_only=True)

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.rng = random.Random()

    async def cog_load(self) -> None:
        self._warm(self.bot.library)
        self.ticker.start()

    async def cog_unload(self) -> None:
        self.ticker.cancel()

    def _warm(self, library: Library) -> None:
        # Pools build on first use anyway; building them in a worker thread now keeps the
        # first /quote quick without slowing start-up.
        self._warming = asyncio.get_running_loop().create_task(self._build(library))

    @staticmethod
    async def _build(library: Library) -> None:
        try:
            count = await asyncio.to_thread(pools_for(library).build_all)
        except Exception:
            log.exception("Building the quote pools failed; they will build on first use")
            return
        log.info("Quote pools ready: %d quotes", count)

    @commands.Cog.listener()
    async def on_library_reloaded(self, library: Library) -> None:
        self._warm(library)

    # -- picking --

    def eligible(self, gate: Gate, *, age_ok: bool, story_id: str | None) -> list[str]:
        """Stories whose quotes may appear here (gated ones only in age-restricted places)."""
        library = self.bot.library
        stories = [library.get(story_id)] if story_id else list(library)
        return [s.id for s in stories
                if s is not None and may_show(s.meta.rating, gate, age_restricted=age_ok,
                                              dm=False)]

    async def pick_for_guild(self, guild_id: int, story_ids: list[str]) -> Quote | None:
        """A quote this server has not been shown; its history starts over when used up."""
        pools = pools_for(self.bot.library)
        seen = await self.bot.database.quotes.posted_quote_ids(guild_id, story_ids)
        quote = pick(pools, self.rng, story_ids=story_ids, exclude=seen)
        if quote is None and seen:
            await self.bot.database.quotes.clear_posted_quotes(guild_id, story_ids)
            quote = pick(pools, self.rng, story_ids=story_ids)
        return quote

    # -- /quote --

    @app_commands.command(name="quote")
    @app_commands.describe(story="Only quote this story", text="Only quotes containing this")
    async def quote(self, interaction: discord.Interaction,
                    story: app_commands.Range[str, 1, 100] | None = None,
                    text: app_commands.Range[str, 2, 100] | None = None) -> None:
        """A random line from the library, with a button to read on from there."""
        story_id = None
        if story is not None:
            found = resolve(self.bot.library, story)
            if isinstance(found, NotFound):
                await reply(interaction, found.text)
                return
            gate = (await self.bot.database.settings.get(interaction.guild_id)).gate
            if not may_show(found.meta.rating, gate, dm=interaction.guild_id is None,
                            age_restricted=age_restricted(interaction.channel)):
                await reply(interaction, refusal(found.title, found.meta.rating, gate))
                return
            story_id = found.id
        settings = await self.bot.database.settings.get(interaction.guild_id)
        place_ok = interaction.guild_id is None or age_restricted(interaction.channel)
        ids = self.eligible(settings.gate, age_ok=place_ok, story_id=story_id)
        picked = pick(pools_for(self.bot.library), self.rng, story_ids=ids, containing=text)
        if picked is None:
            where = f" containing “{clip(text, 60)}”" if text else ""
            await reply(interaction, f"I found no quote{where} to show here.")
            return
        found = self.bot.library.get(picked.story_id)
        await interaction.response.send_message(embed=quote_embed(found, picked),
                                                view=quote_view(picked),
                                                allowed_mentions=_NO_PINGS)

    @quote.autocomplete("story")
    async def _story_autocomplete(self, interaction: discord.Interaction, current: str):
        settings = await self.bot.database.settings.get(interaction.guild_id)
        return choices(story_choices(self.bot.library, current, settings.gate))

    # -- /quotes --

    async def _is_manager(self, interaction: discord.Interaction) -> bool:
        # Default permissions only hide the command; server admins can change who sees it,
        # so the rule is checked here too.
        if interaction.permissions.manage_guild:
            return True
        await reply(interaction, "Only members with the Manage Server permission can "
                                 "schedule, stop or resume quote posts.")
        return False

    @quotes.command(name="schedule")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        channel="Where to post", time="Local time, like 09:00 or 21:30",
        timezone="IANA time zone, like Europe/London (default UTC)",
        every="day (default) or hour (posts at the minute of `time`)",
        story="Only quote this story (default: the whole library)",
    )
    @app_commands.choices(every=[app_commands.Choice(name=e, value=e) for e in EVERY])
    async def schedule(self, interaction: discord.Interaction, channel: discord.TextChannel,
                       time: app_commands.Range[str, 1, 20],
                       timezone: app_commands.Range[str, 1, 64] = "UTC",
                       every: str = "day",
                       story: app_commands.Range[str, 1, 100] | None = None) -> None:
        """Post a quote in a channel every day (or hour) at a local time."""
        if not await self._is_manager(interaction):
            return
        try:
            at, zone, interval = parse_time(time), parse_timezone(timezone), parse_every(every)
        except ScheduleError as exc:
            await reply(interaction, str(exc))
            return
        story_id = None
        if story is not None:
            found = resolve(self.bot.library, story)
            if isinstance(found, NotFound):
                await reply(interaction, found.text)
                return
            story_id = found.id
        if missing := _missing_permissions(channel):
            await reply(interaction, f"I can't post in {channel.mention}: I need "
                                     f"{', '.join(missing)} there.")
            return
        probe = Schedule(0, interaction.guild_id, channel.id, at, zone, interval, story_id,
                         discord.utils.utcnow())
        created = await self.bot.database.quotes.add_schedule(
            guild_id=interaction.guild_id, channel_id=channel.id, time_of_day=at, timezone=zone,
            every=interval, story_id=story_id,
            next_run=next_run(probe, discord.utils.utcnow()), created_by=interaction.user.id,
        )
        self.wake()
        what = f"quotes from `{story_id}`" if story_id else "a quote"
        await reply(interaction, f"Schedule #{created.id}: {what} in {channel.mention} "
                                 f"{describe(created)}; first "
                                 f"{discord.utils.format_dt(created.next_run, 'R')}.")

    @schedule.autocomplete("timezone")
    async def _timezone_autocomplete(self, interaction: discord.Interaction, current: str):
        return [app_commands.Choice(name=n, value=n) for n in timezone_matches(current)]

    @schedule.autocomplete("story")
    async def _schedule_story_autocomplete(self, interaction: discord.Interaction,
                                           current: str):
        return choices(story_choices(self.bot.library, current))

    @quotes.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """This server's quote schedules and when each posts next."""
        found = await self.bot.database.quotes.schedules(interaction.guild_id)
        if not found:
            await reply(interaction, "No quote schedules here. `/quotes schedule` adds one.")
            return
        lines = []
        for s in found:
            story = f" · `{s.story_id}`" if s.story_id else ""
            state = (f"⏸ paused: {s.paused_reason} (`/quotes resume` restarts it)"
                     if s.paused_reason
                     else f"next {discord.utils.format_dt(s.next_run, 'R')}")
            lines.append(f"**#{s.id}** <#{s.channel_id}> {describe(s)}{story} — {state}")
        await reply(interaction, clip_lines(lines))

    @quotes.command(name="stop")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(schedule="The schedule to remove (its # in /quotes list)")
    async def stop(self, interaction: discord.Interaction, schedule: int) -> None:
        """Remove a quote schedule."""
        if not await self._is_manager(interaction):
            return
        if await self.bot.database.quotes.delete_schedule(interaction.guild_id, schedule):
            await reply(interaction, f"Schedule #{schedule} removed.")
        else:
            await reply(interaction, f"There is no schedule #{schedule} here; see `/quotes list`.")

    @quotes.command(name="resume")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(schedule="The paused schedule to restart (its # in /quotes list)")
    async def resume(self, interaction: discord.Interaction, schedule: int) -> None:
        """Restart a paused quote schedule once its channel can take posts again."""
        if not await self._is_manager(interaction):
            return
        found = await self.bot.database.quotes.schedule(schedule)
        if found is None or found.guild_id != interaction.guild_id:
            await reply(interaction, f"There is no schedule #{schedule} here; see `/quotes list`.")
            return
        if not found.paused_reason:
            await reply(interaction, f"Schedule #{schedule} is not paused; it posts next "
                                     f"{discord.utils.format_dt(found.next_run, 'R')}.")
            return
        channel = interaction.guild.get_channel(found.channel_id) if interaction.guild else None
        if channel is None:
            await reply(interaction, f"Schedule #{schedule}'s channel no longer exists. "
                                     f"`/quotes stop` removes it; `/quotes schedule` adds one "
                                     "for another channel.")
            return
        if missing := _missing_permissions(channel):
            await reply(interaction, f"I still can't post in {channel.mention}: I need "
                                     f"{', '.join(missing)} there. Schedule #{schedule} stays "
                                     "paused.")
            return
        # From now on: runs missed while it was paused are not made up.
        upcoming = next_run(found, discord.utils.utcnow())
        await self.bot.database.quotes.resume_schedule(found.id, upcoming)
        self.wake()
        await reply(interaction, f"Schedule #{schedule} resumed: {describe(found)} in "
                                 f"{channel.mention}, next "
                                 f"{discord.utils.format_dt(upcoming, 'R')}.")

    @stop.autocomplete("schedule")
    async def _stop_autocomplete(self, interaction: discord.Interaction, current: str):
        return await self._schedule_choices(interaction, current, paused_only=False)

    @resume.autocomplete("schedule")
    async def _resume_autocomplete(self, interaction: discord.Interaction, current: str):
        return await self._schedule_choices(interaction, current, paused_only=True)

    async def _schedule_choices(self, interaction: discord.Interaction, current: str, *,
                                paused_only: bool) -> list[app_commands.Choice[int]]:
        found = await self.bot.database.quotes.schedules(interaction.guild_id)
        choices = []
        for s in found:
            if paused_only and not s.paused_reason:
                continue
            channel = interaction.guild.get_channel(s.channel_id) if interaction.guild else None
            name = f"#{s.id} · {describe(s)} in #{channel.name if channel else s.channel_id}"
            if current.strip().lstrip("#") in name:
                choices.append(app_commands.Choice(name=clip(name, 100), value=s.id))
        return choices[:25]

    # -- the loop --

    @tasks.loop(seconds=LOOP_SECONDS)
    async def ticker(self) -> None:
        delay = LOOP_SECONDS
        try:
            await self.serve_due(discord.utils.utcnow())
            upcoming = await self.bot.database.quotes.next_schedule_run()
            if upcoming is None:
                delay = MAX_SLEEP
            else:
                wait = (upcoming - discord.utils.utcnow()).total_seconds()
                delay = min(max(wait, 1), MAX_SLEEP)
        except Exception:
            # The loop must outlive any one bad run; the next tick tries again.
            log.exception("Serving quote schedules failed")
        self.ticker.change_interval(seconds=delay)

    def wake(self) -> None:
        """Serve schedules within a second (a schedule was added or resumed)."""
        if self.ticker.is_running():
            self.ticker.change_interval(seconds=1)

    @ticker.before_loop
    async def _before_ticker(self) -> None:
        await self.bot.wait_until_ready()

    async def serve_due(self, now) -> int:
        """Post every schedule whose run has come; the number posted."""
        posted = 0
        database = self.bot.database
        for decision in due(await database.quotes.due_schedules(now), now):
            schedule = decision.schedule
            # The next run is saved before posting: a crash mid-post loses that one post
            # rather than posting it twice after the restart.
            await database.quotes.set_next_run(schedule.id, decision.next_run)
            if not decision.post:
                log.info("Skipped quote schedule %d: its run at %s is past the grace window",
                         schedule.id, schedule.next_run.isoformat())
                continue
            try:
                posted += await self.post(schedule)
            except discord.HTTPException as exc:
                # Discord's own trouble (discord.py has already retried): the schedule stays
                # as it is and tries again at its next run.
                log.warning("Quote schedule %d: Discord refused the post (%s %s); next run %s",
                            schedule.id, exc.status, exc.code, decision.next_run.isoformat())
            except Exception:
                log.exception("Quote schedule %d failed", schedule.id)
        return posted

    async def post(self, schedule: Schedule) -> int:
        """Post one scheduled quote; pause the schedule when its channel cannot take it."""
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild else None
        if channel is None:
            return await self._pause(schedule, "the channel no longer exists")
        if missing := _missing_permissions(channel):
            return await self._pause(schedule, f"I lack {', '.join(missing)} in "
                                               f"{channel.mention}")
        settings = await self.bot.database.settings.get(schedule.guild_id)
        ids = self.eligible(settings.gate, age_ok=age_restricted(channel),
                            story_id=schedule.story_id)
        quote = await self.pick_for_guild(schedule.guild_id, ids) if ids else None
        if quote is None:
            log.info("Quote schedule %d has nothing it may post in channel %d", schedule.id,
                     schedule.channel_id)
            return 0
        story = self.bot.library.get(quote.story_id)
        try:
            await channel.send(embed=quote_embed(story, quote), view=quote_view(quote),
                               allowed_mentions=_NO_PINGS)
        except discord.NotFound:
            return await self._pause(schedule, "the channel no longer exists")
        except discord.Forbidden:
            return await self._pause(schedule, f"I may not post in {channel.mention}")
        await self.bot.database.quotes.record_posted_quote(schedule.guild_id, quote.story_id,
                                                           quote.id)
        return 1

    async def _pause(self, schedule: Schedule, reason: str) -> int:
        log.warning("Paused quote schedule %d in server %d: %s", schedule.id,
                    schedule.guild_id, reason)
        await self.bot.database.quotes.pause_schedule(schedule.id, reason)
        return 0


def clip_lines(lines: list[str], limit: int = 1900) -> str:
    """Lines joined up to a message's length, with a count of what did not fit."""
    out, size = [], 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            out.append(f"…and {len(lines) - index} more.")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(ReadFromHere)
    await bot.add_cog(QuotesCog(bot))
