"""Quotes: /quote, the /quotes schedules, and the loop that posts them."""

from cogs.quotes._cog import setup

__all__ = ["setup"]
