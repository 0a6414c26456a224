"""Pieces every story parser shares."""

from __future__ import annotations

import re

# A line that is nothing but a scene-break ornament: `* * *`, `***`, `~~~`, `---`, `⁂`,
# `# # #`, `o0o`, `~*~`, `-x-`, `+++`, `___`, `===`, `•••`.
_BREAK_LINE = re.compile(
    r"^\s*(?:(?:[*~\-_=+#•·⁂※§◇◆✦✧❖]\s*){3,}|⁂|[*~]\s*[*~]|o0o|0o0|xXx|-x-|~\*~)\s*$",
    re.IGNORECASE,
)


def is_break_line(text: str) -> bool:
    """Whether a paragraph's whole text is a scene-break ornament rather than prose."""
    return bool(_BREAK_LINE.match(text)) if len(text) <= 40 else False


def title_from_filename(stem: str) -> str:
    """A readable title from a file name: `the_long-road home` -> `The Long Road Home`."""
    words = re.sub(r"[_\-.]+", " ", stem).split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or stem
