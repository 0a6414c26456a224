"""A cache of opened stories bounded by the memory they take, not by how many there are.

One AO3 work may be a hundred times another, so a count of stories says nothing about
memory; each entry is weighed (`story_cost`) and the least recently used go once the total
passes the bound (`STORY_CACHE_MB`). A story bigger than the whole bound is still handed
back to whoever opened it, but never kept.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from bot.text.story import Story

K = TypeVar("K")
V = TypeVar("V")

#: What a block and a run cost beside their text: the objects, their slots, the tuple.
BLOCK_OVERHEAD = 64
RUN_OVERHEAD = 72


def story_cost(story: Story) -> int:
    """About how many bytes a parsed story holds: its strings as Python stores them (one,
    two or four bytes a character), and the objects around them."""
    total = 0
    for chapter in story.chapters:
        total += sys.getsizeof(chapter.title) + BLOCK_OVERHEAD
        for block in chapter.blocks:
            total += BLOCK_OVERHEAD
            text = block.unstyled
            if text is not None:
                total += sys.getsizeof(text)
            else:
                total += sum(sys.getsizeof(run.text) + RUN_OVERHEAD for run in block.runs)
    return total


class CostCache(Generic[K, V]):
    """Least-recently-used entries, the sum of whose costs stays within `limit` bytes."""

    def __init__(self, limit: int, cost: Callable[[V], int]) -> None:
        self.limit = limit
        self._cost = cost
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.total = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def peek(self, key: K) -> V | None:
        """The value kept for `key`, leaving its place in the order as it is."""
        found = self._entries.get(key)
        return found[0] if found else None

    def put(self, key: K, value: V) -> V:
        """Keep `value` if it fits, dropping the least recently used; return it either way."""
        self.discard(key)
        cost = self._cost(value)
        if cost > self.limit:
            return value
        while self.total + cost > self.limit:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.total -= dropped
        self._entries[key] = (value, cost)
        self.total += cost
        return value

    def discard(self, key: K) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self.total -= found[1]

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
