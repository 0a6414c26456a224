"""Whole numbers as members type them: the one way the bot reads a number from text.

`str.isdigit()` says yes to `²`, `①` and `5²`, which `int()` then refuses; a page number,
a bookmark id or a setting read that way fails with a traceback instead of an answer. Here a
number is an optional sign and decimal digits of any script (`42`, `٤٢`, `４２`), with
space around it, and never more digits than a 64-bit database column holds.
"""

from __future__ import annotations

#: Eighteen digits always fit a signed 64-bit integer (SQLite's and PostgreSQL's bigint).
MAX_DIGITS = 18
_SIGNS = {"-": -1, "−": -1, "+": 1}


def whole_number(text: str, *, signed: bool = True, max_digits: int = MAX_DIGITS) -> int | None:
    """The number `text` spells, or None when it spells something else.

    >>> whole_number(" 12 "), whole_number("-3"), whole_number("²"), whole_number("--5")
    (12, -3, None, None)
    """
    text = text.strip()
    sign = _SIGNS.get(text[:1])
    if sign is not None:
        if not signed:
            return None
        text = text[1:]
    if not text or len(text) > max_digits or not text.isdecimal():
        return None
    return (sign or 1) * int(text)
