"""/stats and /settings: what the server has read, and how it reads.

The server service decides what the stats and settings say; `cogs.server.embeds` shows them.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import StoryBot
from bot.reading.gate import AgeThreshold
from bot.reading.service import Refused
from bot.server.settings import PAGING_LABELS, threshold_label
from bot.storage.progress import Paging
from cogs.server.embeds import settings_embed, stats_embed
from cogs.shared.answers import NO_PINGS, FeatureCog, is_manager, reply

PAGING_CHOICES = [app_commands.Choice(name=PAGING_LABELS[paging], value=paging.value)
                  for paging in Paging]
THRESHOLD_CHOICES = [app_commands.Choice(name=threshold_label(threshold), value=threshold.value)
                     for threshold in AgeThreshold]
PRIVACY_CHOICES = [app_commands.Choice(name="opt out: never show or count me", value="optout"),
                   app_commands.Choice(name="opt back in", value="optin")]


class ServerCog(FeatureCog, name="Server"):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats")
    @app_commands.describe(privacy="Opt out of the stats (or back in) instead of showing them")
    @app_commands.choices(privacy=PRIVACY_CHOICES)
    async def stats(self, interaction: discord.Interaction,
                    privacy: app_commands.Choice[str] | None = None) -> None:
        """This server's reading stats: stories started and finished, words read, top readers."""
        services = self.bot.services
        if privacy is not None:
            await reply(interaction, await services.members.set_stats_optout(
                interaction.user.id, privacy.value == "optout"))
            return
        sections = await services.server.stats(interaction.guild_id)
        if isinstance(sections, Refused):
            await reply(interaction, sections.text)
            return
        await interaction.response.send_message(embed=stats_embed(sections),
                                                allowed_mentions=NO_PINGS)

    @app_commands.command(name="settings")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(paging="How pages are turned on new readings",
                           club_mode="Reading-club mode: anyone may turn pages",
                           age_gating="Lowest rating that opens only in age-restricted channels",
                           stats="Show /stats on this server",
                           not_rated="Show Not Rated stories in ordinary channels "
                                     "(by default they are gated like Mature, as on AO3)")
    @app_commands.choices(paging=PAGING_CHOICES, age_gating=THRESHOLD_CHOICES)
    async def settings(self, interaction: discord.Interaction,
                       paging: app_commands.Choice[str] | None = None,
                       club_mode: bool | None = None,
                       age_gating: app_commands.Choice[str] | None = None,
                       stats: bool | None = None,
                       not_rated: bool | None = None) -> None:
        """Show or change this server's reading settings (Manage Server)."""
        if interaction.guild_id is None:
            await reply(interaction, "Settings belong to a server; run `/settings` in one.")
            return
        if not is_manager(interaction):
            await reply(interaction, "Only members with the Manage Server permission can "
                                     "see and change these settings.")
            return
        shown = await self.bot.services.server.settings(
            interaction.guild_id, paging=paging.value if paging else None,
            club_mode=club_mode, age_threshold=age_gating.value if age_gating else None,
            stats_enabled=stats, not_rated_open=not_rated,
        )
        await interaction.response.send_message(embed=settings_embed(shown), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(ServerCog(bot))
