"""Clean-up of decoded text: the control characters and stray byte-order marks `clean` drops,
text so full of control characters that it is binary data (`is_binary`), what a line
loses at its edges (`LINE_EDGE`), and a fast test of UTF-8 bytes for what `clean` would
drop (`needs_cleaning`), so parsers can parse clean bytes directly.
"""

from __future__ import annotations

import re

#: What a line loses at both ends: spaces and tabs, not a no-break space, which is the
#: author's.
LINE_EDGE = " \t\f\v"

# C0 controls other than tab, newline and carriage return, plus DEL and C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A byte-order mark inside the text is an editing accident. Zero-width spaces, joiners and
# bidirectional marks stay: scripts such as Thai, Arabic and emoji sequences need them.
_INVISIBLE = re.compile("\ufeff")

# What `needs_cleaning` looks for in UTF-8 bytes: C0 controls other than tab, newline and
# carriage return, DEL, C1 controls, and references to C0 controls, which parsing turns into
# the characters.
_C0 = bytes([*range(9), 11, 12, *range(14, 32), 127])
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_CONTROL_REF = rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|x0*(?:[0-8bcef]|1[0-9a-f]));"
_CONTROL_REF_BYTES = re.compile(_CONTROL_REF, re.I)
_CONTROL_REF_TEXT = re.compile(_CONTROL_REF.decode(), re.I)


def clean(text: str) -> str:
    """Drop control characters and stray byte-order marks; line separators become newlines."""
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _INVISIBLE.sub("", _CONTROL.sub("", text))


def is_binary(text: str) -> bool:
    """Whether decoded text holds more control characters than any real text would."""
    sample = text[:65_536]
    return len(_CONTROL.findall(sample)) * 50 > len(sample)


def needs_cleaning(data: bytes) -> bool:
    """Whether UTF-8 `data` holds control characters, which `clean` would remove.

    Much faster than cleaning the decoded text, so parsers can parse clean bytes directly.
    """
    return (
        len(data.translate(None, _C0)) != len(data)
        or _C1.search(data) is not None
        or (b"&#" in data and _CONTROL_REF_BYTES.search(data) is not None)
    )


def clean_references(text: str) -> str:
    """Drop character references to control characters, which parsing would turn into them."""
    return _CONTROL_REF_TEXT.sub("", text) if "&#" in text else text
