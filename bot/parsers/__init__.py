"""Story parsers, one module per file format.

Every parser module has `parse(data: bytes, name: str) -> Story`; the plain-text parser also
takes the bytes of a `NAME.toml` sidecar. They raise `bot.story.StoryError` for a file that
cannot be loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from bot.story import Story

# File extension -> parser module.
FORMATS: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".epub": "epub",
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}


def parser_for(suffix: str) -> Callable[..., Story]:
    """The `parse` function for a file extension (with the dot, any case)."""
    module = import_module(f"bot.parsers.{FORMATS[suffix.lower()]}")
    return module.parse
