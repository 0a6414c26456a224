"""A quote as a message: its embed, and the button that opens the page it is on."""

from __future__ import annotations

import re

import discord

from bot.quotes.service import QuoteCard
from cogs.shared import ids
from cogs.shared.embeds import colour_for
from cogs.shared.pages import open_privately


def quote_embed(card: QuoteCard) -> discord.Embed:
    """The quote and its source line, coloured by the story's rating."""
    return discord.Embed(description=card.text, colour=colour_for(card.rating))


class ReadFromHere(discord.ui.DynamicItem[discord.ui.Button], template=ids.QUOTE):
    """Opens the page a quote is on, privately, for whoever clicks."""

    def __init__(self, story_id: str, position: int) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, label="Read from here", emoji="📖",
            custom_id=ids.quote(story_id, position),
        ))
        self.story_id, self.position = story_id, position

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ReadFromHere:
        return cls(match["story"], int(match["pos"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await open_privately(interaction, self.story_id, self.position)


def quote_view(card: QuoteCard) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReadFromHere(card.quote.story_id, card.quote.offset))
    return view
