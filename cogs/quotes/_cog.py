"""/quote, the /quotes group (schedule, list, stop, resume), and the loop that posts.

The quote service picks quotes and makes every schedule decision; `cogs.quotes._poster`
posts what it decides. One `tasks.loop` serves every schedule: it asks only for the runs
that have come, then sleeps until the earliest next run (at most `MAX_SLEEP`), so idle
schedules cost nothing.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import tasks

from bot.app import StoryBot
from bot.quotes.schedules import EVERY, timezone_matches
from bot.quotes.service import Answer
from bot.reading.service import Refused
from cogs.quotes._poster import Poster, channel_access
from cogs.quotes.views import ReadFromHere, quote_embed, quote_view
from cogs.shared.answers import NO_PINGS, FeatureCog, is_manager, place_of, reply
from cogs.shared.embeds import choices

log = logging.getLogger(__name__)

LOOP_SECONDS = 30  # the first sleep; later ones run until the earliest next run
NOT_MANAGER = ("Only members with the Manage Server permission can schedule, stop or resume "
               "quote posts.")


class QuotesCog(FeatureCog, name="Quotes"):
    quotes_group = app_commands.Group(name="quotes", description="Quotes posted on a schedule",
                                      guild_only=True)

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.poster = Poster(bot)

    @property
    def quotes(self):
        return self.bot.services.quotes

    async def cog_load(self) -> None:
        self.ticker.start()

    async def cog_unload(self) -> None:
        self.ticker.cancel()

    # -- /quote --

    @app_commands.command(name="quote")
    @app_commands.describe(story="Only quote this story", text="Only quotes containing this")
    async def quote(self, interaction: discord.Interaction,
                    story: app_commands.Range[str, 1, 100] | None = None,
                    text: app_commands.Range[str, 2, 100] | None = None) -> None:
        """A random line from the library, with a button to read on from there."""
        card = await self.quotes.quote(place_of(interaction), story, text)
        if isinstance(card, Refused):
            await reply(interaction, card.text)
            return
        await interaction.response.send_message(embed=quote_embed(card), view=quote_view(card),
                                                allowed_mentions=NO_PINGS)

    @quote.autocomplete("story")
    async def _story_autocomplete(self, interaction: discord.Interaction, current: str):
        return choices(await self.quotes.story_choices(current, interaction.guild_id))

    # -- /quotes --

    async def _manager(self, interaction: discord.Interaction) -> bool:
        if is_manager(interaction):
            return True
        await reply(interaction, NOT_MANAGER)
        return False

    async def _answer(self, interaction: discord.Interaction, answer: Answer) -> None:
        if answer.wake:
            self.wake()
        await reply(interaction, answer.text)

    @quotes_group.command(name="schedule")
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
        if not await self._manager(interaction):
            return
        answer = await self.quotes.schedule(
            interaction.guild_id, channel.id, channel_access(channel), time=time,
            timezone=timezone, every=every, story=story, created_by=interaction.user.id,
            now=discord.utils.utcnow())
        await self._answer(interaction, answer)

    @schedule.autocomplete("timezone")
    async def _timezone_autocomplete(self, interaction: discord.Interaction, current: str):
        return [app_commands.Choice(name=n, value=n) for n in timezone_matches(current)]

    @schedule.autocomplete("story")
    async def _schedule_story_autocomplete(self, interaction: discord.Interaction,
                                           current: str):
        return choices(await self.quotes.story_choices(current))

    @quotes_group.command(name="list")
    async def list_(self, interaction: discord.Interaction) -> None:
        """This server's quote schedules and when each posts next."""
        await reply(interaction, await self.quotes.listing(interaction.guild_id))

    @quotes_group.command(name="stop")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(schedule="The schedule to remove (its # in /quotes list)")
    async def stop(self, interaction: discord.Interaction, schedule: int) -> None:
        """Remove a quote schedule."""
        if not await self._manager(interaction):
            return
        await reply(interaction, await self.quotes.stop(interaction.guild_id, schedule))

    @quotes_group.command(name="resume")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(schedule="The paused schedule to restart (its # in /quotes list)")
    async def resume(self, interaction: discord.Interaction, schedule: int) -> None:
        """Restart a paused quote schedule once its channel can take posts again."""
        if not await self._manager(interaction):
            return
        guild = interaction.guild
        answer = await self.quotes.resume(
            interaction.guild_id, schedule,
            lambda channel_id: channel_access(guild.get_channel(channel_id) if guild else None),
            discord.utils.utcnow())
        await self._answer(interaction, answer)

    @stop.autocomplete("schedule")
    async def _stop_autocomplete(self, interaction: discord.Interaction, current: str):
        return await self._schedule_choices(interaction, current, paused_only=False)

    @resume.autocomplete("schedule")
    async def _resume_autocomplete(self, interaction: discord.Interaction, current: str):
        return await self._schedule_choices(interaction, current, paused_only=True)

    async def _schedule_choices(self, interaction: discord.Interaction, current: str, *,
                                paused_only: bool) -> list[app_commands.Choice[int]]:
        guild = interaction.guild

        def channel_name(channel_id: int) -> str | None:
            channel = guild.get_channel(channel_id) if guild else None
            return channel.name if channel else None

        found = await self.quotes.schedule_choices(interaction.guild_id, current, channel_name,
                                                   paused_only=paused_only)
        return [app_commands.Choice(name=name, value=value) for name, value in found]

    # -- the loop --

    @tasks.loop(seconds=LOOP_SECONDS)
    async def ticker(self) -> None:
        delay = LOOP_SECONDS
        try:
            await self.poster.serve_due(discord.utils.utcnow())
            delay = await self.quotes.sleep_after(discord.utils.utcnow())
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


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(ReadFromHere)
    await bot.add_cog(QuotesCog(bot))
