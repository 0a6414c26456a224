"""The controls under a page: ⏮ ◀ n/N ▶ ⏭, the go-to-page form, 🔖 and the chapter menu.

Each keeps its state in its custom id (`cogs.shared.ids`), so it works after a restart,
and asks the reading service for the page, so the gate is checked on every use.
"""

from __future__ import annotations

import re

import discord

from bot.reading.pages import Action
from bot.reading.service import Outcome, Refused, Shown, closes_message
from bot.text.formatting import clip, inline
from bot.text.numbers import whole_number
from cogs.shared import ids
from cogs.shared.answers import guard, reply, services, viewer_of
from cogs.shared.embeds import closed_embed, page_embed

SELECT_LIMIT = 25
_NAV_EMOJI = {Action.FIRST: "⏮️", Action.PREV: "◀️", Action.NEXT: "▶️", Action.LAST: "⏭️"}


async def present_on_message(interaction: discord.Interaction, outcome: Outcome, *,
                             buttons: bool = True, closable: bool = False) -> None:
    """Show a page on the message whose control was used (or answer the refusal).

    A `closable` refusal (`closes_message`) takes the page down too, so what may not be
    shown in this channel is not left up.
    """
    if isinstance(outcome, Refused):
        if closable:
            await interaction.response.edit_message(embed=closed_embed(), view=None)
        await reply(interaction, outcome.text)
        return
    view = controls(outcome) if buttons else None
    await interaction.response.edit_message(embed=page_embed(outcome), view=view)
    if outcome.note:
        await reply(interaction, outcome.note)


def controls(shown: Shown) -> discord.ui.View:
    """⏮ ◀ n/N ▶ ⏭ 🔖 and, for several chapters, a chapter menu; state in custom ids."""
    view = discord.ui.View(timeout=None)
    page, total = shown.page, shown.total
    args = (shown.owner, page.start, shown.story_id)
    view.add_item(NavButton(Action.FIRST, *args, disabled=page.number == 1))
    view.add_item(NavButton(Action.PREV, *args, disabled=page.number == 1))
    view.add_item(GotoButton(*args, label=f"{page.number}/{total}", disabled=total == 1))
    view.add_item(NavButton(Action.NEXT, *args, disabled=page.number == total))
    view.add_item(NavButton(Action.LAST, *args, disabled=page.number == total))
    view.add_item(BookmarkButton(*args))
    if len(shown.paged.story.chapters) > 1:
        view.add_item(ChapterSelect(*args, shown=shown))
    return view


def _message_id(interaction: discord.Interaction) -> int | None:
    return interaction.message.id if interaction.message else None


async def _turned(interaction: discord.Interaction, outcome: Outcome, story_id: str) -> None:
    """Show a control's page on its message, with buttons unless it is a reactions-only
    reading (a message whose buttons were kept from before a settings change), or closing
    it when the gate now refuses its story here (`closes_message`).
    """
    reading = services(interaction).reading
    message_id = _message_id(interaction)
    row = await reading.message(message_id) if message_id else None
    private = interaction.message is not None and interaction.message.flags.ephemeral
    closable = closes_message(outcome, row, story_id, private=private)
    await present_on_message(interaction, outcome, closable=closable,
                             buttons=row is None or row.controls.has_buttons)
    if closable and row is not None:
        await reading.forget(row.message_id)


class NavButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.NAV):
    def __init__(self, action: Action, owner: int, position: int, story_id: str, *,
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, emoji=_NAV_EMOJI[action],
            custom_id=ids.nav(action, owner, position, story_id), disabled=disabled,
        ))
        self.action, self.owner, self.position, self.story_id = action, owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> NavButton:
        return cls(Action(match["action"]), int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            outcome = await services(interaction).reading.turn(
                viewer_of(interaction), self.story_id, self.owner, self.position, self.action,
                message_id=await _known_message(interaction))
            await _turned(interaction, outcome, self.story_id)
        await guard(interaction, work())


async def _known_message(interaction: discord.Interaction) -> int | None:
    """The control's message id when it is a saved reading message (so it moves too)."""
    message_id = _message_id(interaction)
    if message_id is None:
        return None
    row = await services(interaction).reading.message(message_id)
    return message_id if row else None


class GotoButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.GOTO):
    def __init__(self, owner: int, position: int, story_id: str, *, label: str = "…",
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary, label=label,
            custom_id=ids.goto(owner, position, story_id), disabled=disabled,
        ))
        self.owner, self.position, self.story_id = owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> GotoButton:
        return cls(int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            total = await services(interaction).reading.pages_for_form(
                viewer_of(interaction), self.story_id, self.owner)
            if isinstance(total, Refused):
                await _turned(interaction, total, self.story_id)
                return
            await interaction.response.send_modal(
                GotoModal(self.owner, self.position, self.story_id, total))
        await guard(interaction, work())


class GotoModal(discord.ui.Modal):
    """Asks for a page number. Its answer is handled by `answer_goto_form` from the custom
    id alone, so a form opened before a restart still works after it."""

    def __init__(self, owner: int, position: int, story_id: str, total: int) -> None:
        super().__init__(title="Go to page", custom_id=ids.goto_form(owner, position, story_id),
                         timeout=900)
        self.add_item(discord.ui.TextInput(
            label=f"Page number (1-{total})", custom_id="page", placeholder=str(total),
            min_length=1, max_length=7,
        ))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Answered by `answer_goto_form`."""


_GOTO_FORM = re.compile(ids.GOTO_FORM)


async def answer_goto_form(interaction: discord.Interaction) -> None:
    """A submitted go-to-page form (any, even one opened before a restart)."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return
    match = _GOTO_FORM.match((interaction.data or {}).get("custom_id", ""))
    if match is None:
        return
    raw = _submitted_value(interaction, "page").strip()
    number = whole_number(raw)
    if number is None:
        await reply(interaction, f"“{inline(raw, 80)}” is not a page number.")
        return

    async def work() -> None:
        outcome = await services(interaction).reading.jump(
            viewer_of(interaction), match["story"], int(match["owner"]), page=number,
            message_id=await _known_message(interaction))
        await _turned(interaction, outcome, match["story"])
    await guard(interaction, work())


def _submitted_value(interaction: discord.Interaction, custom_id: str) -> str:
    """The text a member typed into a modal's input, read from the raw interaction."""
    for row in interaction.data.get("components", []):
        for component in row.get("components", [row.get("component", {})]):
            if component.get("custom_id") == custom_id:
                return str(component.get("value") or "")
    return ""


class ChapterSelect(discord.ui.DynamicItem[discord.ui.Select], template=ids.CHAPTER):
    def __init__(self, owner: int, position: int, story_id: str, *,
                 shown: Shown | None = None) -> None:
        options = chapter_options(shown) if shown else [discord.SelectOption(label="…")]
        super().__init__(discord.ui.Select(
            custom_id=ids.chapter(owner, position, story_id),
            placeholder="Jump to a chapter", options=options,
        ))
        self.owner, self.position, self.story_id = owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ChapterSelect:
        return cls(int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        values = interaction.data.get("values") or ["1"]
        chapter = whole_number(str(values[0]), signed=False)
        if chapter is None:
            await reply(interaction, "That is not a chapter of this story.")
            return

        async def work() -> None:
            outcome = await services(interaction).reading.jump(
                viewer_of(interaction), self.story_id, self.owner, chapter=chapter,
                message_id=await _known_message(interaction))
            await _turned(interaction, outcome, self.story_id)
        await guard(interaction, work())


def chapter_options(shown: Shown) -> list[discord.SelectOption]:
    """Up to 25 chapters around the current one, the current one marked as default."""
    chapters = shown.paged.story.chapters
    current = shown.page.chapter
    start = min(max(current - SELECT_LIMIT // 2, 0), max(len(chapters) - SELECT_LIMIT, 0))
    options = []
    for index in range(start, min(start + SELECT_LIMIT, len(chapters))):
        title = chapters[index].title.strip()
        label = f"{index + 1}. {title}" if title else f"Chapter {index + 1}"
        options.append(discord.SelectOption(
            label=clip(label, 100), value=str(index + 1), default=index == current,
        ))
    return options


class BookmarkButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.BOOKMARK):
    """🔖 under a page: bookmarks it for whoever clicks."""

    def __init__(self, owner: int, position: int, story_id: str) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, emoji="🔖",
            custom_id=ids.bookmark(owner, position, story_id),
        ))
        self.owner, self.position, self.story_id = owner, position, story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> BookmarkButton:
        return cls(int(match["owner"]), int(match["pos"]), match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            text = await services(interaction).members.bookmark_at(
                interaction.user.id, self.story_id, self.position)
            await reply(interaction, text)
        await guard(interaction, work())


#: The page controls, registered once at start-up so old messages keep working.
CONTROLS = (NavButton, GotoButton, ChapterSelect, BookmarkButton)
