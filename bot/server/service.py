"""A server's own things, decided without Discord: its settings and its reading stats."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.reading.service import Refused
from bot.server.settings import describe_settings, settings_changes
from bot.server.stats import stats_text

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SettingsShown:
    """A server's settings after a `/settings` call, and what that call changed."""

    text: str
    lines: list[tuple[str, str]]
    changed: list[str]


class ServerService:
    """Settings and stats, as a server sees them."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def settings(self, guild_id: int, *, paging: str | None = None,
                       club_mode: bool | None = None, age_threshold: str | None = None,
                       stats_enabled: bool | None = None,
                       not_rated_open: bool | None = None) -> SettingsShown:
        """Change the settings given (none: only show them); ValueError for a bad value."""
        changes = settings_changes(paging=paging, club_mode=club_mode,
                                   age_threshold=age_threshold, stats_enabled=stats_enabled,
                                   not_rated_open=not_rated_open)
        current = await self._services.database.settings.update(guild_id, **changes)
        if changes:
            log.info("Settings of guild %s changed: %s", guild_id, sorted(changes))
        text = ("Changed; new readings use these at once." if changes else
                "Change any of these with the command's options.")
        return SettingsShown(text, describe_settings(current), sorted(changes))

    async def stats(self, guild_id: int | None) -> list[tuple[str, str]] | Refused:
        """`/stats`: (heading, body) sections, or why there are none to show here."""
        if guild_id is None:
            return Refused("Stats are per server; run `/stats` in a server.")
        database = self._services.database
        if not (await database.settings.get(guild_id)).stats_enabled:
            return Refused("Stats are turned off on this server.")
        stats = await database.stats.guild(guild_id)
        library = self._services.library_for(guild_id)
        titles = {}
        for story in stats.stories:
            found = library.get(story.story_id)
            titles[story.story_id] = found.title if found else story.story_id
        return stats_text(stats, titles)
