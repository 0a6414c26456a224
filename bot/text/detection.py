"""The encoding of story bytes that are not Unicode, found by the detector,
charset-normalizer, with corrections where detectors are known to go wrong:

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
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from bot.text.cleaning import is_binary
from bot.text.encodings import Decoded, high_bytes, read_as
from bot.text.story import StoryError

if TYPE_CHECKING:
    from charset_normalizer.models import CharsetMatch

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


def detected(data: bytes) -> Decoded:
    """Decode bytes that are not Unicode, by detection with Western text favoured."""
    western = _western_reading(data)
    if western is not None:
        if is_binary(western):
            raise StoryError("binary data, not a text file")
        return Decoded(western, "cp1252")
    best = _detector_choice(data)
    if best is None:
        if is_binary(data.decode("latin-1")):
            raise StoryError("binary data, not a text file")
        raise StoryError("not text in any encoding the bot knows (not UTF-8, and no other fits)")
    encoding = best.encoding
    if encoding in _WINDOWS_1252_LIKE and read_as(data, "cp1252") is not None:
        encoding = "cp1252"
    decoded = _decoded(data, encoding)
    if is_binary(decoded.text):
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
            text = read_as(data, candidate)
            if text is not None:
                return Decoded(text, candidate)
    text = data.decode(encoding, "replace")
    return Decoded(text, encoding, text.count("\ufffd"))


def _plausible(text: str) -> bool:
    sample = text[:20_000]
    hangul = len(_HANGUL.findall(sample))
    return (
        len(_HALF_WIDTH_KANA.findall(sample)) * 10 < len(sample)
        and len(_BOX_DRAWING.findall(sample)) * 50 < len(sample)
        and len(_JAMO.findall(sample)) * 20 <= hangul
        and sum(map(len, _UNSPACED_HANGUL.findall(sample))) * 10 <= max(hangul, 1)
    )


def _western_reading(data: bytes) -> str | None:
    """`data` as Windows-1252 when that reads as a Western European language, else None.

    The reading counts when no sign such as `³` or `¿` sits inside a word (Polish `ł` and
    `ż` read this way) and its letters outside ASCII are very few beside the ASCII ones
    (names and loanwords from any language), or few and from the alphabet of one Western
    language (other scripts read this way are nothing but such letters).
    """
    head = data[:200_000]
    high = high_bytes(head)
    if high > 16 and high * 2 > len(_ASCII_LETTERS.findall(head)) + high:
        return None  # a quick no for other scripts, before the closer look
    text = read_as(data, "cp1252")
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


def _one_alphabet(letters: Counter[str]) -> bool:
    """Whether the letters fit one Western language's alphabet, but for a few strays."""
    total = sum(letters.values())
    allowed = max(1, total // 20)
    for alphabet in _WESTERN_ALPHABETS:
        strays = sum(count for letter, count in letters.items() if letter not in alphabet)
        if strays <= allowed:
            return True
    return False
