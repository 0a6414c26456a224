"""/stats and /settings as embeds."""

from __future__ import annotations

import discord

from bot.server.service import SettingsShown
from bot.text.formatting import clip_lines
from cogs.shared.embeds import notice

FIELD_LIMIT = 1024


def stats_embed(sections: list[tuple[str, str]]) -> discord.Embed:
    """A server's stats, one field per section."""
    embed = notice(None, title="Reading stats")
    for heading, body in sections:
        embed.add_field(name=heading, value=clip_lines(body.splitlines(), FIELD_LIMIT),
                        inline=False)
    return embed


def settings_embed(shown: SettingsShown) -> discord.Embed:
    """A server's settings, one field per setting."""
    embed = notice(shown.text, title="Settings for this server")
    for name, value in shown.lines:
        embed.add_field(name=name, value=value, inline=False)
    return embed
