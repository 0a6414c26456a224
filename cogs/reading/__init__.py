"""Reading: /read, /continue, and turning pages with reactions, buttons and forms."""

from cogs.reading._cog import setup

__all__ = ["setup"]
