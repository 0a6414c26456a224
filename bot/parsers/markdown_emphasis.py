"""CommonMark's emphasis rules: whether a run of `*`, `_` or `~` may open or close emphasis,
judged by the characters on either side of it, and which openers pair with which closers.
"""

from __future__ import annotations

import functools
import unicodedata

from bot.text.story import Style

# CommonMark's ASCII punctuation: what a backslash escapes, and punctuation to the flanking
# rules.
ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ITALIC_BIT, _BOLD_BIT, _STRIKE_BIT = int(Style.ITALIC), int(Style.BOLD), int(Style.STRIKE)

# CommonMark's flanking rules look at the characters on either side of a delimiter run, as
# one of three classes: whitespace, punctuation, anything else.
_SPACE_CLASS, _PUNCT_CLASS, _OTHER_CLASS = 0, 1, 2
ASCII_CLASSES = [
    _SPACE_CLASS
    if chr(code) in " \t\n\r\f\v"
    else _PUNCT_CLASS
    if chr(code) in ESCAPABLE
    else _OTHER_CLASS
    for code in range(128)
]
_OPENS, _CLOSES = 1, 2


@functools.lru_cache(maxsize=4096)
def wide_class(char: str) -> int:
    """The flanking class of a character outside ASCII (`ASCII_CLASSES` holds the rest)."""
    if char.isspace():
        return _SPACE_CLASS
    return _PUNCT_CLASS if unicodedata.category(char)[0] in "PS" else _OTHER_CLASS


def _flanking(before: int, after: int, underscore: bool) -> int:
    """Whether a run between characters of these classes can open and close emphasis."""
    left = after != _SPACE_CLASS and (after != _PUNCT_CLASS or before != _OTHER_CLASS)
    right = before != _SPACE_CLASS and (before != _PUNCT_CLASS or after != _OTHER_CLASS)
    if underscore:
        # `snake_case_name` stays literal: `_` inside a word neither opens nor closes.
        can_open = left and (not right or before == _PUNCT_CLASS)
        can_close = right and (not left or after == _PUNCT_CLASS)
    else:
        can_open, can_close = left, right
    return (_OPENS if can_open else 0) | (_CLOSES if can_close else 0)


# Whether a run may open (1) and close (2), by the classes of the characters around it,
# indexed by `before * 3 + after`.
FLANK = [_flanking(b, a, False) for b in range(3) for a in range(3)]
FLANK_UNDERSCORE = [_flanking(b, a, True) for b in range(3) for a in range(3)]


def match_emphasis(
    chars: list[str], lengths: list[int], flags: list[int]
) -> tuple[list[tuple[int, int, int]], list[int]]:
    """Pair openers with closers (CommonMark's "process emphasis").

    Returns the pairs as `(opener, closer, style)` indexes into the delimiter lists, and how
    many characters of each delimiter run are left over as literal text. The delimiter stack
    is a linked list and the search for an opener never goes below the point where an
    earlier search for the same kind of closer failed, which keeps the whole pass linear.
    """
    n = len(chars)
    counts = list(lengths)
    prev = list(range(-1, n - 1))
    nxt = list(range(1, n + 1))

    def unlink(k: int) -> None:
        if prev[k] >= 0:
            nxt[prev[k]] = nxt[k]
        if nxt[k] < n:
            prev[nxt[k]] = prev[k]

    spans: list[tuple[int, int, int]] = []
    bottoms: dict[tuple[str, int, int], int] = {}
    i = 0
    while i < n:
        closer_flags = flags[i]
        if not closer_flags & _CLOSES:
            i = nxt[i]
            continue
        char, length = chars[i], lengths[i]
        key = (char, closer_flags & _OPENS, length % 3)
        bottom = bottoms.get(key, -1)
        j = prev[i]
        while j > bottom:
            if chars[j] == char and flags[j] & _OPENS:
                # The rule of three: `*foo**bar*` must not pair the `*` with the `**`.
                odd = (
                    char != "~"
                    and (flags[j] & _CLOSES or closer_flags & _OPENS)
                    and (lengths[j] + length) % 3 == 0
                    and not (lengths[j] % 3 == 0 and length % 3 == 0)
                )
                if not odd:
                    break
            j = prev[j]
        if j <= bottom:
            bottoms[key] = prev[i]
            following = nxt[i]
            if not closer_flags & _OPENS:
                unlink(i)
            i = following
            continue
        if char == "~":
            used, style = 2, _STRIKE_BIT
        elif counts[j] >= 2 and counts[i] >= 2:
            used, style = 2, _BOLD_BIT
        else:
            used, style = 1, _ITALIC_BIT
        spans.append((j, i, style))
        k = nxt[j]
        while k != i:  # delimiters inside the span can no longer match anything outside it
            unlink(k)
            k = nxt[k]
        counts[j] -= used
        counts[i] -= used
        if counts[j] == 0:
            unlink(j)
        if counts[i] == 0:
            following = nxt[i]
            unlink(i)
            i = following
    return spans, counts
