"""/progress, /forgetme, the /bookmark group and the 🔖 reaction.

The members service decides what a shelf, a bookmark list or a deletion says; the controls
under them are in `cogs.members.views`.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import StoryBot
from bot.reading.pages import BOOKMARK, reaction_action
from bot.reading.service import Refused
from cogs.members.views import CONTROLS, bookmarks_message, confirm_view, shelf_message
from cogs.shared.answers import FeatureCog, reply
from cogs.shared.embeds import choices
from cogs.shared.reactions import tidy_reaction


class MembersCog(FeatureCog, name="Members"):
    bookmark = app_commands.Group(name="bookmark", description="Keep places in stories")

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @property
    def members(self):
        return self.bot.services.members

    # -- /progress and /forgetme --

    @app_commands.command(name="progress")
    @app_commands.describe(reset="A story to forget your place and bookmarks in (asks first)",
                           page="Page of your shelf to show")
    async def progress(self, interaction: discord.Interaction,
                       reset: app_commands.Range[str, 1, 100] | None = None,
                       page: app_commands.Range[int, 1, None] = 1) -> None:
        """Your shelf: the stories you are reading, newest first, with continue buttons."""
        user_id = interaction.user.id
        if reset is None:
            embed, view = shelf_message(await self.members.shelf(user_id, page), user_id)
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
            return
        question = await self.members.ask_reset(user_id, reset)
        if isinstance(question, Refused):
            await reply(interaction, question.text)
            return
        await interaction.response.send_message(question.text, view=confirm_view(question.code),
                                                ephemeral=True)

    @progress.autocomplete("reset")
    async def reset_autocomplete(self, interaction: discord.Interaction, current: str
                                 ) -> list[app_commands.Choice[str]]:
        return choices(await self.members.reset_choices(interaction.user.id, current))

    @app_commands.command(name="forgetme")
    async def forgetme(self, interaction: discord.Interaction) -> None:
        """Delete everything I store about you (asks first)."""
        question = self.members.ask_forget(interaction.user.id)
        await interaction.response.send_message(question.text, view=confirm_view(question.code),
                                                ephemeral=True)

    # -- /bookmark --

    @bookmark.command(name="add")
    @app_commands.describe(note="A few words to remember it by")
    async def bookmark_add(self, interaction: discord.Interaction,
                           note: app_commands.Range[str, 0, 200] | None = None) -> None:
        """Bookmark your current place in the story you read last."""
        await reply(interaction, await self.members.bookmark_latest(interaction.user.id, note))

    @bookmark.command(name="list")
    @app_commands.describe(page="Page of the list to show")
    async def bookmark_list(self, interaction: discord.Interaction,
                            page: app_commands.Range[int, 1, None] = 1) -> None:
        """Your bookmarks, newest first; each button opens its page."""
        user_id = interaction.user.id
        embed, view = bookmarks_message(await self.members.bookmarks(user_id, page), user_id)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @bookmark.command(name="remove")
    @app_commands.describe(bookmark="The bookmark to delete")
    async def bookmark_remove(self, interaction: discord.Interaction,
                              bookmark: app_commands.Range[str, 1, 20]) -> None:
        """Delete one of your bookmarks."""
        await reply(interaction, await self.members.remove_bookmark(interaction.user.id,
                                                                    bookmark))

    @bookmark_remove.autocomplete("bookmark")
    async def bookmark_autocomplete(self, interaction: discord.Interaction, current: str
                                    ) -> list[app_commands.Choice[str]]:
        return choices(await self.members.bookmark_choices(interaction.user.id, current))

    # -- 🔖 reaction --

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        if reaction_action(str(payload.emoji)) != BOOKMARK:
            return
        if await self.members.bookmark_reading(payload.user_id, payload.message_id):
            await tidy_reaction(self.bot, payload)


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(*CONTROLS)
    await bot.add_cog(MembersCog(bot))
