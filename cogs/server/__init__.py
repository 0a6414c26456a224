"""Server: reading stats (/stats) and the server's settings (/settings)."""

from cogs.server._cog import setup

__all__ = ["setup"]
