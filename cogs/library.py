"""The shelf in Discord: /library, /story and /search.

Listings, cards and results are public, so a member can show the channel what is on the
shelf, recommend a story or point at a passage; refusals, hints and empty results are
private. The decisions (filters, order, paging, cards, snippets) live in
`bot.shelf_listing` and `bot.search`; this cog turns interactions into calls on them.

A listing's pages are held by a `ShelfView` that removes its buttons after ten idle
minutes. After a restart no view is left, and `ExpiredListingButton` answers the old
buttons instead. Search hit buttons carry their story and offset in the `custom_id`, so
they keep working after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import StoryBot
from bot.library.listing import (
    ListingPage,
    ShelfFilters,
    StoryCard,
    clip,
    empty_shelf_message,
    facet_choices,
    filter_shelf,
    highlight,
    hit_label,
    hit_line,
    listing_page,
    page_count,
    reader_progress,
    shelf_line,
    story_card,
    story_tags,
)
from bot.library.lookup import NotFound, resolve, story_choices
from bot.library.search import SearchIndex, searchable
from bot.reading.gate import Gate, is_gated, may_show
from bot.reading.pages import relocate
from bot.text.markup import escape
from bot.text.ratings import RATINGS
from cogs.shared.answers import age_restricted, reply, viewer_of
from cogs.shared.embeds import choices, colour_for, is_link
from cogs.shared.pages import present

log = logging.getLogger(__name__)

LISTING_TIMEOUT = 600.0  # idle seconds before a listing's buttons go
HITS_SHOWN = 5
DESCRIPTION_LIMIT = 4096
NEUTRAL = discord.Colour(0x5865F2)
_STORY = r"(?P<story>[a-z0-9-]{1,60})"


def _cog(interaction: discord.Interaction) -> LibraryCog:
    cog = interaction.client.get_cog("Library")  # type: ignore[union-attr]
    assert isinstance(cog, LibraryCog)
    return cog


def _shown_here(interaction: discord.Interaction, gate: Gate) -> Callable[[str], bool]:
    """Whether a story with a given rating may show its text where `interaction` is."""
    restricted = age_restricted(interaction.channel)
    dm = interaction.guild_id is None

    def allowed(rating: str) -> bool:
        return may_show(rating, gate, age_restricted=restricted, dm=dm)

    return allowed


# --- the listing -------------------------------------------------------------------------------


class ShelfView(discord.ui.View):
    """◀ ▶ for one member's listing; the listing is the story ids found when it was asked."""

    def __init__(self, cog: LibraryCog, listing_id: str, owner: discord.abc.User,
                 story_ids: list[str], filters: ShelfFilters, gate: Gate) -> None:
        super().__init__(timeout=LISTING_TIMEOUT)
        self.cog = cog
        self.listing_id = listing_id
        self.owner_id = owner.id
        self.owner_name = owner.display_name
        self.story_ids = story_ids
        self.filters = filters
        self.gate = gate
        self.page = 1
        # The last interaction on this listing: its token can edit the message for 15
        # minutes, longer than the view waits, and needs no channel permission.
        self.last_interaction: discord.Interaction | None = None
        self.prev = discord.ui.Button(emoji="◀️", style=discord.ButtonStyle.secondary,
                                      custom_id=f"sb:lib:{listing_id}:prev")
        self.next = discord.ui.Button(emoji="▶️", style=discord.ButtonStyle.secondary,
                                      custom_id=f"sb:lib:{listing_id}:next")
        self.prev.callback = self._turn(-1)
        self.next.callback = self._turn(+1)
        self.add_item(self.prev)
        self.add_item(self.next)

    async def render(self) -> discord.Embed:
        """The embed for the current page, with the buttons set for it."""
        embed, page = await self.cog.shelf_embed(
            self.owner_id, self.owner_name, self.story_ids, self.filters, self.gate,
            self.page,
        )
        self.page = page.number
        self.prev.disabled = not page.has_prev
        self.next.disabled = not page.has_next
        return embed

    def _turn(self, step: int):
        async def callback(interaction: discord.Interaction) -> None:
            self.page += step
            self.last_interaction = interaction
            embed = await self.render()
            await interaction.response.edit_message(embed=embed, view=self)
        return callback

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await reply(interaction, f"This list belongs to <@{self.owner_id}>. Run `/library` "
                                 "to page through your own.")
        return False

    async def on_timeout(self) -> None:
        self.cog.forget_listing(self.listing_id)
        if self.last_interaction is None:
            return
        try:
            await self.last_interaction.edit_original_response(view=None)
        except discord.HTTPException as exc:
            log.info("Could not remove the buttons of listing %s (%s)", self.listing_id,
                     exc.status)


class ExpiredListingButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:lib:(?P<listing>[0-9a-f]{1,32}):(?P<action>prev|next)"
)):
    """A listing button whose view is gone (timed out, or the bot restarted)."""

    def __init__(self, listing_id: str, action: str) -> None:
        super().__init__(discord.ui.Button(
            emoji="◀️" if action == "prev" else "▶️",
            custom_id=f"sb:lib:{listing_id}:{action}",
        ))
        self.listing_id = listing_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]
                             ) -> ExpiredListingButton:
        return cls(match["listing"], match["action"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # A live listing's own view answers; this item handles only the ones it left behind.
        return not _cog(interaction).listing_live(self.listing_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(view=None)
        await interaction.followup.send("This list has expired — run `/library` again.",
                                        ephemeral=True)


# --- search hits -------------------------------------------------------------------------------


class HitButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:hit:" + _STORY + r":(?P<pos>\d{1,12})"
)):
    """Opens the page showing a search hit, privately, for whoever clicks."""

    def __init__(self, story_id: str, position: int, *, label: str = "Read") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary,
            label=label,
            custom_id=f"sb:hit:{story_id}:{position}",
        ))
        self.story_id, self.position = story_id, position

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> HitButton:
        return cls(match["story"], int(match["pos"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).open_hit(interaction, self.story_id, self.position)


# --- the cog -----------------------------------------------------------------------------------


class LibraryCog(commands.Cog, name="Library"):
    def __init__(self, bot: StoryBot, index: SearchIndex) -> None:
        self.bot = bot
        self.index = index
        self._listings: dict[str, ShelfView] = {}
        self._builds = 0

    # -- the search index --

    @commands.Cog.listener()
    async def on_library_reloaded(self, library) -> None:
        self._builds += 1
        build = self._builds
        index = await asyncio.to_thread(SearchIndex.build, library)
        if build != self._builds:
            return  # a newer reload is building its own index
        # The old index is dropped, not closed: a search running in a thread may still
        # hold it, and it is freed once that search is done.
        self.index = index

    # -- listings --

    def listing_live(self, listing_id: str) -> bool:
        view = self._listings.get(listing_id)
        return view is not None and not view.is_finished()

    def forget_listing(self, listing_id: str) -> None:
        self._listings.pop(listing_id, None)

    async def shelf_embed(self, owner_id: int, owner_name: str, story_ids: list[str],
                          filters: ShelfFilters, gate: Gate, number: int
                          ) -> tuple[discord.Embed, ListingPage]:
        """One page of a listing as an embed, and the page it is."""
        library = self.bot.library
        stories = [s for s in (library.get(sid) for sid in story_ids) if s is not None]
        page = listing_page(stories, number)
        shelf = {p.story_id: p for p in await self.bot.database.progress.shelf(owner_id)}
        lines = [
            shelf_line(page.start + k + 1, story, words=library.entry(story.id).words,
                       gated=is_gated(story.meta.rating, gate),
                       progress=shelf.get(story.id))
            for k, story in enumerate(page.items)
        ]
        count = len(stories)
        header = f"**{count}** {'story' if count == 1 else 'stories'}"
        if filters:
            header += f" matching {filters.describe()}"
        description = header + "\n\n" + "\n\n".join(lines)
        if len(description) > DESCRIPTION_LIMIT:
            description = description[: DESCRIPTION_LIMIT - 1] + "…"
        embed = discord.Embed(title="📚 The library", description=description, colour=NEUTRAL)
        embed.set_footer(text=clip(
            f"Page {page.number}/{page.total} · sorted by title · progress shown for "
            f"{owner_name} · /story <id> for details", 2048))
        return embed, page

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
        filters = ShelfFilters(search or "", fandom or "", tag or "",
                               rating.value if rating else "")
        stories = filter_shelf(self.bot.library, filters)
        if not stories:
            await reply(interaction, empty_shelf_message(filters, len(self.bot.library)))
            return
        settings = await self.bot.database.settings.get(interaction.guild_id)
        story_ids = [s.id for s in stories]
        if page_count(len(stories)) == 1:
            embed, _ = await self.shelf_embed(interaction.user.id, interaction.user.display_name,
                                              story_ids, filters, settings.gate, 1)
            await interaction.response.send_message(embed=embed)
            return
        listing_id = secrets.token_hex(6)
        view = ShelfView(self, listing_id, interaction.user, story_ids, filters,
                         settings.gate)
        embed = await view.render()
        view.last_interaction = interaction
        self._listings[listing_id] = view
        await interaction.response.send_message(embed=embed, view=view)

    @library.autocomplete("fandom")
    async def fandom_autocomplete(self, interaction: discord.Interaction, current: str
                                  ) -> list[app_commands.Choice[str]]:
        values = (fandom for story in self.bot.library for fandom in story.meta.fandoms)
        return [app_commands.Choice(name=clip(v, 100), value=v[:100])
                for v in facet_choices(values, current)]

    @library.autocomplete("tag")
    async def tag_autocomplete(self, interaction: discord.Interaction, current: str
                               ) -> list[app_commands.Choice[str]]:
        values = (tag for story in self.bot.library for tag in story_tags(story))
        return [app_commands.Choice(name=clip(v, 100), value=v[:100])
                for v in facet_choices(values, current)]

    # -- story cards --

    @app_commands.command(name="story")
    @app_commands.describe(story="Title, author or fandom to search for")
    async def story(self, interaction: discord.Interaction,
                    story: app_commands.Range[str, 1, 100]) -> None:
        """A story's card: rating, warnings, tags, summary and your progress."""
        found = resolve(self.bot.library, story)
        if isinstance(found, NotFound):
            await reply(interaction, found.text)
            return
        settings = await self.bot.database.settings.get(interaction.guild_id)
        gate = settings.gate
        progress = await self.bot.database.progress.get(interaction.user.id, found.id)
        paged = self.bot.library.paged(found.id, self.bot.config.page_chars)
        page = (paged.page_at(relocate(found.plain, progress.position, progress.anchor)).number
                if progress else 1)
        line = reader_progress(progress, page, len(paged.pages), found.id)
        card = story_card(
            found,
            words=self.bot.library.entry(found.id).words,
            gated=is_gated(found.meta.rating, gate),
            show_text=_shown_here(interaction, gate)(found.meta.rating),
            link=found.meta.url if is_link(found.meta.url) else None,
            progress_line=line,
            progress_title=f"Progress — {interaction.user.display_name}",
        )
        await interaction.response.send_message(embed=card_embed(card))

    # -- search --

    @app_commands.command(name="search")
    @app_commands.describe(text="Words or a phrase from the story text",
                           story="Only search this story")
    async def search(self, interaction: discord.Interaction,
                     text: app_commands.Range[str, 1, 100],
                     story: app_commands.Range[str, 1, 100] | None = None) -> None:
        """Find a passage in the stories and open the page it is on."""
        if not searchable(text):
            await reply(interaction, "Search needs at least one letter or number.")
            return
        found = None
        if story is not None:
            found = resolve(self.bot.library, story)
            if isinstance(found, NotFound):
                await reply(interaction, found.text)
                return
            settings = await self.bot.database.settings.get(interaction.guild_id)
            if not _shown_here(interaction, settings.gate)(found.meta.rating):
                from bot.reading.gate import refusal
                await reply(interaction, refusal(found.title, found.meta.rating, settings.gate))
                return
        settings = await self.bot.database.settings.get(interaction.guild_id)
        shown_here = _shown_here(interaction, settings.gate)
        library = self.bot.library

        def accept(story_id: str) -> bool:
            candidate = library.get(story_id)
            return candidate is not None and shown_here(candidate.meta.rating)

        index = self.index
        scope = found.id if found else None
        hits = await asyncio.to_thread(index.search, text, story_id=scope, limit=HITS_SHOWN,
                                       accept=accept)
        if not hits:
            where = f" in **{escape(clip(found.title, 100), line_start=False)}**" if found else ""
            message = f"No passages match “{escape(clip(text, 100), line_start=False)}”{where}."
            hidden = await asyncio.to_thread(index.search, text, story_id=scope, limit=1)
            if hidden and library.get(hidden[0].story_id) is not None:
                message += (f" Some {settings.gate.describe()} match, but "
                            "they show only in age-restricted channels or in a DM with me.")
            await reply(interaction, message)
            return
        lines = []
        view = discord.ui.View(timeout=None)
        for number, hit in enumerate(hits, 1):
            hit_story = library.get(hit.story_id)
            if hit_story is None:
                continue
            paged = library.paged(hit.story_id, self.bot.config.page_chars)
            page = paged.page_at(hit.offset)
            lines.append(hit_line(number, hit_story, chapter=hit.chapter, page=page.number,
                                  pages=len(paged.pages),
                                  snippet_markdown=highlight(hit.snippet, hit.marks)))
            view.add_item(HitButton(hit.story_id, hit.offset,
                                    label=hit_label(number, hit_story, page.number)))
        scope_line = f" in **{escape(clip(found.title, 100), line_start=False)}**" if found else ""
        header = f"Passages matching “{escape(clip(text, 100), line_start=False)}”{scope_line}:"
        embed = discord.Embed(title="🔎 Search", description=header + "\n\n" + "\n\n".join(lines),
                              colour=NEUTRAL)
        embed.set_footer(text="Press a number to read from that page, just for you.")
        await interaction.response.send_message(embed=embed, view=view)

    async def open_hit(self, interaction: discord.Interaction, story_id: str, position: int
                       ) -> None:
        """Open the page showing a search hit as a private reading, if it may show here."""
        outcome = await self.bot.services.reading.open_at(viewer_of(interaction), story_id,
                                                          position)
        await present(interaction, outcome, private=True)

    @story.autocomplete("story")
    @search.autocomplete("story")
    async def story_autocomplete(self, interaction: discord.Interaction, current: str
                                 ) -> list[app_commands.Choice[str]]:
        settings = await self.bot.database.settings.get(interaction.guild_id)
        return choices(story_choices(self.bot.library, current, settings.gate))

    async def cog_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        log.exception("Command /%s failed", interaction.command.name if interaction.command
                      else "?", exc_info=error)
        await reply(interaction, "Something went wrong on my side; please try again.")


def card_embed(card: StoryCard) -> discord.Embed:
    """A story card as an embed."""
    embed = discord.Embed(title=card.title, url=card.url, description=card.description,
                          colour=colour_for(card.rating))
    if card.author:
        embed.set_author(name=card.author)
    for field in card.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    embed.set_footer(text=card.footer)
    return embed


async def setup(bot: StoryBot) -> None:
    index = await asyncio.to_thread(SearchIndex.build, bot.library)
    bot.add_dynamic_items(HitButton, ExpiredListingButton)
    await bot.add_cog(LibraryCog(bot, index))
