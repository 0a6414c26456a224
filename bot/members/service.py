"""A member's own things, decided without Discord: bookmarks, their shelf, forgetting them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.reading.pages import page_anchor
from bot.reading.service import GONE
from bot.text.formatting import inline

if TYPE_CHECKING:
    from bot.services import Services


class MemberService:
    """Bookmarks and progress, as a member sees them."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def _page(self, story_id: str, position: int) -> tuple[int, str] | None:
        """(page number, anchor) of a place in a story; None when it left the library."""
        library = self._services.library
        if story_id not in library:
            return None
        paged = library.paged(story_id, self._services.page_chars)
        page = paged.page_at(position)
        return page.number, page_anchor(paged, page)

    async def bookmark_at(self, user_id: int, story_id: str, position: int) -> str:
        """The 🔖 button: bookmark the page holding `position`; what to tell the member."""
        found = self._page(story_id, position)
        if found is None:
            return GONE
        number, anchor = found
        await self._services.database.bookmarks.add(user_id, story_id, position, anchor)
        story = self._services.library.get(story_id)
        title = inline(story.title if story else story_id, 100)
        return f"🔖 Bookmarked page {number} of **{title}**. `/bookmark list` takes you back."
