"""The library in Discord: /library, /story and /search."""

from cogs.library._cog import setup

__all__ = ["setup"]
