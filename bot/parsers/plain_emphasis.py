"""Emphasis in plain text: `_italics_` and `*bold*` as plain-text writers mark them."""

from __future__ import annotations

import re

from bot.text.story import Run, Style

_MARKER = re.compile(r"[_*]")
_MARKER_STYLE = {"_": Style.ITALIC, "*": Style.BOLD}


def emphasis_runs(text: str) -> tuple[Run, ...]:
    """Runs of one paragraph of plain text, with `_italics_` and `*bold*` read as styles.

    A marker opens when it follows a space, the start or punctuation and comes before a
    non-space; it closes when it follows a non-space and comes before a space, the end or
    punctuation; an opener pairs with the next closer of its kind, and spans nest without
    crossing. A doubled marker (`__`, `**`), one inside a word (`snake_case`, `2*3*4`) and
    one left without a partner stay literal text, and the words between a pair are kept
    exactly.
    """
    if "_" not in text and "*" not in text:
        return (Run(text),)
    size = len(text)
    pending: dict[str, int] = {}
    pairs: list[tuple[int, int, Style]] = []
    for match in _MARKER.finditer(text):
        at = match.start()
        char = text[at]
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < size else " "
        if before == char or after == char:
            continue
        opens = not before.isalnum() and not after.isspace()
        closes = not after.isalnum() and not before.isspace()
        if closes and char in pending:
            start = pending.pop(char)
            # Spans nest and never cross: an opener of the other kind inside this span that
            # is still waiting can no longer close, and stays literal.
            for other, where in list(pending.items()):
                if where > start:
                    del pending[other]
            pairs.append((start, at, _MARKER_STYLE[char]))
        elif opens:
            pending[char] = at
    if not pairs:
        return (Run(text),)
    changes: dict[int, list[tuple[Style, int]]] = {}
    for start, end, style in pairs:
        changes.setdefault(start, []).append((style, 1))
        changes.setdefault(end, []).append((style, -1))
    runs: list[Run] = []
    depth = {Style.ITALIC: 0, Style.BOLD: 0}
    style = Style.NONE
    last = 0
    for at in sorted(changes):
        if at > last:
            runs.append(Run(text[last:at], style))
        for flag, step in changes[at]:
            depth[flag] += step
        style = Style.NONE
        for flag, count in depth.items():
            if count:
                style |= flag
        last = at + 1
    if last < size:
        runs.append(Run(text[last:], style))
    merged: list[Run] = []
    for run in runs:
        if merged and merged[-1].style == run.style:
            merged[-1] = Run(merged[-1].text + run.text, run.style)
        elif run.text:
            merged.append(run)
    return tuple(merged)
