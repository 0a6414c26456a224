"""Reactions on the bot's messages: tidying a member's control reaction away."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

log = logging.getLogger(__name__)


async def tidy_reaction(bot: commands.Bot, payload: discord.RawReactionActionEvent) -> None:
    """Remove a member's control reaction when the bot has Manage Messages there.

    Without it the reaction stays: in DMs the bot never can, which is why removing a
    reaction there turns the page too.
    """
    guild = bot.get_guild(payload.guild_id) if payload.guild_id else None
    channel = guild.get_channel_or_thread(payload.channel_id) if guild else None
    if guild is None or channel is None:
        return
    if not channel.permissions_for(guild.me).manage_messages:
        return
    message = channel.get_partial_message(payload.message_id)
    try:
        await message.remove_reaction(payload.emoji, discord.Object(payload.user_id))
    except discord.HTTPException as exc:
        log.info("Could not remove a member's reaction (%s %s)", exc.status, exc.code)
