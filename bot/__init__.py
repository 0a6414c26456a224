"""storybot: a Discord bot that turns a server into a reading room."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.config import Config

if TYPE_CHECKING:
    from bot.app import create_bot

__all__ = ["Config", "create_bot"]


def __getattr__(name: str) -> Any:
    # The command-line tools never need discord.py; import it only when the bot is built.
    if name == "create_bot":
        from bot.app import create_bot

        return create_bot
    raise AttributeError(name)
