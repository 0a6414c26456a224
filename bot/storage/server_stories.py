"""Stories servers added from Discord: which server has each, and the upload it came from.

The parsed story is kept by the story store (`StoryStore.keep`) under its content hash,
as a folder file's is; a server story's row and its story commit together.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.shards import EVERY_SHARD, Shards
from bot.storage.sql import Sql, columns, marks
from bot.storage.stories import KeptStory, StoredCard, StoryStore


@dataclass(frozen=True, slots=True)
class ServerStory:
    """A story one server added: visible there only."""

    story_id: str  # unique across the bot
    guild_id: int
    file_name: str  # as uploaded
    content_hash: str
    parser_version: int
    rating: str | None  # the rating given when it was added; None: what the file says
    warnings: str  # caveats from reading it, one per line
    added_by: int
    added_at: float
    updated_at: float
    work_id: int | None = None  # the AO3 work, for a story added by link
    chapters_posted: int | None = None  # as AO3 said at the last fetch
    complete: bool = False  # a complete work is no longer checked for chapters
    checked_at: float | None = None
    gone: bool = False  # deleted on AO3 since: the last copy is kept
    announced_chapters: int | None = None  # chapters last announced (claimed before posting)

    def __post_init__(self) -> None:
        object.__setattr__(self, "complete", bool(self.complete))
        object.__setattr__(self, "gone", bool(self.gone))

    @property
    def caveats(self) -> list[str]:
        return self.warnings.splitlines()


@dataclass(frozen=True, slots=True)
class ServerCatalogueRow:
    """A server story with what the catalogue needs of it, as far as the store keeps it."""

    story: ServerStory
    card: StoredCard | None  # None when its story is not kept for this parser version
    pages: bytes | None  # page starts for the page size asked for


class ServerStories:
    """The `server_stories` table."""

    def __init__(self, sql: Sql, store: StoryStore) -> None:
        self._sql = sql
        self._store = store

    async def catalogue(self, parser_version: int, page_chars: int,
                        guild_id: int | None = None) -> list[ServerCatalogueRow]:
        """Every server's stories (or one server's, given `guild_id`), oldest first, with
        their cards and page starts as kept for this parser version and page size."""
        one = "WHERE s.guild_id = ? " if guild_id is not None else ""
        rows = await self._sql.fetch(
            f"SELECT {columns(ServerStory, 's.')}, c.card, c.words, c.minutes, c.length, "
            "c.quotes, p.starts FROM server_stories s "
            "LEFT JOIN story_cards c ON c.content_hash = s.content_hash "
            "AND c.parser_version = ? AND s.parser_version = ? "
            "AND EXISTS (SELECT 1 FROM story_bodies b WHERE b.content_hash = s.content_hash "
            "AND b.parser_version = c.parser_version) "
            "LEFT JOIN story_pages p ON p.content_hash = s.content_hash "
            "AND p.parser_version = c.parser_version AND p.page_chars = ? "
            f"{one}ORDER BY s.added_at, s.story_id",
            (parser_version, parser_version, page_chars,
             *((guild_id,) if guild_id is not None else ())),
        )
        width = len(fields(ServerStory))
        found = []
        for row in rows:
            card, *measures, starts = row[width:]
            found.append(ServerCatalogueRow(
                ServerStory(*row[:width]),
                StoredCard(bytes(card), *measures) if card is not None else None,
                bytes(starts) if starts is not None else None))
        return found

    async def save(self, story: ServerStory, source: bytes, kept: KeptStory) -> bool:
        """Add a server story, or replace one of that server's with the same id, with its
        parsed story; False (and nothing written) when the id is another server's."""
        async with self._sql.transaction():
            names = [f.name for f in fields(ServerStory)]
            kept_first = {"story_id", "guild_id", "added_by", "added_at"}
            written = await self._sql.changed(
                f"INSERT INTO server_stories ({', '.join(names)}, source) "
                f"VALUES ({marks(len(names) + 1)}) ON CONFLICT (story_id) DO UPDATE SET "
                + ", ".join(f"{name} = excluded.{name}"
                            for name in [*names, "source"] if name not in kept_first)
                + " WHERE server_stories.guild_id = excluded.guild_id",
                (*(_value(getattr(story, name)) for name in names), source),
            )
            if written:
                await self._store.keep(story.content_hash, story.parser_version, kept)
        return written > 0

    async def checked(self, story_id: str, *, at: float, chapters_posted: int | None = None,
                      complete: bool | None = None, gone: bool | None = None) -> None:
        """A linked work was checked on AO3 and found unchanged (or gone)."""
        changes = {"checked_at": at, "chapters_posted": chapters_posted,
                   "complete": complete, "gone": gone}
        given = {name: _value(value) for name, value in changes.items() if value is not None}
        await self._sql.execute(
            f"UPDATE server_stories SET {', '.join(f'{name} = ?' for name in given)} "
            "WHERE story_id = ?", (*given.values(), story_id))

    async def due_checks(self, fetched_before: float,
                         shards: Shards = EVERY_SHARD) -> list[str]:
        """Linked works of the servers on `shards`, in progress, not gone, last fetched at
        `fetched_before` or earlier, that someone has read or follows: the longest
        unchecked first."""
        mine, shard_params = shards.where("s.guild_id")
        rows = await self._sql.fetch(
            f"SELECT s.story_id FROM server_stories s WHERE {_CHECKED} "
            f"AND s.checked_at <= ? AND {mine} ORDER BY s.checked_at, s.story_id",
            (fetched_before, *shard_params))
        return [story_id for (story_id,) in rows]

    async def claim_check(self, story_id: str, fetched_before: float, now: float) -> bool:
        """Claim a due check of a linked work by marking it checked `now`: True for the one
        caller that marked it, which alone asks AO3. A check another pass or process made
        since `fetched_before` leaves it to them."""
        return await self._sql.changed(
            "UPDATE server_stories SET checked_at = ? WHERE story_id = ? "
            "AND checked_at <= ?", (now, story_id, fetched_before)) > 0

    async def oldest_check(self, shards: Shards = EVERY_SHARD) -> float | None:
        """When the linked work in progress checked longest ago, of the servers on `shards`
        and of those someone has read or follows, was last fetched; None when there is
        none."""
        mine, shard_params = shards.where("s.guild_id")
        row = await self._sql.fetch_one(
            f"SELECT MIN(s.checked_at) FROM server_stories s WHERE {_CHECKED} AND {mine}",
            shard_params)
        return row[0] if row else None

    async def any_in_progress(self, shards: Shards = EVERY_SHARD) -> bool:
        """Whether any server on `shards` follows an AO3 work that is still in progress."""
        mine, shard_params = shards.where("guild_id")
        row = await self._sql.fetch_one(
            "SELECT 1 FROM server_stories WHERE work_id IS NOT NULL AND complete = 0 "
            f"AND gone = 0 AND {mine} LIMIT 1", shard_params)
        return row is not None

    async def claim_announcement(self, story_id: str, announced: int, chapters: int) -> bool:
        """Claim the announcement of chapters after `announced` up to `chapters`: True for
        the one caller that moves the count on, so a chapter is announced once."""
        return await self._sql.changed(
            "UPDATE server_stories SET announced_chapters = ? WHERE story_id = ? "
            "AND announced_chapters = ?", (chapters, story_id, announced)) > 0

    async def ids(self) -> set[str]:
        """Every server story's id."""
        return {sid for (sid,) in await self._sql.fetch("SELECT story_id FROM server_stories")}

    async def source(self, story_id: str) -> bytes | None:
        """The file a server story was read from, as uploaded."""
        row = await self._sql.fetch_one("SELECT source FROM server_stories WHERE story_id = ?",
                                        (story_id,))
        return bytes(row[0]) if row else None

    async def remove(self, guild_id: int, story_id: str) -> bool:
        """Take a story out of its server; False when that server has no such story.
        Members' progress in it is kept."""
        return await self._sql.changed(
            "DELETE FROM server_stories WHERE guild_id = ? AND story_id = ?",
            (guild_id, story_id)) > 0


#: The linked works the scheduled checks look at: in progress, not gone, read or followed.
_CHECKED = ("s.work_id IS NOT NULL AND s.complete = 0 AND s.gone = 0 "
            "AND (EXISTS (SELECT 1 FROM progress p WHERE p.story_id = s.story_id) "
            "OR EXISTS (SELECT 1 FROM follows f WHERE f.story_id = s.story_id))")


def _value(value: object) -> object:
    return int(value) if isinstance(value, bool) else value
