"""/library, /story and /search, and their autocompletes.

Listings, cards and results are public, so a member can show the channel what is on the
shelf, recommend a story or point at a passage; refusals, hints and empty results are
private. The library service decides them; the controls are in `cogs.library.views`.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import StoryBot
from bot.library.listing import ListingFilters
from bot.reading.service import Refused
from bot.text.ratings import RATINGS
from cogs.library.views import CONTROLS, ListingView, listing_embed, search_message
from cogs.shared.answers import FeatureCog, reply, viewer_of
from cogs.shared.embeds import card_embed, choices


class LibraryCog(FeatureCog, name="Library"):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @property
    def catalogue(self):
        return self.bot.services.catalogue

    # -- listings --

    @app_commands.command(name="library")
    @app_commands.describe(
        search="Words to look for in titles, authors, fandoms and tags",
        fandom="Only stories in a fandom (part of its name is enough)",
        tag="Only stories with a tag, relationship or character (part of it is enough)",
        rating="Only stories with this rating",
    )
    @app_commands.choices(rating=[app_commands.Choice(name=r, value=r) for r in RATINGS])
    async def library(
        self,
        interaction: discord.Interaction,
        search: app_commands.Range[str, 1, 100] | None = None,
        fandom: app_commands.Range[str, 1, 100] | None = None,
        tag: app_commands.Range[str, 1, 100] | None = None,
        rating: app_commands.Choice[str] | None = None,
    ) -> None:
        """Browse the shelf: every story, with your progress."""
        filters = ListingFilters(search or "", fandom or "", tag or "",
                               rating.value if rating else "")
        listing = await self.catalogue.listing(interaction.guild_id, filters)
        if isinstance(listing, Refused):
            await reply(interaction, listing.text)
            return
        user = interaction.user
        if listing.pages == 1:
            page = await self.catalogue.library_page(listing, user.id, user.display_name, 1)
            await interaction.response.send_message(embed=listing_embed(page))
            return
        view = ListingView(self.catalogue, self.catalogue.open_listing(), user, listing)
        embed = await view.render()
        view.last_interaction = interaction
        await interaction.response.send_message(embed=embed, view=view)

    @library.autocomplete("fandom")
    async def fandom_autocomplete(self, interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[str]]:
        return choices(self.catalogue.fandom_choices(interaction.guild_id, current))

    @library.autocomplete("tag")
    async def tag_autocomplete(self, interaction: discord.Interaction, current: str
                               ) -> list[app_commands.Choice[str]]:
        return choices(self.catalogue.tag_choices(interaction.guild_id, current))

    # -- story cards --

    @app_commands.command(name="story")
    @app_commands.describe(story="Title, author or fandom to search for")
    async def story(self, interaction: discord.Interaction,
                    story: app_commands.Range[str, 1, 100]) -> None:
        """A story's card: rating, warnings, tags, summary and your progress."""
        card = await self.catalogue.card(viewer_of(interaction), story,
                                         interaction.user.display_name)
        if isinstance(card, Refused):
            await reply(interaction, card.text)
            return
        await interaction.response.send_message(embed=card_embed(card))

    # -- search --

    @app_commands.command(name="search")
    @app_commands.describe(text="Words or a phrase from the story text",
                           story="Only search this story")
    async def search(self, interaction: discord.Interaction,
                     text: app_commands.Range[str, 1, 100],
                     story: app_commands.Range[str, 1, 100] | None = None) -> None:
        """Find a passage in the stories and open the page it is on."""
        results = await self.catalogue.search(viewer_of(interaction), text, story)
        if isinstance(results, Refused):
            await reply(interaction, results.text)
            return
        embed, view = search_message(results)
        await interaction.response.send_message(embed=embed, view=view)

    @story.autocomplete("story")
    @search.autocomplete("story")
    async def story_autocomplete(self, interaction: discord.Interaction, current: str
                                 ) -> list[app_commands.Choice[str]]:
        return choices(await self.catalogue.story_choices(interaction.guild_id, current))


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(*CONTROLS)
    await bot.add_cog(LibraryCog(bot))
