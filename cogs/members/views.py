"""The buttons under a shelf, a bookmark list and a deletion question.

Continue, open and list-paging buttons carry their state in the custom id, so they work
after a restart; a confirm button carries a one-time code the members service holds.
Every one is a `DynamicItem`, dispatched by its custom id.
"""

from __future__ import annotations

import re

import discord

from bot.members.service import BookmarkPage, ShelfPage
from bot.text.formatting import clip
from cogs.shared import ids
from cogs.shared.answers import guard, reply, services, viewer_of
from cogs.shared.embeds import notice
from cogs.shared.pages import present

NOT_YOURS = "This list belongs to someone else; run the command yourself to see yours."


def detached(view: discord.ui.View) -> discord.ui.View:
    """A view sent for its components only.

    Every item here is a `DynamicItem`, dispatched by its custom id, so the view object is
    not needed after sending. A view that is not finished would be kept by discord.py and,
    on an ephemeral message, given a 15-minute timer each time: one per `/progress`.
    """
    view.stop()
    return view


def _add_paging(view: discord.ui.View, kind: str, owner: int, page: int, pages: int) -> None:
    if pages <= 1:
        return
    view.add_item(ListPageButton(kind, owner, page - 1 if page > 1 else 0, label="◀",
                                 disabled=page == 1))
    view.add_item(ListPageButton(kind, owner, page + 1, label="▶", disabled=page == pages))


def shelf_message(shelf: ShelfPage, owner: int) -> tuple[discord.Embed, discord.ui.View]:
    """A page of a member's shelf: the rows, a continue button each, and paging."""
    embed = notice(shelf.text, title="Your shelf")
    embed.set_footer(text=shelf.footer)
    view = discord.ui.View(timeout=None)
    for row in shelf.rows:
        if row.available:
            view.add_item(ContinueButton(row.story_id, label=f"▶ {row.title}"))
    _add_paging(view, "shelf", owner, shelf.page, shelf.pages)
    return embed, detached(view)


def bookmarks_message(marks: BookmarkPage, owner: int) -> tuple[discord.Embed, discord.ui.View]:
    """A page of a member's bookmarks: the lines, an open button each, and paging."""
    view = discord.ui.View(timeout=None)
    for mark in marks.marks:
        if mark.page:
            view.add_item(OpenBookmarkButton(mark.id, label=f"Open {mark.index}"))
    _add_paging(view, "marks", owner, marks.page, marks.pages)
    return notice(marks.text, title="Your bookmarks"), detached(view)


def confirm_view(code: str) -> discord.ui.View:
    """Yes / Cancel under a deletion question."""
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(code, "yes", label="Yes, delete"))
    view.add_item(ConfirmButton(code, "no", label="Cancel"))
    return detached(view)


class ContinueButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.CONTINUE):
    """Reopens the clicker's saved place in a story, privately."""

    def __init__(self, story_id: str, *, label: str = "Continue") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary, label=clip(label, 80),
            custom_id=ids.continue_(story_id),
        ))
        self.story_id = story_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ContinueButton:
        return cls(match["story"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            outcome = await services(interaction).reading.open_saved(viewer_of(interaction),
                                                                     self.story_id)
            await present(interaction, outcome, private=True)
        await guard(interaction, work())


class ListPageButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.LIST_PAGE):
    """◀ / ▶ under a shelf or bookmark list; only its owner pages it."""

    def __init__(self, kind: str, owner: int, page: int, *, label: str = "…",
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.secondary, label=label, disabled=disabled,
            custom_id=ids.list_page(kind, owner, page),
        ))
        self.kind, self.owner, self.page = kind, owner, page

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ListPageButton:
        return cls(match["kind"], int(match["owner"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner:
            await reply(interaction, NOT_YOURS)
            return

        async def work() -> None:
            members = services(interaction).members
            if self.kind == "shelf":
                embed, view = shelf_message(await members.shelf(self.owner, self.page),
                                            self.owner)
            else:
                embed, view = bookmarks_message(await members.bookmarks(self.owner, self.page),
                                                self.owner)
            await interaction.response.edit_message(embed=embed, view=view)
        await guard(interaction, work())


class OpenBookmarkButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.OPEN_BOOKMARK):
    """Opens the page a bookmark points at, privately."""

    def __init__(self, bookmark_id: int, *, label: str = "Open") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.primary, label=label,
            custom_id=ids.open_bookmark(bookmark_id),
        ))
        self.bookmark_id = bookmark_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> OpenBookmarkButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            outcome = await services(interaction).members.open_bookmark(
                viewer_of(interaction), self.bookmark_id)
            await present(interaction, outcome, private=True)
        await guard(interaction, work())


class ConfirmButton(discord.ui.DynamicItem[discord.ui.Button], template=ids.CONFIRM):
    """Yes / Cancel on a deletion; the code is known only to the process that asked."""

    def __init__(self, code: str, answer: str, *, label: str = "…") -> None:
        super().__init__(discord.ui.Button(
            style=discord.ButtonStyle.danger if answer == "yes" else discord.ButtonStyle.secondary,
            label=label, custom_id=ids.confirm(code, answer),
        ))
        self.code, self.answer = code, answer

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]) -> ConfirmButton:
        return cls(match["code"], match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            answered = await services(interaction).members.confirm(
                interaction.user.id, self.code, self.answer == "yes")
            if isinstance(answered, str):
                await interaction.response.edit_message(content=answered, view=None)
            else:
                await reply(interaction, answered.text)
        await guard(interaction, work())


#: The members' controls, registered once at start-up so old messages keep working.
CONTROLS = (ContinueButton, ListPageButton, OpenBookmarkButton, ConfirmButton)
