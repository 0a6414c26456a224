"""The reader's shelf in Discord: /progress, /bookmark, /stats, /forgetme and /settings.

Thin on purpose: what rows say, how lists page and what settings mean is decided in
`bot.shelf`; rows come from `bot.store_shelf`. Continue, bookmark and list-paging buttons
carry their state in the `custom_id`, so they work after a restart. Confirmation buttons
carry a one-time code held only in memory, so after a restart they expire politely
instead of deleting anything.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import StoryBot
from bot.library.lookup import NotFound, resolve
from bot.members import shelf as core
from bot.reading.gate import AgeThreshold
from bot.reading.pages import BOOKMARK, page_anchor, reaction_action
from bot.storage.bookmarks import Bookmark
from cogs.shared.answers import reply, viewer_of
from cogs.shared.embeds import clip, notice
from cogs.shared.pages import present
from cogs.shared.reactions import tidy_reaction

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 300
EXPIRED = "This confirmation has expired — run the command again."
_STORY = r"(?P<story>[a-z0-9-]{1,60})"


def detached(view: discord.ui.View) -> discord.ui.View:
    """A view sent for its components only.

    Every item here is a `DynamicItem`, dispatched by its custom id, so the view object is
    not needed after sending. A view that is not finished would be kept by discord.py and,
    on an ephemeral message, given a 15-minute timer each time: one per `/progress`.
    """
    view.stop()
    return view


def _cog(interaction: discord.Interaction) -> ShelfCog:
    cog = interaction.client.get_cog("Shelf")  # type: ignore[union-attr]
    assert isinstance(cog, ShelfCog)
    return cog


# --- buttons ---------------------------------------------------------------------------------


class ContinueButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:shelf:go:" + _STORY
)):
    """Reopens the clicker's saved place in a story, privately."""

    def __init__(self, story_id: str, *, label: str = "Continue") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary, label=clip(label, 80),
            custom_id=f"sb:shelf:go:{story_id}",
        ))
        self.story_id = story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ContinueButton:
        return cls(match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).continue_story(interaction, self.story_id)


class ListPageButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:(?P<kind>shelf|marks):page:(?P<owner>\d+):(?P<page>\d+)"
)):
    """◀ / ▶ under a shelf or bookmark list; only its owner pages it."""

    def __init__(self, kind: str, owner: int, page: int, *, label: str = "…",
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, label=label, disabled=disabled,
            custom_id=f"sb:{kind}:page:{owner}:{page}",
        ))
        self.kind, self.owner, self.page = kind, owner, page

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ListPageButton:
        return cls(match["kind"], int(match["owner"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply(interaction, "This list belongs to someone else; run the command "
                                     "yourself to see yours.")
            return
        cog = _cog(interaction)
        if self.kind == "shelf":
            embed, view = await cog.shelf_page(self.owner, self.page)
        else:
            embed, view = await cog.bookmark_page(self.owner, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


class OpenBookmarkButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:marks:open:(?P<id>\d+)"
)):
    """Opens the page a bookmark points at, privately."""

    def __init__(self, bookmark_id: int, *, label: str = "Open") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary, label=label,
            custom_id=f"sb:marks:open:{bookmark_id}",
        ))
        self.bookmark_id = bookmark_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> OpenBookmarkButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).open_bookmark(interaction, self.bookmark_id)


class ConfirmButton(discord.ui.DynamicItem[discord.ui.Button], template=(
    r"sb:confirm:(?P<code>[0-9a-f]{16}):(?P<answer>yes|no)"
)):
    """Yes / Cancel on a deletion; the code is known only to the process that asked."""

    def __init__(self, code: str, answer: str, *, label: str = "…") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.danger if answer == "yes" else discord.ButtonStyle.secondary,
            label=label, custom_id=f"sb:confirm:{code}:{answer}",
        ))
        self.code, self.answer = code, answer

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ConfirmButton:
        return cls(match["code"], match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).answer_confirmation(interaction, self.code, self.answer == "yes")


@dataclass(frozen=True, slots=True)
class Pending:
    """A deletion waiting for its confirm button."""

    kind: str  # "reset" or "forget"
    user_id: int
    story_id: str | None
    expires: float


PAGING_CHOICES = [app_commands.Choice(name=label, value=value)
                  for value, label in core.PAGING_LABELS.items()]
THRESHOLD_CHOICES = [app_commands.Choice(name=value if value != "off" else "off (no gating)",
                                         value=value) for value in AgeThreshold]
PRIVACY_CHOICES = [app_commands.Choice(name="opt out: never show or count me", value="optout"),
                   app_commands.Choice(name="opt back in", value="optin")]


# --- the cog ---------------------------------------------------------------------------------


class ShelfCog(commands.Cog, name="Shelf"):
    bookmark = app_commands.Group(name="bookmark", description="Keep places in stories")

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self._pending: dict[str, Pending] = {}

    def _title(self, story_id: str) -> str | None:
        story = self.bot.library.get(story_id)
        return story.title if story else None

    def _page_of(self, story_id: str, position: int) -> tuple[int | None, int | None]:
        if story_id not in self.bot.library:
            return None, None
        paged = self.bot.library.paged(story_id, self.bot.config.page_chars)
        return paged.page_at(position).number, len(paged.pages)

    # -- /progress --

    @app_commands.command(name="progress")
    @app_commands.describe(reset="A story to forget your place and bookmarks in (asks first)",
                           page="Page of your shelf to show")
    async def progress(self, interaction: discord.Interaction,
                       reset: app_commands.Range[str, 1, 100] | None = None,
                       page: app_commands.Range[int, 1, None] = 1) -> None:
        """Your shelf: the stories you are reading, newest first, with continue buttons."""
        if reset is not None:
            await self.ask_reset(interaction, reset)
            return
        embed, view = await self.shelf_page(interaction.user.id, page)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @progress.autocomplete("reset")
    async def reset_autocomplete(self, interaction: discord.Interaction, current: str
                                 ) -> list[app_commands.Choice[str]]:
        rows = await self.bot.database.progress.shelf(interaction.user.id, limit=200)
        needle = current.casefold().strip()
        choices = []
        for row in rows:
            title = self._title(row.story_id) or row.story_id
            if needle in title.casefold() or needle in row.story_id:
                choices.append(app_commands.Choice(name=clip(title, 100), value=row.story_id))
            if len(choices) == 25:
                break
        return choices

    async def shelf_page(self, user_id: int, page: int) -> tuple[discord.Embed, discord.ui.View]:
        """One page of a member's shelf and its buttons."""
        database = self.bot.database
        total = await database.progress.count(user_id)
        page = core.clamp_page(page, total)
        progress = await database.progress.shelf(user_id, limit=core.PAGE_SIZE,
                                        offset=core.page_offset(page))
        now = time.time()
        rows = []
        for item in progress:
            number, pages = self._page_of(item.story_id, item.position)
            rows.append(core.shelf_row(item, title=self._title(item.story_id), page=number,
                                       pages=pages, now=now))
        embed = notice(core.shelf_text(rows, page=page, total=total), title="Your shelf")
        embed.set_footer(text=core.shelf_footer(page, total))
        view = discord.ui.View(timeout=None)
        for row in rows:
            if row.available:
                view.add_item(ContinueButton(row.story_id, label=f"▶ {row.title}"))
        self._add_paging(view, "shelf", user_id, page, total)
        return embed, detached(view)

    @staticmethod
    def _add_paging(view: discord.ui.View, kind: str, owner: int, page: int, total: int) -> None:
        pages = core.page_count(total)
        if pages <= 1:
            return
        view.add_item(ListPageButton(kind, owner, page - 1 if page > 1 else 0, label="◀",
                                     disabled=page == 1))
        view.add_item(ListPageButton(kind, owner, page + 1, label="▶", disabled=page == pages))

    async def continue_story(self, interaction: discord.Interaction, story_id: str) -> None:
        """Open the member's saved place in a story privately (a continue button)."""
        outcome = await self.bot.services.reading.open_saved(viewer_of(interaction), story_id)
        await present(interaction, outcome, private=True)

    # -- resetting and forgetting, behind a confirm button --

    def _ask(self, kind: str, user_id: int, story_id: str | None) -> discord.ui.View:
        now = time.monotonic()
        for code in [c for c, p in self._pending.items() if p.expires < now]:
            del self._pending[code]
        code = secrets.token_hex(8)
        self._pending[code] = Pending(kind, user_id, story_id, now + CONFIRM_SECONDS)
        view = discord.ui.View(timeout=None)
        view.add_item(ConfirmButton(code, "yes", label="Yes, delete"))
        view.add_item(ConfirmButton(code, "no", label="Cancel"))
        return detached(view)

    async def ask_reset(self, interaction: discord.Interaction, text: str) -> None:
        user_id = interaction.user.id
        story_id = text.strip()
        if await self.bot.database.progress.get(user_id, story_id) is None:
            story = resolve(self.bot.library, text)
            if isinstance(story, NotFound):
                await reply(interaction, story.text)
                return
            story_id = story.id
            if await self.bot.database.progress.get(user_id, story_id) is None:
                await reply(interaction, f"You have no progress in {clip(story.title, 100)}; "
                                         "there is nothing to reset.")
                return
        title = clip(self._title(story_id) or story_id, 100)
        await interaction.response.send_message(
            f"Delete your place and your bookmarks in **{title}**? This cannot be undone.",
            view=self._ask("reset", user_id, story_id), ephemeral=True,
        )

    @app_commands.command(name="forgetme")
    async def forgetme(self, interaction: discord.Interaction) -> None:
        """Delete everything I store about you (asks first)."""
        await interaction.response.send_message(
            "Delete everything I store about you: your progress in every story, your "
            "bookmarks, your reading stats and your open reading messages? This cannot be "
            "undone.",
            view=self._ask("forget", interaction.user.id, None), ephemeral=True,
        )

    async def answer_confirmation(self, interaction: discord.Interaction, code: str,
                                  yes: bool) -> None:
        pending = self._pending.get(code)
        if pending is None or pending.expires < time.monotonic():
            self._pending.pop(code, None)
            await interaction.response.edit_message(content=EXPIRED, view=None)
            return
        if interaction.user.id != pending.user_id:
            await reply(interaction, "This question was for someone else.")
            return
        del self._pending[code]
        if not yes:
            await interaction.response.edit_message(content="Cancelled; nothing was deleted.",
                                                    view=None)
            return
        database = self.bot.database
        if pending.kind == "reset":
            _, marks = await database.reset_progress(pending.user_id, pending.story_id)
            title = clip(self._title(pending.story_id) or pending.story_id, 100)
            text = (f"Done. Your place in **{title}** is forgotten"
                    + (f", with {marks} bookmark{'s' if marks != 1 else ''}." if marks else "."))
        else:
            forgotten = await database.forget_member(pending.user_id)
            log.info("Forgot member %s (%d rows)", pending.user_id, forgotten.total)
            text = core.forgotten_text(forgotten)
        await interaction.response.edit_message(content=text, view=None)

    # -- /bookmark --

    @bookmark.command(name="add")
    @app_commands.describe(note="A few words to remember it by")
    async def bookmark_add(self, interaction: discord.Interaction,
                           note: app_commands.Range[str, 0, 200] | None = None) -> None:
        """Bookmark your current place in the story you read last."""
        latest = await self.bot.database.progress.latest(interaction.user.id)
        if latest is None:
            await reply(interaction, "You haven't started a story yet, so there is no place "
                                     "to bookmark. `/read` opens one.")
            return
        await self._bookmark(interaction, latest.story_id, latest.position, latest.anchor,
                             core.clean_note(note))

    async def bookmark_button(self, interaction: discord.Interaction, story_id: str,
                              position: int) -> None:
        """The 🔖 button under a page: bookmark that page for whoever clicked."""
        anchor = self._anchor(story_id, position)
        if anchor is None:
            await reply(interaction, "That story is no longer in the library.")
            return
        await self._bookmark(interaction, story_id, position, anchor, "")

    async def _bookmark(self, interaction: discord.Interaction, story_id: str, position: int,
                        anchor: str, note: str) -> None:
        await self.bot.database.bookmarks.add(interaction.user.id, story_id, position, anchor,
                                             note)
        number, _ = self._page_of(story_id, position)
        where = f"page {number} of " if number else ""
        title = clip(self._title(story_id) or story_id, 100)
        await reply(interaction, f"🔖 Bookmarked {where}**{title}**. `/bookmark list` "
                                 "takes you back.")

    def _anchor(self, story_id: str, position: int) -> str | None:
        if story_id not in self.bot.library:
            return None
        paged = self.bot.library.paged(story_id, self.bot.config.page_chars)
        return page_anchor(paged, paged.page_at(position))

    @bookmark.command(name="list")
    @app_commands.describe(page="Page of the list to show")
    async def bookmark_list(self, interaction: discord.Interaction,
                            page: app_commands.Range[int, 1, None] = 1) -> None:
        """Your bookmarks, newest first; each button opens its page."""
        embed, view = await self.bookmark_page(interaction.user.id, page)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def bookmark_page(self, user_id: int, page: int
                            ) -> tuple[discord.Embed, discord.ui.View]:
        """One page of a member's bookmarks and their open buttons."""
        database = self.bot.database
        total = await database.bookmarks.count(user_id)
        page = core.clamp_page(page, total)
        offset = core.page_offset(page)
        marks = await database.bookmarks.list(user_id, limit=core.PAGE_SIZE, offset=offset)
        now = time.time()
        view = discord.ui.View(timeout=None)
        lines = []
        for index, mark in enumerate(marks, offset + 1):
            number, _ = self._page_of(mark.story_id, mark.position)
            lines.append(core.bookmark_line(index, mark, title=self._title(mark.story_id),
                                            page=number, now=now))
            if number:
                view.add_item(OpenBookmarkButton(mark.id, label=f"Open {index}"))
        text = "\n".join(lines) or ("You have no bookmarks. `/bookmark add` or 🔖 on a page "
                                    "keeps your place.")
        embed = notice(text, title="Your bookmarks")
        self._add_paging(view, "marks", user_id, page, total)
        return embed, detached(view)

    async def open_bookmark(self, interaction: discord.Interaction, bookmark_id: int) -> None:
        mark = await self.bot.database.bookmarks.get(interaction.user.id, bookmark_id)
        if mark is None:
            await reply(interaction, "That bookmark is gone (or is someone else's).")
            return
        outcome = await self.bot.services.reading.open_at(
            viewer_of(interaction), mark.story_id, mark.position, anchor=mark.anchor,
            note=f"🔖 {mark.note}" if mark.note else "")
        await present(interaction, outcome, private=True)

    @bookmark.command(name="remove")
    @app_commands.describe(bookmark="The bookmark to delete")
    async def bookmark_remove(self, interaction: discord.Interaction,
                              bookmark: app_commands.Range[str, 1, 20]) -> None:
        """Delete one of your bookmarks."""
        if not bookmark.strip().isdigit():
            await reply(interaction, "Pick a bookmark from the list that appears as you type.")
            return
        removed = await self.bot.database.bookmarks.remove(interaction.user.id,
                                                          int(bookmark.strip()))
        await reply(interaction, "Bookmark deleted." if removed else
                    "You have no such bookmark; `/bookmark list` shows yours.")

    @bookmark_remove.autocomplete("bookmark")
    async def bookmark_autocomplete(self, interaction: discord.Interaction, current: str
                                    ) -> list[app_commands.Choice[str]]:
        marks = await self.bot.database.bookmarks.list(interaction.user.id, limit=200)
        needle = current.casefold().strip()
        choices = []
        for mark in marks:
            name = self._choice_name(mark)
            if needle in name.casefold():
                choices.append(app_commands.Choice(name=name, value=str(mark.id)))
            if len(choices) == 25:
                break
        return choices

    def _choice_name(self, mark: Bookmark) -> str:
        number, _ = self._page_of(mark.story_id, mark.position)
        return core.bookmark_choice_name(mark, title=self._title(mark.story_id), page=number)

    # -- 🔖 reaction --

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        if reaction_action(str(payload.emoji)) != BOOKMARK:
            return
        reading = await self.bot.database.messages.get(payload.message_id)
        if reading is None or payload.user_id != reading.user_id:
            return
        anchor = self._anchor(reading.story_id, reading.position)
        if anchor is not None:
            await self.bot.database.bookmarks.add(reading.user_id, reading.story_id,
                                                 reading.position, anchor)
        await tidy_reaction(self.bot, payload)


    # -- /stats --

    @app_commands.command(name="stats")
    @app_commands.describe(privacy="Opt out of the stats (or back in) instead of showing them")
    @app_commands.choices(privacy=PRIVACY_CHOICES)
    async def stats(self, interaction: discord.Interaction,
                    privacy: app_commands.Choice[str] | None = None) -> None:
        """This server's reading stats: stories started and finished, words read, top readers."""
        database = self.bot.database
        if privacy is not None:
            opting_out = privacy.value == "optout"
            await database.stats.set_optout(interaction.user.id, opting_out)
            await reply(interaction, "You are out of the stats: what was recorded is deleted "
                                     "and nothing more is counted or shown."
                        if opting_out else "You are back in the stats from now on.")
            return
        if interaction.guild_id is None:
            await reply(interaction, "Stats are per server; run `/stats` in a server.")
            return
        settings = await database.settings.get(interaction.guild_id)
        if not settings.stats_enabled:
            await reply(interaction, "Stats are turned off on this server.")
            return
        stats = await database.stats.guild(interaction.guild_id)
        titles = {s.story_id: self._title(s.story_id) or s.story_id for s in stats.stories}
        embed = notice("", title="Reading stats")
        embed.description = None
        for heading, body in core.stats_text(stats, titles):
            embed.add_field(name=heading, value=clip(body, 1024), inline=False)
        await interaction.response.send_message(embed=embed)

    # -- /settings --

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
        if not interaction.permissions.manage_guild:
            await reply(interaction, "Only members with the Manage Server permission can "
                                     "see and change these settings.")
            return
        changes = core.settings_changes(
            paging=paging.value if paging else None, club_mode=club_mode,
            age_threshold=age_gating.value if age_gating else None, stats_enabled=stats,
            not_rated_open=not_rated,
        )
        database = self.bot.database
        current = await database.settings.update(interaction.guild_id, **changes)
        if changes:
            log.info("Settings of guild %s changed: %s", interaction.guild_id, sorted(changes))
        embed = notice("Changed; new readings use these at once." if changes else
                       "Change any of these with the command's options.",
                       title="Settings for this server")
        for name, value in core.describe_settings(current):
            embed.add_field(name=name, value=value, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def cog_app_command_error(self, interaction: discord.Interaction,
                                    error: app_commands.AppCommandError) -> None:
        log.exception("Command /%s failed", interaction.command.name if interaction.command
                      else "?", exc_info=error)
        await reply(interaction, "Something went wrong on my side; please try again.")


async def setup(bot: StoryBot) -> None:
    bot.add_dynamic_items(ContinueButton, ListPageButton, OpenBookmarkButton, ConfirmButton)
    await bot.add_cog(ShelfCog(bot))
