"""Pages and story cards as Discord embeds.

Every text that comes from a story file is cut to Discord's field limits here, so an embed
fits by construction: a page description is at most 4096 characters (the paginator's
promise), the title 256, the author line 256, the footer 2048, the whole under 6000.
"""

from __future__ import annotations

import discord

from bot.reading.footer import footer
from bot.text.markup import escape
from bot.text.pagination import Page, PagedStory
from bot.text.story import Story

TITLE_LIMIT = 256
AUTHOR_LIMIT = 256
FOOTER_LIMIT = 2048
FIELD_LIMIT = 1024
EMBED_LIMIT = 6000

RATING_COLOURS = {
    "General Audiences": discord.Colour(0x5DA35D),
    "Teen And Up Audiences": discord.Colour(0xE0B43A),
    "Mature": discord.Colour(0xE07B39),
    "Explicit": discord.Colour(0xC0392B),
    "Not Rated": discord.Colour(0x8E99A4),
}
EMPTY_PAGE = "*(This chapter has no text.)*"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def colour_for(rating: str) -> discord.Colour:
    return RATING_COLOURS.get(rating, RATING_COLOURS["Not Rated"])


def is_link(url: str) -> bool:
    return url.startswith(("https://", "http://")) and len(url) <= 2000 and " " not in url


def page_embed(paged: PagedStory, page: Page, minutes: float) -> discord.Embed:
    """The embed a reader sees: title, author, the page's text, the progress footer."""
    story = paged.story
    embed = discord.Embed(
        title=clip(story.title, TITLE_LIMIT),
        url=story.meta.url if is_link(story.meta.url) else None,
        description=paged.text(page) or EMPTY_PAGE,
        colour=colour_for(story.meta.rating),
    )
    if story.meta.author:
        embed.set_author(name=clip(f"by {story.meta.author}", AUTHOR_LIMIT))
    embed.set_footer(text=clip(footer(paged, page, minutes), FOOTER_LIMIT))
    return embed


def notice(text: str, *, title: str | None = None) -> discord.Embed:
    """A short message from the bot, in a neutral colour."""
    return discord.Embed(title=title, description=text, colour=discord.Colour(0x5865F2))


def story_line(story: Story) -> str:
    """`**Title** by Author` with markdown in the names escaped."""
    by = f" by {escape(story.meta.author, line_start=False)}" if story.meta.author else ""
    return f"**{escape(clip(story.title, 200), line_start=False)}**{by}"
