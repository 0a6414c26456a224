"""Encodings by the names people know them by, and text decoded from bytes in one of them."""

from __future__ import annotations

import codecs
from typing import NamedTuple

# Names people know encodings by, for messages; anything else is shown as Python names it.
_NAMES = {
    "utf_8": "UTF-8",
    "utf_16_le": "UTF-16LE",
    "utf_16_be": "UTF-16BE",
    "utf_32_le": "UTF-32LE",
    "utf_32_be": "UTF-32BE",
    "ascii": "ASCII",
    "cp1252": "Windows-1252",
    "latin_1": "ISO-8859-1",
    "iso8859_15": "ISO-8859-15",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "cp1253": "Windows-1253",
    "cp1254": "Windows-1254",
    "cp1255": "Windows-1255",
    "cp1256": "Windows-1256",
    "cp1257": "Windows-1257",
    "cp1258": "Windows-1258",
    "koi8_r": "KOI8-R",
    "koi8_u": "KOI8-U",
    "mac_cyrillic": "Mac Cyrillic",
    "mac_roman": "Mac Roman",
    "shift_jis": "Shift_JIS",
    "cp932": "Shift_JIS",
    "shift_jis_2004": "Shift_JIS",
    "shift_jisx0213": "Shift_JIS",
    "euc_jp": "EUC-JP",
    "euc_jis_2004": "EUC-JP",
    "euc_jisx0213": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "gb2312": "GB2312",
    "big5": "Big5",
    "cp950": "Big5",
    "big5hkscs": "Big5-HKSCS",
    "euc_kr": "EUC-KR",
    "cp949": "EUC-KR",
    "johab": "Johab",
    "tis_620": "TIS-620",
    "cp874": "Windows-874",
}
_UNICODE = frozenset({"utf_8", "utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be", "ascii"})


def encoding_name(encoding: str) -> str:
    """The name people know an encoding by: `cp932` -> "Shift_JIS", `cp1252` -> "Windows-1252"."""
    try:
        key = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        key = encoding.lower().replace("-", "_")
    return _NAMES.get(key, _NAMES.get(encoding, encoding.upper().replace("_", "-")))


class Decoded(NamedTuple):
    """Text decoded from a file, and how."""

    text: str
    encoding: str  # Python's codec name: "utf-8", "cp1252", "cp932", …
    # Bytes not valid in `encoding`: read one by one as Windows-1252 in UTF-8 text, shown as
    # U+FFFD in text of another encoding.
    stray: int = 0

    @property
    def name(self) -> str:
        """The encoding as people know it ("Shift_JIS", "Windows-1252")."""
        return encoding_name(self.encoding)

    @property
    def guessed(self) -> bool:
        """Whether the encoding was detected rather than known (UTF-8 or a byte-order mark)."""
        return _codec_key(self.encoding) not in _UNICODE

    def describe(self) -> str:
        """A note for the admin when the file was not plain UTF-8, else ""."""
        if self.stray:
            plural, were = ("s", "were") if self.stray > 1 else ("", "was")
            if _codec_key(self.encoding) == "utf_8":
                return (
                    f"read as UTF-8, with {self.stray} stray byte{plural} that {were} not "
                    "UTF-8 read as Windows-1252"
                )
            return (
                f"read as {self.name} (not UTF-8), with {self.stray} byte{plural} that "
                f"{were} not {self.name} shown as \ufffd"
            )
        if self.guessed:
            return f"read as {self.name} (not UTF-8)"
        return ""


def _codec_key(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return encoding


def read_as(data: bytes, encoding: str) -> str | None:
    """`data` decoded as `encoding`; None when it is not valid there or the codec is unknown."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def high_bytes(data: bytes) -> int:
    """How many bytes are outside ASCII (0x80 and up)."""
    return len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
