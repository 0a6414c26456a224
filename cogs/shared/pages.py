"""The page presenter: how a `Shown` page becomes a message.

Every feature that opens a story (commands, continue, bookmark, quote and search buttons)
asks the reading service for the page and hands the outcome to `present`; the controls
under a page (`cogs.shared.controls`) hand theirs to `present_on_message`, and reactions
to `edit_page_message`. So there is one way a page is shown in Discord, behind the one
gate check in the core.
"""

from __future__ import annotations

import logging

import discord

from bot.reading.pages import REACTION_ORDER
from bot.reading.service import Outcome, Refused, Shown
from bot.storage.progress import PageMessage, Paging
from cogs.shared.answers import guard, reply, services, viewer_of
from cogs.shared.controls import controls
from cogs.shared.embeds import closed_embed, page_embed

__all__ = ["close_page_message", "edit_page_message", "open_privately", "present",
           "services"]

log = logging.getLogger(__name__)


async def present(interaction: discord.Interaction, outcome: Outcome, *,
                  private: bool) -> None:
    """Answer an interaction with a page as a new message (or with the refusal).

    A public page gets the server's paging controls; when the bot cannot add reactions
    there, it gets buttons instead and the member is told why.
    """
    if isinstance(outcome, Refused):
        await reply(interaction, outcome.text)
        return
    note = outcome.note
    embed = page_embed(outcome)
    if private:
        await interaction.response.send_message(embed=embed, view=controls(outcome),
                                                ephemeral=True)
        if note:
            await reply(interaction, note)
        return
    reading = services(interaction).reading
    mode = await reading.paging(interaction.guild_id)
    if mode.has_reactions and not _can_react(interaction):
        mode = Paging.BUTTONS
        note = _with(note, "I can't add reactions in this channel, so this page has "
                           "buttons instead.")
    view = controls(outcome) if mode.has_buttons else discord.utils.MISSING
    await interaction.response.send_message(embed=embed, view=view)
    message = await interaction.original_response()
    await reading.remember(_row(message, outcome, mode))
    if mode.has_reactions and not await _add_reactions(message) and mode is Paging.REACTIONS:
        await _fall_back_to_buttons(interaction, message, outcome)
        note = _with(note, "I couldn't add reactions here, so this page has buttons instead.")
    if note:
        await reply(interaction, note)


async def edit_page_message(message: discord.PartialMessage, shown: Shown,
                            mode: Paging) -> None:
    """Show a page on a reading message turned by a reaction."""
    view = controls(shown) if mode is Paging.BOTH else discord.utils.MISSING
    await message.edit(embed=page_embed(shown), view=view)


async def close_page_message(message: discord.PartialMessage | discord.Message) -> None:
    """Take a page down from a reading message whose story may no longer show there."""
    await message.edit(embed=closed_embed(), view=None)


def _with(note: str, line: str) -> str:
    return f"{note}\n{line}" if note else line


def _row(message: discord.Message, shown: Shown, mode: Paging) -> PageMessage:
    return PageMessage(message.id, message.channel.id,
                       message.guild.id if message.guild else None, shown.owner,
                       shown.story_id, shown.page.start, mode)


def _can_react(interaction: discord.Interaction) -> bool:
    if interaction.guild_id is None:
        return True
    perms = interaction.app_permissions
    return perms.add_reactions and perms.read_message_history


async def _add_reactions(message: discord.Message) -> bool:
    try:
        for emoji in REACTION_ORDER:
            await message.add_reaction(emoji)
    except discord.Forbidden:
        log.info("No permission to add reactions in channel %s", message.channel.id)
        return False
    except discord.HTTPException as exc:
        log.warning("Adding page reactions failed (%s %s)", exc.status, exc.code)
        return False
    return True


async def _fall_back_to_buttons(interaction: discord.Interaction, message: discord.Message,
                                shown: Shown) -> None:
    try:
        await message.edit(view=controls(shown))
    except discord.HTTPException as exc:
        log.warning("Could not add page buttons to message %s (%s)", message.id, exc.status)
        return
    await services(interaction).reading.remember(_row(message, shown, Paging.BUTTONS))


async def open_privately(interaction: discord.Interaction, story_id: str, position: int) -> None:
    """A button that points into a story (a quote, a search hit): the page holding
    `position`, as a private reading for whoever clicked, if it may show here."""
    async def work() -> None:
        outcome = await services(interaction).reading.open_at(viewer_of(interaction),
                                                              story_id, position)
        await present(interaction, outcome, private=True)
    await guard(interaction, work())
