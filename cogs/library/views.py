"""The embeds and buttons of /library, /story and /search answers.

A listing's pages are held by a `ListingView` that removes its buttons after ten idle
minutes. After a restart no view is left, and `ExpiredListingButton` answers the old
buttons instead. Search hit buttons carry their story and offset in the `custom_id`, so
they keep working after a restart.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.library.service import LibraryPage, LibraryService, Listing, SearchResults
from cogs.shared import ids
from cogs.shared.answers import guard, reply
from cogs.shared.embeds import NEUTRAL
from cogs.shared.pages import open_privately, services

log = logging.getLogger(__name__)

LISTING_TIMEOUT = 600.0  # idle seconds before a listing's buttons go


def listing_embed(page: LibraryPage) -> discord.Embed:
    """One page of a listing as an embed."""
    embed = discord.Embed(title="📚 The library", description=page.description, colour=NEUTRAL)
    embed.set_footer(text=page.footer)
    return embed


def search_message(results: SearchResults) -> tuple[discord.Embed, discord.ui.View]:
    """Search results: the passages, and a button for each that opens its page."""
    embed = discord.Embed(title="🔎 Search", description=results.description, colour=NEUTRAL)
    embed.set_footer(text="Press a number to read from that page, just for you.")
    view = discord.ui.View(timeout=None)
    for hit in results.hits:
        view.add_item(HitButton(hit.story_id, hit.position, label=hit.label))
    return embed, view


class ListingView(discord.ui.View):
    """◀ ▶ for one member's listing; the listing is the story ids found when it was asked."""

    def __init__(self, catalogue: LibraryService, listing_id: str, owner: discord.abc.User,
                 listing: Listing) -> None:
        super().__init__(timeout=LISTING_TIMEOUT)
        self.catalogue = catalogue
        self.listing_id = listing_id
        self.owner_id = owner.id
        self.owner_name = owner.display_name
        self.listing = listing
        self.page = 1
        # The last interaction on this listing: its token can edit the message for 15
        # minutes, longer than the view waits, and needs no channel permission.
        self.last_interaction: discord.Interaction | None = None
        self.prev = discord.ui.Button(emoji="◀️", style=discord.ButtonStyle.secondary,
                                      custom_id=ids.listing(listing_id, "prev"))
        self.next = discord.ui.Button(emoji="▶️", style=discord.ButtonStyle.secondary,
                                      custom_id=ids.listing(listing_id, "next"))
        self.prev.callback = self._turn(-1)
        self.next.callback = self._turn(+1)
        self.add_item(self.prev)
        self.add_item(self.next)

    async def render(self) -> discord.Embed:
        """The embed for the current page, with the buttons set for it."""
        page = await self.catalogue.library_page(self.listing, self.owner_id, self.owner_name,
                                               self.page)
        self.page = page.number
        self.prev.disabled = not page.has_prev
        self.next.disabled = not page.has_next
        return listing_embed(page)

    def _turn(self, step: int):
        async def callback(interaction: discord.Interaction) -> None:
            async def work() -> None:
                self.page += step
                self.last_interaction = interaction
                embed = await self.render()
                await interaction.response.edit_message(embed=embed, view=self)
            await guard(interaction, work())
        return callback

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await reply(interaction, f"This list belongs to <@{self.owner_id}>. Run `/library` "
                                 "to page through your own.")
        return False

    async def on_timeout(self) -> None:
        self.catalogue.close_listing(self.listing_id)
        if self.last_interaction is None:
            return
        try:
            await self.last_interaction.edit_original_response(view=None)
        except discord.HTTPException as exc:
            log.info("Could not remove the buttons of listing %s (%s)", self.listing_id,
                     exc.status)


class ExpiredListingButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.LISTING):
    """A listing button whose view is gone (timed out, or the bot restarted)."""

    def __init__(self, listing_id: str, action: str) -> None:
        super().__init__(discord.ui.Button(
            emoji="◀️" if action == "prev" else "▶️",
            custom_id=ids.listing(listing_id, action),
        ))
        self.listing_id = listing_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]
                             ) -> ExpiredListingButton:
        return cls(match["listing"], match["action"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # A live listing's own view answers; this item handles only the ones it left behind.
        return not services(interaction).catalogue.listing_live(self.listing_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(view=None)
        await interaction.followup.send("This list has expired — run `/library` again.",
                                        ephemeral=True)


class HitButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.HIT):
    """Opens the page showing a search hit, privately, for whoever clicks."""

    def __init__(self, story_id: str, position: int, *, label: str = "Read") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary,
            label=label,
            custom_id=ids.hit(story_id, position),
        ))
        self.story_id, self.position = story_id, position

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> HitButton:
        return cls(match["story"], int(match["pos"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await open_privately(interaction, self.story_id, self.position)


CONTROLS = (HitButton, ExpiredListingButton)
