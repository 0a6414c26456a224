"""Turning story file bytes into text, with a clear refusal for what is not text.

Most story files are UTF-8, but not all: a Project Gutenberg book may be Latin-1, a Japanese
story Shift_JIS, a Russian one Windows-1251 or KOI8-R. `decode_any` reads them all. UTF-8
and UTF-16/32 with a byte-order mark are taken as they are; UTF-8 with a few stray bytes
keeps its UTF-8. Only other bytes go to the detector (`bot.text.detection`).

`decode` is the strict form (UTF-8 or a byte-order mark only) for formats that must be
Unicode, such as TOML.
"""

from __future__ import annotations

import codecs
import logging
import re

from bot.text.cleaning import is_binary
from bot.text.detection import detected
from bot.text.encodings import Decoded, high_bytes, read_as
from bot.text.story import StoryError

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> str:
    """Decode story bytes that must be Unicode: UTF-8, or UTF-16/32 with a byte-order mark.

    Raises `StoryError` for binary data and for text in another encoding, naming the first
    offending byte so the admin can find it. Line endings become `\\n`. Story text in any
    encoding is read by `decode_any`.
    """
    _refuse_empty(data)
    bom = _with_bom(data)
    if bom is not None:
        return _finish(bom.text)
    if b"\x00" in data[:8192]:
        raise StoryError("binary data, not a text file")
    try:
        return _finish(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise StoryError(
            f"not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); "
            "re-save the file as UTF-8"
        ) from None


def decode_any(data: bytes) -> Decoded:
    """Decode story bytes in whatever encoding they are in, and say which it was.

    UTF-8 and UTF-16/32 with a byte-order mark are read as such; UTF-16 without one is
    recognised by its zero bytes; UTF-8 with a few stray bytes keeps its UTF-8 and reads the
    stray bytes as Windows-1252; anything else is detected (see `bot.text.detection`).
    Raises `StoryError` for empty files and for data that is not text in any encoding.
    Line endings become `\\n`.
    """
    _refuse_empty(data)
    decoded = _unicode(data)
    if decoded is None:
        decoded = _mostly_utf8(data) or detected(data)
        log.debug("decoded as %s (%d stray bytes)", decoded.name, decoded.stray)
    return decoded._replace(text=_finish(decoded.text))


# --------------------------------------------------------------------------------------------
# Unicode
# --------------------------------------------------------------------------------------------


def _refuse_empty(data: bytes) -> None:
    if not data.strip():
        raise StoryError("the file is empty")


def _finish(text: str) -> str:
    if "\x00" in text:
        raise StoryError("binary data, not a text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise StoryError("the file has no text")
    return text


def _with_bom(data: bytes) -> Decoded | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise StoryError(f"broken {encoding.upper()} text at byte {exc.start}") from None
    return None


def _unicode(data: bytes) -> Decoded | None:
    """The text when the bytes are certainly Unicode: a byte-order mark, or valid UTF-8."""
    decoded = _with_bom(data)
    if decoded is not None:
        return decoded
    if b"\x00" in data[:8192]:
        return _utf16_without_bom(data)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(data: bytes) -> Decoded:
    """UTF-16 text saved without a byte-order mark, told by where its zero bytes fall.

    Text in a Latin or Cyrillic script has a zero in every other byte, always on the same
    side of each pair; binary data has zeros anywhere.
    """
    sample = data[: 8192 - 8192 % 2]
    pairs = len(sample) // 2
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    for zeros, others, encoding in (
        (zeros_odd, zeros_even, "utf-16-le"),
        (zeros_even, zeros_odd, "utf-16-be"),
    ):
        if pairs and zeros * 3 >= pairs and others == 0 and len(data) % 2 == 0:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            if not is_binary(text):
                return Decoded(text, encoding)
            break
    raise StoryError("binary data, not a text file")


_STRAY = re.compile("[\udc80-\udcff]")


def _mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few bytes that are not: a file pieced together from several sources.

    Reading the whole file in another encoding would garble every UTF-8 character in it, so
    when its valid UTF-8 characters far outnumber the bad bytes, each bad byte is read alone
    as Windows-1252.
    """
    # A file in another encoding shows itself in its first pages, and is let go without
    # decoding the whole of it.
    head = _utf8_counts(data[:65_536])
    if head[1] >= 8 and head[0] < 4 * head[1]:
        return None
    text = data.decode("utf-8", "surrogateescape")
    valid, stray = _utf8_counts(data, text)
    if valid < 4 * stray:
        return None
    return Decoded(_STRAY.sub(_stray_byte, text), "utf-8", stray)


def _utf8_counts(data: bytes, text: str | None = None) -> tuple[int, int]:
    """How many valid UTF-8 sequences of two bytes or more, and how many bad bytes."""
    if text is None:
        text = data.decode("utf-8", "surrogateescape")
    stray = len(_STRAY.findall(text))
    # Bytes below 0x80 are ASCII characters one for one, so the other characters are the
    # valid sequences and the stray bytes.
    return len(text) - (len(data) - high_bytes(data)) - stray, stray


def _stray_byte(match: re.Match[str]) -> str:
    byte = ord(match.group()) - 0xDC00
    # The five bytes Windows-1252 leaves undefined become control characters, which
    # `clean` drops.
    return read_as(bytes([byte]), "cp1252") or chr(byte)
