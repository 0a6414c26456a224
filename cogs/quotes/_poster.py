"""Posting scheduled quotes: where the quote service's decisions meet Discord.

The service says which runs are due and what each posts; this looks the channel up, checks
the bot's permissions there, sends, and reports back what Discord said.
"""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.app import StoryBot
from bot.quotes.schedules import Schedule
from bot.quotes.service import ChannelAccess
from cogs.quotes.views import quote_embed, quote_view
from cogs.shared.answers import NO_PINGS, age_restricted

log = logging.getLogger(__name__)


def channel_access(channel: discord.abc.GuildChannel | None) -> ChannelAccess | None:
    """What the quote service needs to know of a channel; None when there is none."""
    if channel is None:
        return None
    perms = channel.permissions_for(channel.guild.me)
    needed = {"View Channel": perms.view_channel, "Send Messages": perms.send_messages,
              "Embed Links": perms.embed_links}
    return ChannelAccess(tuple(name for name, ok in needed.items() if not ok),
                         age_restricted(channel))


class Poster:
    """Posts the quotes of every schedule whose run has come."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @property
    def quotes(self):
        return self.bot.services.quotes

    async def serve_due(self, now: datetime) -> int:
        """Post every schedule whose run has come; the number posted."""
        posted = 0
        async for run in self.quotes.runs_due(now):
            try:
                posted += await self.post(run.schedule)
            except discord.HTTPException as exc:
                # Discord's own trouble (discord.py has already retried): the schedule stays
                # as it is and tries again at its next run.
                log.warning("Quote schedule %d: Discord refused the post (%s %s); next run %s",
                            run.schedule.id, exc.status, exc.code, run.next_run.isoformat())
            except Exception:
                log.exception("Quote schedule %d failed", run.schedule.id)
        return posted

    async def post(self, schedule: Schedule) -> int:
        """Post one scheduled quote; the service pauses the schedule when its channel
        cannot take it."""
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.channel_id) if guild else None
        card = await self.quotes.to_post(schedule, channel_access(channel))
        if card is None:
            return 0
        try:
            await channel.send(embed=quote_embed(card), view=quote_view(card),
                               allowed_mentions=NO_PINGS)
        except discord.NotFound:
            await self.quotes.post_refused(schedule, gone=True)
            return 0
        except discord.Forbidden:
            await self.quotes.post_refused(schedule, gone=False)
            return 0
        await self.quotes.posted(schedule, card)
        return 1
