"""/stories: the library's admin commands. `reload` reads the stories folder again.

Reloading is the bot owner's (the application's owner or team, as Discord reports it): the
folder is on the owner's machine and a reload costs the whole bot a read of it. The answer
comes at once and is edited with how far the reload is, then with what changed.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands

from bot.app import StoryBot
from bot.library.reload import describe_progress, describe_reload, reload_report
from cogs.shared.answers import NO_PINGS, FeatureCog, reply

log = logging.getLogger(__name__)

#: How often a reload's answer is edited with its progress.
PROGRESS_EVERY = 2.0


class StoriesCog(FeatureCog, name="Stories"):
    stories = app_commands.Group(
        name="stories", description="Manage the story library",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @stories.command(name="reload")
    async def reload(self, interaction: discord.Interaction) -> None:
        """Read the stories folder again: new, changed and removed files (bot owner only)."""
        if not await self.bot.is_owner(interaction.user):
            await reply(interaction, "Only the bot's owner can reload the library: the "
                                     "stories folder is on their machine.")
            return
        if self.bot.reloading:
            await reply(interaction, "A reload is already under way; its answer will say "
                                     "what changed.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        before = self.bot.library
        done = [0, 0]

        def progress(read: int, total: int) -> None:
            done[:] = [read, total]

        task = asyncio.create_task(self.bot.reload_library(progress))
        shown = None
        while not task.done():
            await asyncio.wait({task}, timeout=PROGRESS_EVERY)
            text = describe_progress(*done)
            if not task.done() and text != shown:
                shown = text
                await self._edit(interaction, text)
        after = task.result()
        await self._edit(interaction, describe_reload(reload_report(before, after)))

    async def _edit(self, interaction: discord.Interaction, text: str) -> None:
        try:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("Could not update the reload's answer (%s %s)", exc.status, exc.code)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(StoriesCog(bot))
