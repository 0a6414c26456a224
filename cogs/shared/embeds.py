"""Pages, notices and colours as Discord embeds.

Every text that comes from a story file is cut to Discord's field limits here, so an embed
fits by construction: a page description is at most 4096 characters (the paginator's
promise), the title 256, the author line 256, the footer 2048, the whole under 6000. The
title renders markdown, so it is escaped (`inline`); the author line, the footer and
autocomplete choices render none, so they are only cut (`clip`).
"""

from __future__ import annotations

import discord

from bot.library.listing import StoryCard
from bot.reading.footer import footer
from bot.reading.service import CLOSED_HERE, Shown
from bot.text.formatting import clip, inline, is_link
from bot.text.ratings import rating_info

TITLE_LIMIT = 256
AUTHOR_LIMIT = 256
FOOTER_LIMIT = 2048
DESCRIPTION_LIMIT = 4096
NEUTRAL = discord.Colour(0x5865F2)
EMPTY_PAGE = "*(This chapter has no text.)*"


def colour_for(rating: str) -> discord.Colour:
    return discord.Colour(rating_info(rating).colour)


def page_embed(shown: Shown) -> discord.Embed:
    """The embed a reader sees: title, author, the page's text, the progress footer."""
    paged, page = shown.paged, shown.page
    story = paged.story
    embed = discord.Embed(
        title=inline(story.title, TITLE_LIMIT),
        url=story.meta.url if is_link(story.meta.url) else None,
        description=paged.text(page) or EMPTY_PAGE,
        colour=colour_for(story.meta.rating),
    )
    if story.meta.author:
        embed.set_author(name=clip(f"by {story.meta.author}", AUTHOR_LIMIT))
    embed.set_footer(text=clip(footer(paged, page, shown.minutes), FOOTER_LIMIT))
    return embed


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


def notice(text: str | None, *, title: str | None = None) -> discord.Embed:
    """A short message from the bot, in a neutral colour."""
    return discord.Embed(title=title, description=text, colour=NEUTRAL)


def closed_embed() -> discord.Embed:
    """What a reading message shows once its story may no longer appear in its channel."""
    return notice(CLOSED_HERE, title="Reading closed")


def choices(pairs: list[tuple[str, str]]) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices from the core's (label, value) pairs."""
    return [discord.app_commands.Choice(name=clip(name, 100), value=value[:100])
            for name, value in pairs]
