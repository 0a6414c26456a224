"""New chapters of a server's AO3 works: the loop that checks them, the posts that announce
them, and /follow and /unfollow.

The core decides what is due, what changed and what each post says; this module looks at
Discord (does the channel exist, is it age-restricted, may the bot post there) and sends.
A post carries a button that opens the first new chapter privately, for whoever clicks.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import tasks

from bot.app import StoryBot
from bot.library.updates import Announcement
from cogs.shared import ids
from cogs.shared.answers import NO_PINGS, FeatureCog, reply, send_privately, viewer_of
from cogs.shared.embeds import choices

log = logging.getLogger(__name__)

#: The loop's first sleep; later ones last until the next check falls due (at most three
#: hours, or a week with no work in progress to check, until one is added). Checks
#: themselves go out at the AO3 client's pace, one at a time.
LOOP_SECONDS = 600


def read_button(announcement: Announcement) -> discord.ui.View:
    """📖 Read it: opens the first new chapter privately (the search-hit control)."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(
        style=discord.ButtonStyle.primary, label="📖 Read it",
        custom_id=ids.hit(announcement.story_id, announcement.first.position)))
    view.stop()  # dispatched by custom id; nothing to keep
    return view


async def deliver(bot: StoryBot, announcement: Announcement) -> None:
    """Post an announcement in its server's channel and send it to the story's followers."""
    updates = bot.services.updates
    channel = (bot.get_channel(announcement.channel_id)
               if announcement.channel_id is not None else None)
    if isinstance(channel, discord.TextChannel):
        shown = await updates.shown_in_channel(announcement,
                                               age_restricted=channel.is_nsfw())
        try:
            if shown:
                await channel.send(announcement.text(shown=True),
                                   view=read_button(announcement), allowed_mentions=NO_PINGS)
            else:
                await channel.send(announcement.text(shown=False), allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("Could not announce %s in channel %s (%s %s)", announcement.story_id,
                        channel.id, exc.status, exc.code)
    elif announcement.channel_id is not None:
        log.warning("Server %d's announcement channel %d is gone", announcement.guild_id,
                    announcement.channel_id)
    for user_id in announcement.followers:
        await send_privately(bot, user_id, announcement.text(shown=True),
                             view=read_button(announcement))


class UpdatesCog(FeatureCog, name="Updates"):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @property
    def updates(self):
        return self.bot.services.updates

    async def cog_load(self) -> None:
        self.checker.start()

    async def cog_unload(self) -> None:
        self.checker.cancel()

    @app_commands.command(name="follow")
    @app_commands.describe(story="One of this server's AO3 works")
    async def follow(self, interaction: discord.Interaction,
                     story: app_commands.Range[str, 1, 100]) -> None:
        """Hear of a work's new chapters in a DM from the bot."""
        await reply(interaction, await self.updates.follow(
            viewer_of(interaction), story, now=discord.utils.utcnow().timestamp()))

    @app_commands.command(name="unfollow")
    @app_commands.describe(story="A work you follow")
    async def unfollow(self, interaction: discord.Interaction,
                       story: app_commands.Range[str, 1, 100]) -> None:
        """Stop hearing of a work's new chapters."""
        await reply(interaction, await self.updates.unfollow(viewer_of(interaction), story))

    @follow.autocomplete("story")
    @unfollow.autocomplete("story")
    async def _story_autocomplete(self, interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[str]]:
        return choices(await self.updates.follow_choices(interaction.guild_id, current))

    @tasks.loop(seconds=LOOP_SECONDS)
    async def checker(self) -> None:
        delay = LOOP_SECONDS
        try:
            now = discord.utils.utcnow().timestamp()
            for story_id in await self.updates.due(now):
                announcement = await self.updates.check(story_id, now=now)
                if announcement is not None:
                    await deliver(self.bot, announcement)
            delay = await self.updates.sleep_after(discord.utils.utcnow().timestamp())
        except Exception:
            # The loop must outlive any one bad pass; the next one tries again.
            log.exception("Checking works for new chapters failed")
        self.checker.change_interval(seconds=delay)

    def wake(self) -> None:
        """Look again within a minute: a work in progress was added or fetched."""
        if self.checker.is_running():
            self.checker.change_interval(seconds=60)

    @checker.before_loop
    async def _before_checker(self) -> None:
        await self.bot.wait_until_ready()
