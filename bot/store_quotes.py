"""Database methods for quote schedules and the quotes a server has seen."""

from __future__ import annotations


class QuoteTables:
    """Mixed into `bot.database.Database`; uses its `_db` connection and `_fetch`."""
