"""Database methods for bookmarks, reading stats and deleting a member's data."""

from __future__ import annotations


class ShelfTables:
    """Mixed into `bot.database.Database`; uses its `_db` connection and `_fetch`."""
