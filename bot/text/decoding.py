"""Turning story file bytes into text, with a clear refusal for what is not text.

Most story files are UTF-8, but not all: a Project Gutenberg book may be Latin-1, a Japanese
story Shift_JIS, a Russian one Windows-1251 or KOI8-R. `decode_any` reads them all. UTF-8
and UTF-16/32 with a byte-order mark are taken as they are; UTF-8 with a few stray bytes
keeps its UTF-8. Only other bytes go to the detector, charset-normalizer, with corrections
where detectors are known to go wrong:

- a short file in a Western language (a few accented letters or curly quotes in English,
  French, Spanish, German…) gives a detector too little to go on, and it will as soon say
  Big5 or Ukrainian DOS as Windows-1252. When the bytes read as Windows-1252 look like a
  Western language (the letters of one language's alphabet, no stray sign inside a word),
  that reading is taken without asking the detector;
- a reading full of half-width katakana, box-drawing characters or unspaced Hangul is what
  another encoding looks like through the wrong one, and the next answer is taken instead;
- a close runner-up wins when it has the kana that Japanese always has and the first
  reading lacks, lower case where the first is mostly capitals (Windows-1251 and KOI8-R
  swap the cases), or is a Windows or ISO code page against a Mac or DOS one.

`decode` is the strict form (UTF-8 or a byte-order mark only) for formats that must be
Unicode, such as TOML.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from bot.text.story import StoryError

if TYPE_CHECKING:
    from charset_normalizer.models import CharsetMatch

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, newline and carriage return, plus DEL and C1 controls.
#: What a line loses at both ends: spaces and tabs, not a no-break space, which is the
#: author's.
LINE_EDGE = " \t\f\v"

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A byte-order mark inside the text is an editing accident. Zero-width spaces, joiners and
# bidirectional marks stay: scripts such as Thai, Arabic and emoji sequences need them.
_INVISIBLE = re.compile("\ufeff")

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
# Encodings that always read more than the one a detector names: a file called Shift_JIS
# by its writer is often Windows' variant, and GB2312 text is a subset of GB18030.
_WIDER = {
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "latin_1": "cp1252",
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
    stray bytes as Windows-1252; anything else is detected (see the module's docstring).
    Raises `StoryError` for empty files and for data that is not text in any encoding.
    Line endings become `\\n`.
    """
    _refuse_empty(data)
    decoded = _unicode(data)
    if decoded is None:
        decoded = _mostly_utf8(data) or _detected(data)
        log.debug("decoded as %s (%d stray bytes)", decoded.name, decoded.stray)
    return decoded._replace(text=_finish(decoded.text))


def clean(text: str) -> str:
    """Drop control characters and stray byte-order marks; line separators become newlines."""
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _INVISIBLE.sub("", _CONTROL.sub("", text))


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
            if not _is_binary(text):
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
    return len(text) - (len(data) - _high_bytes(data)) - stray, stray


def _stray_byte(match: re.Match[str]) -> str:
    byte = ord(match.group()) - 0xDC00
    # The five bytes Windows-1252 leaves undefined become control characters, which
    # `clean` drops.
    return _strict(bytes([byte]), "cp1252") or chr(byte)


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------

# Lower-case letters outside ASCII that each Western language written in Windows-1252 uses
# (loanwords included), so that a reading mixing the alphabets of several languages (what
# Czech or Lithuanian bytes look like as Windows-1252) is not taken for one of them.
_WESTERN_ALPHABETS = (
    "éèêëïöüàâçñôæœ",  # English loanwords, French
    "àâæçéèêëîïôœùûüÿ",  # French
    "áéíñóúü",  # Spanish
    "áâãàçéêíóôõúü",  # Portuguese
    "àèéìíòóùúî",  # Italian
    "àçéèíïóòúü",  # Catalan
    "äöüßéèàç",  # German
    "éëïèöüáóêà",  # Dutch
    "æøåéèóôü",  # Danish, Norwegian
    "åäöéü",  # Swedish
    "äöåšž",  # Finnish, Estonian
    "áéíóúýþðæö",  # Icelandic
    "áéíóúàèìòù",  # Irish, Scottish Gaelic
    "âêîôûŵŷäëïöüáéíóú",  # Welsh
)
# Punctuation and signs that Western text has between words; anything else in 0x80-0xff
# read as Windows-1252 (¤ ¦ ¨ ¯ ´ ¸ ¬ † ‡ ‰ ˆ ˜ …) is a letter of some other code page.
_WESTERN_PUNCTUATION = frozenset("“”‘’„‚«»‹›–—…•·\u00a0\u00ad¡¿")
# Signs that stand next to numbers or alone, never inside a word.
_WESTERN_SIGNS = frozenset("°£€¥¢©®™§×÷±½¼¾²³¹ªºµ")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_LETTERS = re.compile(rb"[A-Za-z]")

_RARE = frozenset({"cp1006", "cp1125", "hp_roman8", "ptcp154", "kz1048", "cp1140"})
_COMMON_CP = frozenset({"cp874", "cp932", "cp936", "cp949", "cp950"})
_WINDOWS_1252_LIKE = frozenset({"cp1252", "latin_1", "iso8859_15", "ascii"})

# What another encoding looks like when read with the wrong one: half-width katakana
# (Cyrillic through Shift_JIS) or box-drawing characters (Windows-1251 through a DOS code
# page). Real text has the first only now and then and the second hardly ever.
_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")
_BOX_DRAWING = re.compile("[\u2500-\u259f]")
# Korean is written with spaces between words: Hangul without them, or loose jamo, is
# Japanese or Chinese read as Korean.
_UNSPACED_HANGUL = re.compile("[\uac00-\ud7a3]{16,}")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_JAMO = re.compile("[\u3131-\u318e]")
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff]")
# charset-normalizer's names for the multi-byte Chinese, Japanese and Korean encodings.
_CJK = [
    "big5", "big5hkscs", "cp932", "cp949", "cp950", "euc_jis_2004", "euc_jisx0213", "euc_jp",
    "euc_kr", "gb18030", "gb2312", "gbk", "hz", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2",
    "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr", "johab", "shift_jis",
    "shift_jis_2004", "shift_jisx0213",
]


def _detected(data: bytes) -> Decoded:
    """Decode bytes that are not Unicode, by detection with Western text favoured."""
    western = _western_reading(data)
    if western is not None:
        if _is_binary(western):
            raise StoryError("binary data, not a text file")
        return Decoded(western, "cp1252")
    best = _detector_choice(data)
    if best is None:
        if _is_binary(data.decode("latin-1")):
            raise StoryError("binary data, not a text file")
        raise StoryError("not text in any encoding the bot knows (not UTF-8, and no other fits)")
    encoding = best.encoding
    if encoding in _WINDOWS_1252_LIKE and _strict(data, "cp1252") is not None:
        encoding = "cp1252"
    decoded = _decoded(data, encoding)
    if _is_binary(decoded.text):
        raise StoryError("binary data, not a text file")
    return decoded


def _detector_choice(data: bytes) -> CharsetMatch | None:
    """charset-normalizer's answer, checked against what real text looks like.

    Answers that read as another encoding seen through the wrong one are passed over; when
    all are, it is asked again without them (and without the CJK encodings, which are what
    a short Cyrillic file looks like to it). Of the rest, a runner-up wins when it reads as
    Japanese with kana and the first has next to none, or, close behind, as mostly
    lower-case letters where the first is mostly capitals (Windows-1251 and KOI8-R swap the
    cases), or as a Windows or ISO code page where the first is a Mac or DOS one.
    """
    from charset_normalizer import from_bytes  # loaded only when a file needs it

    results = list(from_bytes(data))[:8]
    candidates = [match for match in results if _plausible(str(match))]
    if not candidates and results:
        excluded = [match.encoding for match in results]
        if any(encoding in _CJK for encoding in excluded):
            excluded += _CJK
        again = list(from_bytes(data, cp_exclusion=excluded))[:8]
        candidates = [match for match in again if _plausible(str(match))]
    if not candidates:
        return None
    best = candidates[0]
    first = _Profile.of(str(best))
    for match in candidates[1:]:
        other = _Profile.of(str(match))
        if other.kana * 20 >= other.chars and other.kana >= 4 * first.kana:
            return match  # only Japanese is written with kana, and it always is
        if match.chaos <= best.chaos + 0.1 and (
            (first.upper > first.lower and other.lower > other.upper and other.lower >= 20)
            or (_is_rare(best.encoding) and not _is_rare(match.encoding))
        ):
            return match
    return best


def _is_rare(encoding: str) -> bool:
    """Mac and DOS code pages: a near tie between one of them and a Windows or ISO code page
    is nearly always the latter, which is what nearly every file of that script uses."""
    return encoding.startswith("mac_") or encoding in _RARE or (
        re.fullmatch(r"cp\d{3}", encoding) is not None and encoding not in _COMMON_CP
    )


class _Profile(NamedTuple):
    """Counts that tell real text from a wrong reading of it."""

    chars: int
    kana: int
    upper: int
    lower: int

    @classmethod
    def of(cls, text: str) -> _Profile:
        sample = text[:20_000]
        return cls(
            len(sample),
            len(_KANA.findall(sample)),
            sum(1 for char in sample if char.isupper()),
            sum(1 for char in sample if char.islower()),
        )


def _decoded(data: bytes, encoding: str) -> Decoded:
    """`data` read as `encoding`, or as the wider encoding it belongs to when it must be."""
    for candidate in (encoding, _WIDER.get(encoding)):
        if candidate is not None:
            text = _strict(data, candidate)
            if text is not None:
                return Decoded(text, candidate)
    text = data.decode(encoding, "replace")
    return Decoded(text, encoding, text.count("\ufffd"))


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _plausible(text: str) -> bool:
    sample = text[:20_000]
    hangul = len(_HANGUL.findall(sample))
    return (
        len(_HALF_WIDTH_KANA.findall(sample)) * 10 < len(sample)
        and len(_BOX_DRAWING.findall(sample)) * 50 < len(sample)
        and len(_JAMO.findall(sample)) * 20 <= hangul
        and sum(map(len, _UNSPACED_HANGUL.findall(sample))) * 10 <= max(hangul, 1)
    )


def _is_binary(text: str) -> bool:
    """Whether decoded text holds more control characters than any real text would."""
    sample = text[:65_536]
    return len(_CONTROL.findall(sample)) * 50 > len(sample)


def _western_reading(data: bytes) -> str | None:
    """`data` as Windows-1252 when that reads as a Western European language, else None.

    The reading counts when no sign such as `³` or `¿` sits inside a word (Polish `ł` and
    `ż` read this way) and its letters outside ASCII are very few beside the ASCII ones
    (names and loanwords from any language), or few and from the alphabet of one Western
    language (other scripts read this way are nothing but such letters).
    """
    head = data[:200_000]
    high = _high_bytes(head)
    if high > 16 and high * 2 > len(_ASCII_LETTERS.findall(head)) + high:
        return None  # a quick no for other scripts, before the closer look
    text = _strict(data, "cp1252")
    if text is None:
        return None
    # The beginning and a stretch of the middle tell as much as the whole of a long file.
    middle = len(text) // 2
    sample = text if len(text) <= 150_000 else f"{text[:100_000]}\n{text[middle:middle + 50_000]}"
    alphabet: Counter[str] = Counter()
    odd = runs = 0
    for match in _NON_ASCII.finditer(sample):
        runs += 1
        run = match.group()
        start, end = match.span()
        padded = f"{sample[start - 1] if start else ' '}{run}{sample[end:end + 1] or ' '}"
        letters = 0
        for index, char in enumerate(run, start=1):
            left, right = padded[index - 1], padded[index + 1]
            if char in _WESTERN_SIGNS:
                # `5°`, `£3`, `2²` and `©` are fine; `ł` read as `³` sits inside a word.
                if (left.isalpha() or right.isalpha()) and not (
                    left.isdigit() or right.isdigit() or char in "°©®™"
                ):
                    odd += 1
            elif char.isalpha():
                letters += 1
                alphabet[char.lower()] += 1
            elif char in _WESTERN_PUNCTUATION:
                if char in "¡¿" and left.isalpha():  # `ż` read as `¿`
                    odd += 1
            else:
                odd += 1
        if letters >= 4:  # Western words have an accented letter here and there, not runs
            odd += 1
    if odd * 50 > runs:
        return None
    accented = sum(alphabet.values())
    ascii_letters = len(_ASCII_LETTERS.findall(sample.encode("ascii", "ignore")))
    if accented * 25 <= ascii_letters + accented:
        # A few accented letters in mostly plain ones: names and loanwords from anywhere
        # (Zoë, Ørsted, Málaga) in English or another Western text. Central European text
        # has far more, and other scripts read this way are nothing but such letters.
        return text
    if accented > 4 and accented * 10 > (ascii_letters + accented) * 3:
        return None
    if alphabet and not _one_alphabet(alphabet):
        return None
    return text


def _high_bytes(data: bytes) -> int:
    return len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))


def _one_alphabet(letters: Counter[str]) -> bool:
    """Whether the letters fit one Western language's alphabet, but for a few strays."""
    total = sum(letters.values())
    allowed = max(1, total // 20)
    for alphabet in _WESTERN_ALPHABETS:
        strays = sum(count for letter, count in letters.items() if letter not in alphabet)
        if strays <= allowed:
            return True
    return False
