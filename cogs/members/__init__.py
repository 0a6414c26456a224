"""Members: the shelf (/progress), bookmarks, and deleting a member's data."""

from cogs.members._cog import setup

__all__ = ["setup"]
