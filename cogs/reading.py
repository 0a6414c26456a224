"""Reading in Discord: /read, /continue, and turning pages with reactions or buttons.

The cog translates Discord events into calls on the reading core (`bot.reader`) and back
into embeds. Page-turn state lives in the database (reaction readings) or in the buttons'
`custom_id` (button readings), so both keep working after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import StoryBot
from bot.library.catalogue import find_stories
from bot.reading.pages import (
    REACTION_ORDER,
    Action,
    Gate,
    goto_chapter,
    goto_page,
    is_gated,
    may_show,
    page_anchor,
    reaction_action,
    relocate,
    turn,
    words_on,
)
from bot.storage.progress import PageMessage
from bot.text.pagination import Page, PagedStory
from bot.text.ratings import NOT_RATED
from bot.text.story import Story
from cogs.shared.embeds import clip, page_embed

log = logging.getLogger(__name__)

NAV_REACTIONS = REACTION_ORDER
SELECT_LIMIT = 25
_STORY = r"(?P<story>[a-z0-9-]{1,60})"


# --- answers ---------------------------------------------------------------------------------


async def reply(interaction: discord.Interaction, text: str) -> bool:
    """A private answer, whether or not the interaction was answered already.

    When Discord refuses it, one log line says so and False is returned: an answer that
    cannot be delivered must not turn into a second failure.
    """
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
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
        log.exception("A reading control failed")
        await reply(interaction, "Something went wrong on my side; please try again.")


def age_restricted(channel: object) -> bool:
    is_nsfw = getattr(channel, "is_nsfw", None)
    return bool(is_nsfw and is_nsfw())


def gate_message(story: Story, gate: Gate) -> str:
    rating = story.meta.rating
    rated = "is Not Rated" if rating == NOT_RATED else f"is rated {rating}"
    held = gate.describe()
    return (
        f"**{clip(story.title, 200)}** {rated}. {held[:1].upper()}{held[1:]} open only in "
        "age-restricted channels or in a DM with me."
    )


# --- controls ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opened:
    """What a page message shows and who may turn it."""

    story_id: str
    owner: int
    page: Page
    paged: PagedStory


def controls(opened: Opened) -> discord.ui.View:
    """⏮ ◀ n/N ▶ ⏭ and, for several chapters, a chapter select; state in custom ids."""
    view = discord.ui.View(timeout=None)
    page, total = opened.page, len(opened.paged.pages)
    args = (opened.owner, page.start, opened.story_id)
    view.add_item(NavButton(Action.FIRST, *args, disabled=page.number == 1))
    view.add_item(NavButton(Action.PREV, *args, disabled=page.number == 1))
    view.add_item(GotoButton(*args, label=f"{page.number}/{total}", disabled=total == 1))
    view.add_item(NavButton(Action.NEXT, *args, disabled=page.number == total))
    view.add_item(NavButton(Action.LAST, *args, disabled=page.number == total))
    view.add_item(BookmarkButton(*args))
    if len(opened.paged.story.chapters) > 1:
        view.add_item(ChapterSelect(*args, paged=opened.paged))
    return view


class BookmarkButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:mark:add:(?P<owner>\d+):(?P<pos>\d+):" + _STORY
)):
    """🔖 under a page: bookmarks it for whoever clicks (registered by the shelf cog)."""

    def __init__(self, owner: int, position: int, story_id: str) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary,
            emoji="🔖",
            custom_id=f"sb:mark:add:{owner}:{position}:{story_id}",
        ))
        self.owner, self.position, self.story_id = owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> BookmarkButton:
        return cls(int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        shelf = interaction.client.get_cog("Shelf")  # type: ignore[union-attr]
        if shelf is None:
            await reply(interaction, "Bookmarks are not available right now.")
            return
        await shelf.bookmark_button(interaction, self.story_id, self.position)


_NAV_EMOJI = {Action.FIRST: "⏮️", Action.PREV: "◀️", Action.NEXT: "▶️", Action.LAST: "⏭️"}


class NavButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:nav:(?P<action>first|prev|next|last):(?P<owner>\d+):(?P<pos>\d+):" + _STORY
)):
    def __init__(self, action: Action, owner: int, position: int, story_id: str, *,
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary,
            emoji=_NAV_EMOJI[action],
            custom_id=f"sb:nav:{action}:{owner}:{position}:{story_id}",
            disabled=disabled,
        ))
        self.action, self.owner, self.position, self.story_id = action, owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> NavButton:
        return cls(Action(match["action"]), int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        await guard(interaction, cog.button_turn(interaction, self.story_id, self.owner,
                                                 self.position, self.action))


class GotoButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:goto:(?P<owner>\d+):(?P<pos>\d+):" + _STORY
)):
    def __init__(self, owner: int, position: int, story_id: str, *, label: str = "…",
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary,
            label=label,
            custom_id=f"sb:goto:{owner}:{position}:{story_id}",
            disabled=disabled,
        ))
        self.owner, self.position, self.story_id = owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> GotoButton:
        return cls(int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await guard(interaction, self._ask(interaction))

    async def _ask(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        if not await cog.may_turn(interaction, self.owner):
            return
        paged = cog.paged_or_none(self.story_id)
        if paged is None:
            await reply(interaction, "That story is no longer in the library.")
            return
        await interaction.response.send_modal(
            GotoModal(self.owner, self.position, self.story_id, len(paged.pages))
        )


GOTO_FORM = re.compile(r"sb:gotoform:(?P<owner>\d+):(?P<pos>\d+):" + _STORY + "$")


class GotoModal(discord.ui.Modal):
    """Asks for a page number. Its answer is handled by `ReadingCog.on_interaction` from the
    custom id alone, so a form opened before a restart still works after it."""

    def __init__(self, owner: int, position: int, story_id: str, total: int) -> None:
        super().__init__(title="Go to page", custom_id=f"sb:gotoform:{owner}:{position}:{story_id}",
                         timeout=900)
        self.add_item(discord.ui.TextInput(
            label=f"Page number (1-{total})", custom_id="page", placeholder=str(total),
            min_length=1, max_length=7,
        ))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Answered by the cog's interaction listener."""


def submitted_value(interaction: discord.Interaction, custom_id: str) -> str:
    """The text a member typed into a modal's input, read from the raw interaction."""
    for row in interaction.data.get("components", []):
        for component in row.get("components", [row.get("component", {})]):
            if component.get("custom_id") == custom_id:
                return str(component.get("value") or "")
    return ""


class ChapterSelect(discord.ui.DynamicItem[discord.ui.Select], template=(
    r"sb:chap:(?P<owner>\d+):(?P<pos>\d+):" + _STORY
)):
    def __init__(self, owner: int, position: int, story_id: str, *,
                 paged: PagedStory | None = None) -> None:
        options = chapter_options(paged, position) if paged else [discord.SelectOption(label="…")]
        super().__init__(discord.ui.Select(
            custom_id=f"sb:chap:{owner}:{position}:{story_id}",
            placeholder="Jump to a chapter",
            options=options,
        ))
        self.owner, self.position, self.story_id = owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ChapterSelect:
        return cls(int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        values = interaction.data.get("values") or ["1"]
        cog = _cog(interaction)
        await guard(interaction, cog.button_jump(interaction, self.story_id, self.owner,
                                                 chapter=int(values[0])))


def chapter_options(paged: PagedStory, position: int) -> list[discord.SelectOption]:
    """Up to 25 chapters around the current one, the current one marked as default."""
    chapters = paged.story.chapters
    current = paged.page_at(position).chapter
    start = min(max(current - SELECT_LIMIT // 2, 0), max(len(chapters) - SELECT_LIMIT, 0))
    options = []
    for index in range(start, min(start + SELECT_LIMIT, len(chapters))):
        title = chapters[index].title.strip()
        label = f"{index + 1}. {title}" if title else f"Chapter {index + 1}"
        options.append(discord.SelectOption(
            label=clip(label, 100), value=str(index + 1), default=index == current,
        ))
    return options


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


def _cog(interaction: discord.Interaction) -> ReadingCog:
    cog = interaction.client.get_cog("Reading")  # type: ignore[union-attr]
    assert isinstance(cog, ReadingCog)
    return cog


# --- the cog ---------------------------------------------------------------------------------


class ReadingCog(commands.Cog, name="Reading"):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    # -- lookups --

    def paged_or_none(self, story_id: str) -> PagedStory | None:
        if story_id not in self.bot.library:
            return None
        return self.bot.library.paged(story_id, self.bot.config.page_chars)

    def words(self, story_id: str) -> int:
        return self.bot.library.entry(story_id).words

    def minutes(self, story_id: str) -> float:
        return self.bot.library.entry(story_id).minutes

    async def resolve(self, interaction: discord.Interaction, text: str) -> Story | None:
        """The story an option names (id or exact title); otherwise say what is close."""
        library = self.bot.library
        key = text.strip()
        story = library.get(key) or library.get(key.lower())
        if story is None:
            matches = [s for s in library if s.title.casefold() == key.casefold()]
            story = matches[0] if len(matches) == 1 else None
        if story is None:
            close = library.suggest(key) or [s.id for s in find_stories(library, key, 3)]
            hint = ""
            if close:
                names = ", ".join(f"`{sid}`" for sid in close)
                hint = f" Did you mean {names}?"
            await reply(interaction, f"There is no story called “{clip(key, 80)}”.{hint} "
                                     "`/library` lists them all.")
        return story

    async def allowed_here(self, interaction: discord.Interaction, story: Story) -> bool:
        """Age gating: answer privately and return False when the story may not open here."""
        settings = await self.bot.database.settings.get(interaction.guild_id)
        if may_show(story.meta.rating, settings.gate,
                    age_restricted=age_restricted(interaction.channel),
                    dm=interaction.guild_id is None):
            return True
        await reply(interaction, gate_message(story, settings.gate))
        return False

    async def may_turn(self, interaction: discord.Interaction, owner: int) -> bool:
        """Only the reader turns pages, unless the server is in reading-club mode."""
        if interaction.user.id == owner:
            return True
        settings = await self.bot.database.settings.get(interaction.guild_id)
        if settings.club_mode and interaction.guild_id is not None:
            return True
        await reply(interaction, f"These pages belong to <@{owner}>. Open your own copy with "
                                 "`/read` to read along.")
        return False

    # -- saving --

    async def save(self, user_id: int, opened: Opened, *, turned: bool, words: int = 0,
                   message_id: int | None = None) -> None:
        paged, page = opened.paged, opened.page
        await self.bot.database.progress.record_page(
            user_id, opened.story_id,
            position=page.start,
            anchor=page_anchor(paged, page),
            page_end=page.end,
            length=paged.layout.chapters[-1].end if paged.layout.chapters else 0,
            words=words,
            turned=turned,
            finished=page is paged.pages[-1],
            message_id=message_id,
        )

    # -- opening --

    async def open(self, interaction: discord.Interaction, story: Story, page: Page, *,
                   private: bool, note: str = "") -> None:
        """Show `page` to the member as a new message and remember it."""
        paged = self.bot.library.paged(story.id, self.bot.config.page_chars)
        opened = Opened(story.id, interaction.user.id, page, paged)
        await self.save(interaction.user.id, opened, turned=False)
        embed = page_embed(paged, page, self.minutes(story.id))
        if private:
            await interaction.response.send_message(embed=embed, view=controls(opened),
                                                    ephemeral=True)
            if note:
                await reply(interaction, note)
            return
        settings = await self.bot.database.settings.get(interaction.guild_id)
        mode = settings.paging
        if mode != "buttons" and not self._can_react(interaction):
            mode = "buttons"
            note = (note + "\n" if note else "") + (
                "I can't add reactions in this channel, so this page has buttons instead.")
        view = controls(opened) if mode in ("buttons", "both") else discord.utils.MISSING
        await interaction.response.send_message(embed=embed, view=view)
        message = await interaction.original_response()
        await self.bot.database.messages.save(PageMessage(
            message.id, message.channel.id, interaction.guild_id, interaction.user.id,
            story.id, page.start, mode,
        ))
        if mode in ("reactions", "both"):
            added = await self._add_reactions(message)
            if not added and mode == "reactions":
                await self._fall_back_to_buttons(message, opened)
                note = (note + "\n" if note else "") + (
                    "I couldn't add reactions here, so this page has buttons instead.")
        if note:
            await reply(interaction, note)

    def _can_react(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            return True
        perms = interaction.app_permissions
        return perms.add_reactions and perms.read_message_history

    async def _add_reactions(self, message: discord.Message) -> bool:
        try:
            for emoji in NAV_REACTIONS:
                await message.add_reaction(emoji)
        except discord.Forbidden:
            log.info("No permission to add reactions in channel %s", message.channel.id)
            return False
        except discord.HTTPException as exc:
            log.warning("Adding page reactions failed (%s %s)", exc.status, exc.code)
            return False
        return True

    async def _fall_back_to_buttons(self, message: discord.Message, opened: Opened) -> None:
        try:
            await message.edit(view=controls(opened))
        except discord.HTTPException as exc:
            log.warning("Could not add page buttons to message %s (%s)", message.id, exc.status)
            return
        await self.bot.database.messages.save(PageMessage(
            message.id, message.channel.id, message.guild.id if message.guild else None,
            opened.owner, opened.story_id, opened.page.start, "buttons",
        ))

    # -- commands --

    @app_commands.command(name="read")
    @app_commands.describe(
        story="Title, author or fandom to search for",
        chapter="Chapter number to open",
        page="Page number (within the chapter when a chapter is given)",
        private="Read privately, with buttons only you can see",
    )
    async def read(
        self,
        interaction: discord.Interaction,
        story: app_commands.Range[str, 1, 100],
        chapter: app_commands.Range[int, 1, None] | None = None,
        page: app_commands.Range[int, 1, None] | None = None,
        private: bool = False,
    ) -> None:
        """Open a story and read it page by page."""
        found = await self.resolve(interaction, story)
        if found is None or not await self.allowed_here(interaction, found):
            return
        paged = self.bot.library.paged(found.id, self.bot.config.page_chars)
        note = ""
        if chapter is not None:
            jump = goto_chapter(paged, chapter, page)
            if jump.clamped:
                note = (f"{found.title} has {len(found.chapters)} chapters; showing chapter "
                        f"{jump.page.chapter + 1}, page {jump.page.number}.")
        elif page is not None:
            jump = goto_page(paged, page)
            if jump.clamped:
                note = (f"{found.title} has {len(paged.pages)} pages; "
                        f"showing page {jump.page.number}.")
        else:
            jump = goto_page(paged, 1)
        await self.open(interaction, found, jump.page, private=private, note=note)

    @app_commands.command(name="continue")
    @app_commands.describe(story="The story to continue (default: the one you read last)")
    async def continue_(
        self, interaction: discord.Interaction,
        story: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Reopen a story exactly where you stopped."""
        database = self.bot.database
        if story is None:
            progress = await database.progress.latest(interaction.user.id)
            if progress is None:
                await reply(interaction, "You haven't started a story yet. `/library` shows "
                                         "the shelf and `/read` opens one.")
                return
            found = self.bot.library.get(progress.story_id)
            if found is None:
                await reply(interaction, "The story you read last is no longer in the library. "
                                         "`/progress` shows your other stories.")
                return
        else:
            found = await self.resolve(interaction, story)
            if found is None:
                return
            progress = await database.progress.get(interaction.user.id, found.id)
        if not await self.allowed_here(interaction, found):
            return
        paged = self.bot.library.paged(found.id, self.bot.config.page_chars)
        if progress is None:
            await self.open(interaction, found, paged.pages[0], private=False,
                            note=f"You hadn't started {found.title}; here is the first page.")
            return
        position = relocate(found.plain, progress.position, progress.anchor)
        await self.open(interaction, found, paged.page_at(position), private=False)

    @read.autocomplete("story")
    @continue_.autocomplete("story")
    async def story_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        settings = await self.bot.database.settings.get(interaction.guild_id)
        return story_choices(self.bot, current, settings.gate)

    # -- buttons --

    async def button_turn(self, interaction: discord.Interaction, story_id: str, owner: int,
                          position: int, action: Action) -> None:
        if not await self.may_turn(interaction, owner):
            return
        paged = self.paged_or_none(story_id)
        if paged is None:
            await reply(interaction, "That story is no longer in the library.")
            return
        before = paged.page_at(position)
        page = turn(paged, position, action)
        read = words_on(paged, before, self.words(story_id)) if action is Action.NEXT else 0
        await self._show_on_message(interaction, Opened(story_id, owner, page, paged),
                                    turned=page is not before, words=read)

    async def button_jump(self, interaction: discord.Interaction, story_id: str, owner: int, *,
                          page_number: int | None = None, chapter: int | None = None) -> None:
        if not await self.may_turn(interaction, owner):
            return
        paged = self.paged_or_none(story_id)
        if paged is None:
            await reply(interaction, "That story is no longer in the library.")
            return
        if chapter is not None:
            jump = goto_chapter(paged, chapter)
        else:
            jump = goto_page(paged, page_number or 1)
        await self._show_on_message(interaction, Opened(story_id, owner, jump.page, paged),
                                    turned=False)
        if jump.clamped:
            await reply(interaction,
                        f"There are {len(paged.pages)} pages; showing page {jump.page.number}.")

    async def _show_on_message(self, interaction: discord.Interaction, opened: Opened, *,
                               turned: bool, words: int = 0) -> None:
        """Save, then show the page on the message the control belongs to."""
        message_id = interaction.message.id if interaction.message else None
        reading = await self.bot.database.messages.get(message_id) if message_id else None
        await self.save(interaction.user.id, opened, turned=turned, words=words,
                        message_id=message_id if reading else None)
        has_buttons = reading is None or reading.controls in ("buttons", "both")
        embed = page_embed(opened.paged, opened.page, self.minutes(opened.story_id))
        view = controls(opened) if has_buttons else None
        await interaction.response.edit_message(embed=embed, view=view)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        match = GOTO_FORM.match((interaction.data or {}).get("custom_id", ""))
        if match is None:
            return
        raw = submitted_value(interaction, "page").strip()
        if not raw.lstrip("-").isdigit():
            await reply(interaction, f"“{clip(raw, 40)}” is not a page number.")
            return
        await guard(interaction, self.button_jump(interaction, match["story"],
                                                  int(match["owner"]), page_number=int(raw)))

    # -- reactions --

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        # In DMs the bot cannot remove a reader's reaction, so removing one turns the page too.
        if payload.guild_id is None:
            await self._reaction(payload, added=False)

    async def _reaction(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        action = reaction_action(str(payload.emoji))
        if not isinstance(action, Action):
            return
        lock = self._locks.get(payload.message_id)
        if lock is None:
            lock = self._locks[payload.message_id] = asyncio.Lock()
        async with lock:
            reading = await self.bot.database.messages.get(payload.message_id)
            if reading is None:
                return
            if payload.user_id != reading.user_id:
                settings = await self.bot.database.settings.get(payload.guild_id)
                if not (settings.club_mode and payload.guild_id is not None):
                    return
            await self._reaction_turn(payload, reading, action, added=added)

    async def _reaction_turn(self, payload: discord.RawReactionActionEvent, reading: PageMessage,
                             action: Action, *, added: bool) -> None:
        paged = self.paged_or_none(reading.story_id)
        channel = self.bot.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
        message = channel.get_partial_message(payload.message_id)
        try:
            if paged is not None:
                await self._turn_message(message, payload, reading, paged, action)
        finally:
            # Tidy the reader's reaction after the page has changed, so it never delays it.
            if added and payload.guild_id is not None:
                await tidy_reaction(self.bot, payload)

    async def _turn_message(self, message: discord.PartialMessage,
                            payload: discord.RawReactionActionEvent, reading: PageMessage,
                            paged: PagedStory, action: Action) -> None:
        before = paged.page_at(reading.position)
        page = turn(paged, reading.position, action)
        if page is before:
            return
        read = words_on(paged, before, self.words(reading.story_id)) if action is Action.NEXT else 0
        opened = Opened(reading.story_id, reading.user_id, page, paged)
        await self.save(payload.user_id, opened, turned=True, words=read,
                        message_id=payload.message_id)
        view = controls(opened) if reading.controls == "both" else discord.utils.MISSING
        try:
            await message.edit(embed=page_embed(paged, page, self.minutes(reading.story_id)),
                               view=view)
        except discord.NotFound:
            await self.bot.database.messages.delete(payload.message_id)
        except discord.HTTPException as exc:
            log.warning("Could not turn the page on message %s (%s %s)", payload.message_id,
                        exc.status, exc.code)
            # Keep the message and its row in step: it still shows the old page.
            await self.bot.database.messages.save(reading)


    async def cog_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        await command_failed(interaction, error)


async def command_failed(interaction: discord.Interaction,
                         error: app_commands.AppCommandError) -> None:
    """One log line for a failed command, and a private word to the member when possible."""
    name = interaction.command.name if interaction.command else "?"
    original = getattr(error, "original", error)
    if isinstance(original, discord.HTTPException):
        log.warning("/%s: Discord refused a request (%s %s)", name, original.status,
                    original.code)
    else:
        log.error("/%s failed", name, exc_info=original)
    await reply(interaction, "Something went wrong on my side; please try again.")


def story_choices(bot: StoryBot, current: str,
                  gate: Gate | None = None) -> list[app_commands.Choice[str]]:
    """Autocomplete: up to 25 stories matching title, author or fandom; 🔞 marks gated ones."""
    choices = []
    for story in find_stories(bot.library, current, 25):
        mark = " 🔞" if is_gated(story.meta.rating, gate or Gate()) else ""
        by = f" — {story.meta.author}" if story.meta.author else ""
        choices.append(app_commands.Choice(name=clip(f"{story.title}{by}{mark}", 100),
                                           value=story.id))
    return choices


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(NavButton, GotoButton, ChapterSelect)
    await bot.add_cog(ReadingCog(bot))
