"""Turning story file bytes into text, with a clear refusal for what is not text."""

from __future__ import annotations

import codecs
import re

from bot.story import StoryError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, newline and carriage return, plus DEL and C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A byte-order mark inside the text is an editing accident. Zero-width spaces, joiners and
# bidirectional marks stay: scripts such as Thai, Arabic and emoji sequences need them.
_INVISIBLE = re.compile("\ufeff")


def decode(data: bytes) -> str:
    """Decode story bytes: UTF-8, or UTF-16/32 with a byte-order mark.

    Raises `StoryError` for binary data and for text in another encoding, naming the first
    offending byte so the admin can find it. Line endings become `\\n`.
    """
    if not data.strip():
        raise StoryError("the file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise StoryError(f"broken {encoding.upper()} text at byte {exc.start}") from None
            break
    else:
        if b"\x00" in data[:8192]:
            raise StoryError("binary data, not a text file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = data[exc.start]
            raise StoryError(
                f"not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); "
                "re-save the file as UTF-8"
            ) from None
    if "\x00" in text:
        raise StoryError("binary data, not a text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise StoryError("the file has no text")
    return text


def clean(text: str) -> str:
    """Drop control characters and stray byte-order marks; line separators become newlines."""
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _INVISIBLE.sub("", _CONTROL.sub("", text))
