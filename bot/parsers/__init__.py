"""Story parsers, one module per file format.

Every parser module has `parse(data: bytes, name: str) -> Story`, `name` being the file's
name, and raises `bot.story.StoryError` for a file that cannot be loaded. `parse_story`
picks the parser by extension, reads the file under a budget (`bot.parsers.budget`) and
puts a `NAME.toml` sidecar's metadata over the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from importlib import import_module
from pathlib import PurePath
from typing import TYPE_CHECKING

from bot.text.story import Story

if TYPE_CHECKING:
    from bot.parsers.budget import Budget

#: The parsers' version: raise it when a change makes any file read differently, and the
#: story store parses every file again, once.
PARSER_VERSION = 1

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


def parser_for(suffix: str) -> Callable[[bytes, str], Story]:
    """The `parse` function for a file extension (with the dot, any case)."""
    module = import_module(f"bot.parsers.{FORMATS[suffix.lower()]}")
    return module.parse


def parse_story(
    data: bytes, name: str, sidecar: bytes | None = None, *, budget: Budget | None = None
) -> Story:
    """The story in a file's bytes, read by its extension, with `sidecar` (the bytes of the
    `NAME.toml` beside it, if any) winning over what the file says.

    The file is read under `budget` (by default a `Budget` with the default limits). Raises
    `StoryError` for a file that cannot be loaded and for a broken sidecar, and its subclass
    `OverBudget` for a file that costs more than the budget allows.
    """
    # Imported here: they import `FORMATS` from this package.
    from bot.parsers.budget import Budget, reading
    from bot.parsers.common import file_stem
    from bot.parsers.metadata_map import sidecar_fields, with_fields

    budget = budget if budget is not None else Budget()
    with reading(budget):
        story = parser_for(PurePath(name).suffix)(data, name)
    budget.check_story(story)
    if sidecar is None:
        return story
    warnings = list(story.warnings)
    fields = sidecar_fields(sidecar, where=f"{file_stem(name)}.toml", warnings=warnings)
    return dataclasses.replace(story, meta=with_fields(story.meta, fields),
                               warnings=tuple(warnings))
