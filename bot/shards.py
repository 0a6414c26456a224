"""Which servers belong to this process, when the bot runs as several.

Discord splits a bot's servers among its shards by a fixed rule: server `g` belongs to
shard `(g >> 22) % shard_count`, and DMs to shard 0. Each process connects some shards
(`SHARD_COUNT`, `SHARD_IDS`) and hears only their servers' events, so the work the bot does
by itself for a server (a scheduled quote, a check of its AO3 works) is done by the process
holding that server's shard: with every process sharing one database, each such run then
happens exactly once. `Shards.where` says the same in SQL, so a process reads only its own
servers' due rows.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A snowflake's lower 22 bits are worker, process and sequence numbers; the rest is its
#: timestamp, which is what Discord's shard rule divides.
SNOWFLAKE_SHIFT = 22


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """The shard that hears a server's events (Discord's formula); DMs are shard 0's."""
    if guild_id is None:
        return 0
    return (guild_id >> SNOWFLAKE_SHIFT) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """How many shards the bot has and which of them this process runs.

    `ids` None means every shard. A process that runs every shard owns every server
    whatever the count, which is why Discord's recommended count, known only once
    connected, is never needed here.
    """

    count: int = 1
    ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a bot has at least one shard, not {self.count}")
        if self.ids is not None:
            ids = tuple(sorted(set(self.ids)))
            if not ids or not all(0 <= shard < self.count for shard in ids):
                raise ValueError(f"shard ids must be from 0 to {self.count - 1}, "
                                 f"got {self.ids!r}")
            object.__setattr__(self, "ids", ids)

    @classmethod
    def of(cls, count: int | None, ids: tuple[int, ...] | None) -> Shards:
        """This process's shards from `SHARD_COUNT` and `SHARD_IDS` (None: not set)."""
        if ids is None:
            return cls(count or 1)
        if count is None:
            raise ValueError("shard ids need a shard count")
        return cls(count, ids)

    @property
    def everything(self) -> bool:
        """Whether this process runs every shard, so owns every server."""
        return self.ids is None or len(self.ids) == self.count

    def owns(self, guild_id: int | None) -> bool:
        """Whether a server's (or, for None, the DMs') work is this process's to do."""
        return self.everything or shard_of(guild_id, self.count) in (self.ids or ())

    def where(self, column: str) -> tuple[str, tuple[int, ...]]:
        """An SQL condition on a guild id column that holds for this process's servers,
        with its parameters, for `?` placeholders. The same SQL runs on SQLite and
        PostgreSQL: both shift and divide 64-bit integers. Always true when this process
        runs every shard."""
        if self.everything:
            return "1 = 1", ()
        ids = self.ids or ()
        marks = ", ".join("?" for _ in ids)
        return (f"(({column} >> {SNOWFLAKE_SHIFT}) % ?) IN ({marks})", (self.count, *ids))

    def describe(self, count: int | None = None) -> str:
        """For the start-up log: `shards 0, 2 of 4`, or `all 4 shards` (`count` is the
        number Discord recommended, when this process was given none)."""
        total = self.count if count is None else count
        if self.ids is None or len(self.ids) == total:
            return "the one shard" if total == 1 else f"all {total} shards"
        listed = ", ".join(str(shard) for shard in self.ids)
        return f"shard{'s' if len(self.ids) > 1 else ''} {listed} of {total}"


#: A process that runs every shard: one bot process, the default.
EVERY_SHARD = Shards()
