"""Answering members: private replies, the one error policy, and where an interaction is.

Every cog answers through these, so a refused request, a failed command and a failed
control behave the same everywhere: one log line, and a private word to the member.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

import discord
from discord import app_commands
from discord.ext import commands

from bot.reading.gate import Place
from bot.reading.service import Viewer

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
TRY_AGAIN = "Something went wrong on my side; please try again."


async def reply(interaction: discord.Interaction, text: str) -> bool:
    """A private answer, whether or not the interaction was answered already.

    When Discord refuses it, one log line says so and False is returned: an answer that
    cannot be delivered must not turn into a second failure.
    """
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        log.warning("Could not answer member %s in channel %s (%s %s)", interaction.user.id,
                    interaction.channel_id, exc.status, exc.code)
        return False
    return True


async def guard(interaction: discord.Interaction, work: Awaitable[None]) -> None:
    """Run a control's work; a failure is logged once and the member told if possible."""
    try:
        await work
    except discord.HTTPException as exc:
        log.warning("Discord refused a page for member %s in channel %s (%s %s)",
                    interaction.user.id, interaction.channel_id, exc.status, exc.code)
        if exc.status >= 500:
            await reply(interaction, "Discord didn't take that page; please try again.")
    except Exception:
        log.exception("A control failed")
        await reply(interaction, TRY_AGAIN)


async def command_failed(interaction: discord.Interaction,
                         error: app_commands.AppCommandError) -> None:
    """One log line for a failed command, and a private word to the member when possible."""
    name = interaction.command.qualified_name if interaction.command else "?"
    original = getattr(error, "original", error)
    if isinstance(original, discord.HTTPException):
        log.warning("/%s: Discord refused a request (%s %s)", name, original.status,
                    original.code)
    else:
        log.error("/%s failed", name, exc_info=original)
    await reply(interaction, TRY_AGAIN)


class FeatureCog(commands.Cog):
    """A feature's cog: its commands fail the one way every command fails."""

    async def cog_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        await command_failed(interaction, error)


def services(interaction: discord.Interaction):
    """The core's services, from the bot an interaction came to."""
    return interaction.client.services  # type: ignore[union-attr]


def age_restricted(channel: object) -> bool:
    is_nsfw = getattr(channel, "is_nsfw", None)
    return bool(is_nsfw and is_nsfw())


def place_of(interaction: discord.Interaction) -> Place:
    """Where an interaction's answer appears, for age gating."""
    return Place(interaction.guild_id, age_restricted(interaction.channel))


def viewer_of(interaction: discord.Interaction) -> Viewer:
    """The member behind an interaction, and where the answer appears."""
    return Viewer(interaction.user.id, place_of(interaction))


def is_manager(interaction: discord.Interaction) -> bool:
    """Whether the member may use admin commands here (Manage Server).

    Default permissions only hide a command; server admins can change who sees it, so
    every admin command checks this too.
    """
    return interaction.guild_id is not None and interaction.permissions.manage_guild


async def send_privately(client: discord.Client, user_id: int, text: str,
                         view: discord.ui.View | None = None) -> bool:
    """A direct message for an action that has no interaction to answer (a reaction, a
    new chapter of a followed story).

    Members may close their DMs to server bots; then one log line says so and False is
    returned.
    """
    try:
        user = client.get_user(user_id) or await client.fetch_user(user_id)
        if view is None:
            await user.send(text, allowed_mentions=NO_PINGS)
        else:
            await user.send(text, view=view, allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        log.info("Could not message member %s (%s %s)", user_id, exc.status, exc.code)
        return False
    return True
