"""/read and /continue, page reactions, and the go-to-page form's answers.

The reading service decides which page and whether it may show here; `cogs.shared.pages`
shows it. Page state lives in the database (reaction readings) or in the controls'
custom ids (button readings), so both keep working after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import StoryBot
from bot.library.lookup import story_choices
from bot.reading.gate import Place
from bot.reading.pages import Action, reaction_action
from bot.reading.service import Outcome, Refused, Viewer, closes_message
from bot.storage.progress import PageMessage
from cogs.shared.answers import FeatureCog, age_restricted, send_privately, viewer_of
from cogs.shared.controls import CONTROLS, answer_goto_form
from cogs.shared.embeds import choices
from cogs.shared.pages import close_page_message, edit_page_message, present
from cogs.shared.reactions import tidy_reaction

log = logging.getLogger(__name__)


class ReadingCog(FeatureCog, name="Reading"):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @property
    def reading(self):
        return self.bot.services.reading

    # -- commands --

    @app_commands.command(name="read")
    @app_commands.describe(
        story="Title, author or fandom to search for",
        chapter="Chapter number to open",
        page="Page number (within the chapter when a chapter is given)",
        private="Read privately, with buttons only you can see",
    )
    async def read(
        self,
        interaction: discord.Interaction,
        story: app_commands.Range[str, 1, 100],
        chapter: app_commands.Range[int, 1, None] | None = None,
        page: app_commands.Range[int, 1, None] | None = None,
        private: bool = False,
    ) -> None:
        """Open a story and read it page by page."""
        outcome = await self.reading.open(viewer_of(interaction), story, chapter=chapter,
                                          page=page)
        await present(interaction, outcome, private=private)

    @app_commands.command(name="continue")
    @app_commands.describe(story="The story to continue (default: the one you read last)")
    async def continue_(
        self, interaction: discord.Interaction,
        story: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Reopen a story exactly where you stopped."""
        outcome = await self.reading.continue_(viewer_of(interaction), story)
        await present(interaction, outcome, private=False)

    @read.autocomplete("story")
    @continue_.autocomplete("story")
    async def story_autocomplete(self, interaction: discord.Interaction, current: str
                                 ) -> list[app_commands.Choice[str]]:
        settings = await self.bot.database.settings.get(interaction.guild_id)
        return choices(story_choices(self.bot.library, current, settings.gate))

    # -- the go-to-page form --

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await answer_goto_form(interaction)

    # -- reactions --

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        # In DMs the bot cannot remove a reader's reaction, so removing one turns the page too.
        if payload.guild_id is None:
            await self._reaction(payload, added=False)

    async def _reaction(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        action = reaction_action(str(payload.emoji))
        if not isinstance(action, Action):
            return
        lock = self._locks.get(payload.message_id)
        if lock is None:
            lock = self._locks[payload.message_id] = asyncio.Lock()
        async with lock:
            turned = await self.reading.reaction(self._viewer(payload), payload.message_id,
                                                 action)
            if turned is None:
                return
            try:
                row, outcome = turned
                if outcome is not None:
                    await self._show(payload, row, outcome)
            finally:
                # Tidy the reader's reaction after the page has changed, so it never delays it.
                if added and payload.guild_id is not None:
                    await tidy_reaction(self.bot, payload)

    def _viewer(self, payload: discord.RawReactionActionEvent) -> Viewer:
        channel = self.bot.get_channel(payload.channel_id)
        return Viewer(payload.user_id, Place(payload.guild_id, age_restricted(channel)))

    async def _show(self, payload: discord.RawReactionActionEvent, row: PageMessage,
                    outcome: Outcome) -> None:
        channel = self.bot.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
        message = channel.get_partial_message(payload.message_id)
        if isinstance(outcome, Refused):
            await self._refused(payload, message, outcome,
                                closes=closes_message(outcome, row, row.story_id, private=False))
            return
        try:
            await edit_page_message(message, outcome, row.controls)
        except discord.NotFound:
            await self.reading.forget(payload.message_id)
        except discord.HTTPException as exc:
            log.warning("Could not turn the page on message %s (%s %s)", payload.message_id,
                        exc.status, exc.code)
            # Keep the message and its row in step: it still shows the old page.
            await self.reading.remember(row)

    async def _refused(self, payload: discord.RawReactionActionEvent,
                       message: discord.PartialMessage, refused: Refused, *,
                       closes: bool) -> None:
        """A reaction gets no reply of its own: the member hears why by DM, and a page the
        gate now holds back in this channel comes down."""
        if closes:
            try:
                await close_page_message(message)
            except discord.HTTPException as exc:
                log.warning("Could not close the reading on message %s (%s %s)",
                            payload.message_id, exc.status, exc.code)
            else:
                await self.reading.forget(payload.message_id)
        await send_privately(self.bot, payload.user_id, refused.text)


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(*CONTROLS)
    await bot.add_cog(ReadingCog(bot))
