"""Small text helpers every answer uses: clipping, counting, times, bars, list pages.

One of each, so a story title is cut the same way in a footer, a card and a shelf row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.text.markup import escape

BAR_SEGMENTS = 7


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def inline(text: str, limit: int) -> str:
    """Text from a story file or a member, for any place Discord renders markdown.

    On one line, escaped (`bot.text.markup.escape`, as if it began a line, so it is safe
    wherever it is put) and at most `limit` characters once escaped: a cut falls between
    characters of the text, never inside an escape, and ends with an ellipsis.
    Plain-text places (footers, author lines, buttons, menus, choices) use `clip` instead.
    """
    text = " ".join(text.split())
    shown = escape(text)
    if len(shown) <= limit:
        return shown
    # Escaping only adds characters, so the longest prefix that fits is found by halving.
    lo, hi = 0, min(len(text), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(escape(text[:mid].rstrip())) < limit:
            lo = mid
        else:
            hi = mid - 1
    return escape(text[:lo].rstrip()) + "…"


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 story`, `3 stories`: the count with the word that fits it."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def number(value: int) -> str:
    """`12,345`: thousands separated, as people read them."""
    return f"{value:,}"


def relative_time(then: float, now: float) -> str:
    """`just now`, `5 minutes ago`, `yesterday`, `3 weeks ago`… for a past timestamp."""
    seconds = max(now - then, 0.0)
    if seconds < 60:
        return "just now"
    steps = (
        (3600, 60, "minute"),
        (86400, 3600, "hour"),
        (7 * 86400, 86400, "day"),
        (30 * 86400, 7 * 86400, "week"),
        (365 * 86400, 30 * 86400, "month"),
    )
    for below, unit, name in steps:
        if seconds < below:
            count = int(seconds // unit)
            if name == "day" and count == 1:
                return "yesterday"
            return f"{plural(count, name)} ago"
    return f"{plural(int(seconds // (365 * 86400)), 'year')} ago"


def fraction(position: int, length: int) -> float:
    """How far `position` (a plain offset) is through a text of `length` characters, 0-1."""
    if length <= 0:
        return 1.0
    return min(max(position / length, 0.0), 1.0)


def bar(share: float, segments: int = BAR_SEGMENTS) -> str:
    """A bar such as `▰▰▰▱▱▱▱`; full only at the very end, empty only at the very start."""
    filled = round(share * segments)
    if share < 1.0:
        filled = min(filled, segments - 1)
    if share > 0.0:
        filled = max(filled, 1)
    return "▰" * filled + "▱" * (segments - filled)


def page_count(items: int, size: int) -> int:
    """How many pages `items` rows fill; an empty list still has one (empty) page."""
    return max(math.ceil(items / size), 1)


def clamp_page(page: int, items: int, size: int) -> int:
    """A 1-based page number brought inside a list of `items` rows."""
    return min(max(page, 1), page_count(items, size))


def page_offset(page: int, size: int) -> int:
    """The row offset of 1-based `page`."""
    return (max(page, 1) - 1) * size


def clip_lines(lines: Sequence[str], limit: int = 1900) -> str:
    """Whole lines joined within `limit` characters, ending with a count of what did not fit."""
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return whole
    reserve = len(f"\n…and {len(lines)} more.")
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + (1 if out else 0) + reserve > limit:
            break
        size += len(line) + (1 if out else 0)
        out.append(line)
    out.append(f"…and {len(lines) - len(out)} more.")
    return "\n".join(out)


# ASCII a URL never holds unencoded (RFC 3986). Shown as a card's source, a link ends at
# the first `<`, and what follows would render: `<@123>` a mention badge.
_NOT_IN_URLS = frozenset('<>"\\^`{|}')


def is_link(url: str) -> bool:
    """Whether `url` is a web link a message can carry: http(s), 2000 characters at most,
    no spaces or control characters, and no ASCII character a URL must encode."""
    return (url.startswith(("https://", "http://")) and len(url) <= 2000
            and all(char.isprintable() and not char.isspace() and char not in _NOT_IN_URLS
                    for char in url))
