"""Each server's settings: paging controls, reading-club mode, age gating, stats."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from bot.reading.gate import AgeThreshold, Gate
from bot.storage.progress import Paging
from bot.storage.sql import LruCache, Sql, columns, marks


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    paging: Paging = Paging.REACTIONS
    club_mode: bool = False
    age_threshold: AgeThreshold = AgeThreshold.MATURE
    stats_enabled: bool = True
    not_rated_open: bool = False  # Not Rated stories open in ordinary channels
    announce_channel_id: int | None = None  # where new chapters of its works are announced

    def __post_init__(self) -> None:
        object.__setattr__(self, "paging", Paging(self.paging))
        object.__setattr__(self, "age_threshold", AgeThreshold(self.age_threshold))

    @property
    def gate(self) -> Gate:
        """The server's age-gating rules."""
        return Gate(self.age_threshold, self.not_rated_open)

    @property
    def club(self) -> bool:
        """Reading-club mode, which only a server can have."""
        return self.club_mode and self.guild_id != 0


class Settings:
    """The `guild_settings` table; servers that changed nothing have no row."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        self._cache: LruCache[int, GuildSettings] = LruCache(5_000)

    async def get(self, guild_id: int | None) -> GuildSettings:
        """A server's settings; the defaults for DMs and servers that changed nothing."""
        if guild_id is None:
            return GuildSettings(0)
        if (cached := self._cache.get(guild_id)) is not None:
            return cached
        row = await self._sql.fetch_one(
            f"SELECT {columns(GuildSettings)} FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        if row:
            gid, paging, club, threshold, stats, not_rated_open, announce = row
            settings = GuildSettings(gid, paging, bool(club), threshold, bool(stats),
                                     bool(not_rated_open), announce)
        else:
            settings = GuildSettings(guild_id)
        self._cache[guild_id] = settings
        return settings

    async def update(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some of a server's settings; unknown names are a programming error."""
        allowed = {f.name for f in fields(GuildSettings)} - {"guild_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if changes:
            names = ", ".join(changes)
            updates = ", ".join(f"{name} = excluded.{name}" for name in changes)
            await self._sql.execute(
                f"INSERT INTO guild_settings (guild_id, {names}) VALUES (?, {marks(len(changes))}) "
                f"ON CONFLICT (guild_id) DO UPDATE SET {updates}",
                (guild_id, *(int(v) if isinstance(v, bool) else str(v) if isinstance(v, str)
                             else v for v in changes.values())),
            )
            self._cache.pop(guild_id, None)
        return await self.get(guild_id)
