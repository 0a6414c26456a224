"""/stories: the library's admin commands.

`add` (an upload or an AO3 link), `update` (fetch a linked work again) and `remove` manage
a server's own stories (Manage Server); `reload` reads the stories folder again (the bot
owner's: the folder is on the owner's machine and a reload costs the whole bot a read of
it). Long work answers at once and edits the answer as it goes.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord
from discord import app_commands

from bot.app import StoryBot
from bot.library.admin import AddedAnswer
from bot.library.reload import describe_progress, describe_reload, reload_report
from bot.reading.service import Refused
from bot.text.ratings import RATINGS
from cogs.shared import ids
from cogs.shared.answers import NO_PINGS, FeatureCog, guard, is_manager, reply, services
from cogs.shared.embeds import card_embed, choices
from cogs.stories.updates import UpdatesCog, deliver

log = logging.getLogger(__name__)

#: How often a reload's answer is edited with its progress.
PROGRESS_EVERY = 2.0
MANAGERS_ONLY = "Only members with Manage Server can change this server's library."


class StoriesCog(FeatureCog, name="Stories"):
    stories = app_commands.Group(
        name="stories", description="Manage the story library",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: StoryBot, updates: UpdatesCog) -> None:
        self.bot = bot
        self.updates = updates  # its checking loop hears of works added

    @property
    def admin(self):
        return self.bot.services.stories

    @stories.command(name="add")
    @app_commands.describe(file="An AO3 HTML or EPUB download, an EPUB, a .txt or .md file",
                           link="An AO3 work's address (or its number), fetched from AO3",
                           rating="For a file: the story's rating, when the file does not say")
    @app_commands.choices(rating=[app_commands.Choice(name=r, value=r) for r in RATINGS])
    async def add(self, interaction: discord.Interaction,
                  file: discord.Attachment | None = None,
                  link: app_commands.Range[str, 1, 300] | None = None,
                  rating: app_commands.Choice[str] | None = None) -> None:
        """Add a story to this server's library from a file or an AO3 link (Manage Server)."""
        if not is_manager(interaction):
            await reply(interaction, MANAGERS_ONLY if interaction.guild_id else
                        "Stories are added in a server, for that server.")
            return
        if (file is None) == (link is None):
            await reply(interaction, "Give me either `file:` (an uploaded story) or `link:` "
                                     "(an AO3 work), one at a time.")
            return
        if link is not None:
            await self._add_link(interaction, link)
            return
        assert file is not None
        refused = self.admin.upload_refusal(file.filename, file.size)
        if refused is not None:
            await reply(interaction, refused.text)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log.warning("Could not fetch an upload (%s)", exc)
            await self._edit(interaction, "I couldn't fetch that file from Discord; please "
                                          "try again.")
            return
        answer = await self.admin.add_file(interaction.guild_id, interaction.user.id,
                                           file.filename, data,
                                           rating=rating.value if rating else None,
                                           now=_now())
        await self._answer(interaction, answer)

    async def _add_link(self, interaction: discord.Interaction, link: str) -> None:
        """Fetching from AO3 waits its turn: the answer comes at once and says how it goes."""
        if refused := self.admin.link_refusal(link):
            await reply(interaction, refused.text)
            return
        await interaction.response.send_message("Fetching from AO3…", ephemeral=True,
                                                allowed_mentions=NO_PINGS)
        answer = await self.admin.add_link(interaction.guild_id, interaction.user.id, link,
                                           self._progress(interaction), now=_now())
        await self._answer(interaction, answer)
        if isinstance(answer, AddedAnswer):
            await self._announce(answer.story_id)  # a work added again may have gained some
            self.updates.wake()

    @stories.command(name="update")
    @app_commands.describe(story="One of this server's stories added by an AO3 link")
    async def update(self, interaction: discord.Interaction,
                     story: app_commands.Range[str, 1, 100]) -> None:
        """Fetch a work this server added by link again now (Manage Server)."""
        if not is_manager(interaction):
            await reply(interaction, MANAGERS_ONLY)
            return
        await interaction.response.send_message("Fetching from AO3…", ephemeral=True,
                                                allowed_mentions=NO_PINGS)
        answer = await self.admin.update(interaction.guild_id, interaction.user.id, story,
                                         self._progress(interaction), now=_now())
        await self._answer(interaction, answer)
        if isinstance(answer, AddedAnswer):
            await self._announce(answer.story_id)

    @stories.command(name="announce")
    @app_commands.describe(channel="Where new chapters are announced; leave it out to stop")
    async def announce(self, interaction: discord.Interaction,
                       channel: discord.TextChannel | None = None) -> None:
        """Choose the channel that hears of new chapters of this server's AO3 works."""
        if not is_manager(interaction):
            await reply(interaction, MANAGERS_ONLY)
            return
        if channel is not None:
            mine = channel.permissions_for(channel.guild.me)
            missing = [name for name, ok in (("View Channel", mine.view_channel),
                                             ("Send Messages", mine.send_messages)) if not ok]
            if missing:
                await reply(interaction, f"I can't post in {channel.mention}: I need "
                                         f"{' and '.join(missing)} there.")
                return
        await reply(interaction, await self.bot.services.updates.set_channel(
            interaction.guild_id, channel.id if channel else None))

    async def _announce(self, story_id: str) -> None:
        """Announce the chapters a fetch brought in, unless someone already did."""
        announcement = await self.bot.services.updates.announcement(story_id)
        if announcement is not None:
            await deliver(self.bot, announcement)

    def _progress(self, interaction: discord.Interaction):
        async def progress(text: str) -> None:
            await self._edit(interaction, text)
        return progress

    async def _answer(self, interaction: discord.Interaction,
                      answer: AddedAnswer | Refused | str) -> None:
        if isinstance(answer, AddedAnswer):
            await self._edit(interaction, answer.text, answer)
        else:
            await self._edit(interaction, answer if isinstance(answer, str) else answer.text)

    @stories.command(name="remove")
    @app_commands.describe(story="One of the stories this server added")
    async def remove(self, interaction: discord.Interaction,
                     story: app_commands.Range[str, 1, 100]) -> None:
        """Remove a story this server added (Manage Server); readers' places are kept."""
        if not is_manager(interaction):
            await reply(interaction, MANAGERS_ONLY)
            return
        question = await self.admin.ask_remove(interaction.guild_id, interaction.user.id,
                                               story)
        if isinstance(question, Refused):
            await reply(interaction, question.text)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(RemoveButton(question.code, "yes", label="Yes, remove it"))
        view.add_item(RemoveButton(question.code, "no", label="Cancel"))
        view.stop()  # dispatched by custom id; nothing to keep
        await interaction.response.send_message(question.text, view=view, ephemeral=True,
                                                allowed_mentions=NO_PINGS)

    @remove.autocomplete("story")
    @update.autocomplete("story")
    async def own_autocomplete(self, interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[str]]:
        return choices(self.admin.own_choices(interaction.guild_id, current))

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

    async def _edit(self, interaction: discord.Interaction, text: str,
                    added: AddedAnswer | None = None) -> None:
        try:
            await interaction.edit_original_response(
                content=text, embed=card_embed(added.card) if added else None,
                allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("Could not update an answer (%s %s)", exc.status, exc.code)


def _now() -> float:
    """The time as Discord's clock tells it (the one checks of linked works are timed by)."""
    return discord.utils.utcnow().timestamp()


class RemoveButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.REMOVE):
    """Yes / Cancel under a removal; the code is known only to the process that asked."""

    def __init__(self, code: str, answer: str, *, label: str = "…") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.danger if answer == "yes" else discord.ButtonStyle.secondary,
            label=label, custom_id=ids.remove(code, answer),
        ))
        self.code, self.answer = code, answer

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> RemoveButton:
        return cls(match["code"], match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            answered = await services(interaction).stories.confirm_remove(
                interaction.guild_id, interaction.user.id, self.code, self.answer == "yes")
            if isinstance(answered, str):
                await interaction.response.edit_message(content=answered, view=None)
            else:
                await reply(interaction, answered.text)
        await guard(interaction, work())


async def setup(bot: StoryBot) -> None:
    updates = UpdatesCog(bot)
    await bot.add_cog(updates)
    await bot.add_cog(StoriesCog(bot, updates))
    bot.add_dynamic_items(RemoveButton)
