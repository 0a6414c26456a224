"""Finding the story a member means: by id or exact title, with suggestions when none.

Used by every command that takes a story option, so they all answer a typo the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.library.catalogue import Library, find_stories
from bot.reading.gate import Gate, is_gated
from bot.text.formatting import clip, inline
from bot.text.story import Story

#: What a story id looks like in a custom id (ids are `a-z0-9-`, at most 48 characters,
#: plus a format suffix when two files share a name).
STORY_ID_PATTERN = r"[a-z0-9-]{1,60}"
GATED_MARK = "🔞"


@dataclass(frozen=True, slots=True)
class NotFound:
    """No story answers to the text; `text` says so and what is close."""

    text: str


def resolve(library: Library, text: str) -> Story | NotFound:
    """The story an option names (id, or an exact title when only one has it), of those the
    library lists: a story reachable by id only (another server's, from a DM) is never
    named, only reopened from a place a member already has in it."""
    key = text.strip()
    listed = next((k for k in (key, key.lower()) if library.listed(k)), None)
    story = library.get(listed) if listed is not None else None
    if story is None:
        matches = [s for s in library if s.title.casefold() == key.casefold()]
        story = matches[0] if len(matches) == 1 else None
    if story is not None:
        return story
    close = library.suggest(key) or [s.id for s in find_stories(library, key, 3)]
    hint = f" Did you mean {', '.join(f'`{sid}`' for sid in close)}?" if close else ""
    return NotFound(f"There is no story called “{inline(key, 160)}”.{hint} "
                    "`/library` lists them all.")


def story_choices(library: Library, current: str, gate: Gate | None = None,
                  limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete: (label, id) for stories matching title, author or fandom; 🔞 marks
    stories the server gates."""
    choices = []
    for story in find_stories(library, current, limit):
        mark = f" {GATED_MARK}" if is_gated(story.meta.rating, gate or Gate()) else ""
        by = f" — {story.meta.author}" if story.meta.author else ""
        choices.append((clip(f"{story.title}{by}{mark}", 100), story.id))
    return choices
