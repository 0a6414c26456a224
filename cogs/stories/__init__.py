"""/stories: managing the library itself."""

from cogs.stories._cog import setup

__all__ = ["setup"]
