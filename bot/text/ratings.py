"""Content ratings: the strings people write, placed on AO3's five ratings.

Story files carry ratings in many forms: AO3's own names, single letters, fanfiction.net's
`Fiction M`, film and TV ratings (`PG-13`, `NC-17`, `TV-MA`), ages (`18+`, `R18`, `P16`),
words such as "Adult" or "NSFW", combinations such as `Mature/Explicit`, and the same in
other languages. `read_rating` places any of them on AO3's scale.

A rating string nobody can place is never read as General: it could mean anything, so it
is treated as the highest rating there is, and the caller is told so that `check` can name
the file. A combination counts as the highest rating it names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

GENERAL = "General Audiences"
TEEN = "Teen And Up Audiences"
MATURE = "Mature"
EXPLICIT = "Explicit"
NOT_RATED = "Not Rated"


@dataclass(frozen=True, slots=True)
class Rating:
    """One of AO3's ratings: its name, a short name for tight places, its strength and the
    colour pages and cards of its stories show."""

    name: str
    short: str
    level: int | None  # None: Not Rated has no level of its own (see `bot.reading.gate`)
    colour: int


#: AO3's ratings, in the order AO3 lists them.
TABLE = {
    GENERAL: Rating(GENERAL, "General", 0, 0x5DA35D),
    TEEN: Rating(TEEN, "Teen", 1, 0xE0B43A),
    MATURE: Rating(MATURE, "Mature", 2, 0xE07B39),
    EXPLICIT: Rating(EXPLICIT, "Explicit", 3, 0xC0392B),
    NOT_RATED: Rating(NOT_RATED, "Not Rated", None, 0x8E99A4),
}
RATINGS = tuple(TABLE)
LEVELS = {name: r.level for name, r in TABLE.items() if r.level is not None}


def rating_info(rating: str) -> Rating:
    """The table row for a rating name; Not Rated's for anything else."""
    return TABLE.get(rating, TABLE[NOT_RATED])



@dataclass(frozen=True, slots=True)
class RatingReading:
    """What a rating string was read as."""

    rating: str  # one of `RATINGS`
    known: bool  # False: the string could not be placed and the highest rating was assumed
    text: str  # the string as written, tidied


# Whole strings (after `_key`) and what they mean. Keys are lower case, accents kept,
# with spaces for any run of spaces, dashes, underscores and dots.
_NAMES: dict[str, str] = {}


def _name(rating: str, *keys: str) -> None:
    for key in keys:
        _NAMES[key] = rating


_name(
    GENERAL,
    "general audiences", "general audience", "general", "gen", "g", "ga", "all ages",
    "everyone", "e10+", "e 10+", "k", "k+", "fiction k", "fiction k+", "u", "pg", "tv y",
    "tv y7", "tv g", "tv pg", "safe", "sfw", "clean", "family friendly", "kids", "children",
    "all audiences", "no rating needed",
    # French, Spanish, Portuguese, Italian, German, Dutch, Polish, Russian
    "tout public", "tous publics", "pour tous", "todos los públicos", "para todos los públicos",
    "todo público", "todas las edades", "livre", "para todos", "todas as idades", "per tutti",
    "verde", "alle", "für alle", "ohne altersbeschränkung", "alle leeftijden",
    "dla wszystkich", "для всех", "общий", "общий доступ", "без ограничений",
    # Chinese, Japanese, Korean
    "全年龄", "全年齡", "普遍级", "普遍級", "清水", "全年齢", "一般向け", "一般", "전체이용가",
    "전체 이용가", "전연령", "전체",
)
_name(
    TEEN,
    "teen and up audiences", "teen and up audience", "teen and up", "teen", "teens", "t",
    "fiction t", "t+", "pg 13", "pg13", "tv 14", "12a", "young adult", "ya",
    "adolescents", "adolescent", "ados", "adolescentes", "adolescente", "jóvenes", "juvenil",
    "giallo", "adolescenti", "jugendliche", "tieners", "nastolatki", "подростки",
    "青少年", "辅导级", "輔導級", "護級", "保护级", "保護級", "청소년", "청소년 이용가",
)
_name(
    MATURE,
    "mature", "m", "fiction m", "r", "tv ma", "mature audiences", "mature audiences only",
    "mature content", "mature themes", "adult themes", "arancione", "maduro", "madura",
    "maduros", "adulto joven", "reif", "volwassen thema's", "dojrzałe", "для взрослых подростков",
    "限制", "成熟", "성숙",
)
_name(
    EXPLICIT,
    "explicit", "e", "x", "xxx", "nc 17", "nc17", "nc 21", "nc21", "ma", "fiction ma",
    "adult", "adults", "adults only", "adult only", "adult content", "nsfw", "18+ only",
    "porn", "pwp", "smut", "lemon", "lime", "sexual content", "explicit content",
    "explicit sexual content", "r18", "r 18", "r18+", "r 18+", "r18g", "r 18g",
    "rosso", "esplicito", "explícito", "explicito", "explícita", "explicite", "adulte",
    "adultes", "para adultos", "adultos", "solo adultos", "adulto", "somente adultos",
    "per adulti", "erwachsene", "nur für erwachsene", "expliziet", "volwassenen",
    "dla dorosłych", "откровенный", "для взрослых", "только для взрослых",
    "限制级", "限制級", "成人", "成人向", "成人向け", "18禁", "十八禁", "肉", "성인",
    "19금", "19세", "청소년 이용불가", "청불",
)
_name(
    NOT_RATED,
    "not rated", "nr", "n r", "unrated", "no rating", "none", "not yet rated",
    "rating not given", "non classé", "sin clasificar", "sin calificar", "não classificado",
    "nicht bewertet", "без рейтинга", "未分级", "未分級", "등급 없음",
)

# Ages written as ratings: `18+`, `ab 16`, `+18`, `P16`, `FSK 12`, `R-15`, `15歳以上`, `19세`.
_AGE = re.compile(
    r"^(?:(?:ab|fsk|usk|p|r|pegi|ages?|age|rated|from|dès|desde|a partir de|от|над)\s?)?"
    r"\+?(\d{1,2})\s?(?:\+|plus|ans|años|anos|jahre|jahren|лет|歳以上|岁以上|歲以上|세 이상|세|禁)?"
    r"(?:\s?(?:only|and over|and up|and older|und älter|et plus|y más|e mais|années))?$"
)
# Labels and words around the rating itself: `Rated: Fiction M`, `Rating - Explicit`.
_LABEL = re.compile(
    r"^(?:content\s+)?(?:ratings?|rated|calificación|clasificación|classificação|"
    r"classification|classement|bewertung|altersfreigabe|рейтинг|评级|分级|レーティング|등급)"
    r"\s*[:：\-–—]?\s*",
    re.IGNORECASE,
)
# What separates several ratings given at once: `Mature/Explicit`, `Teen, Mature`, `M or E`.
_SPLIT = re.compile(r"\s*(?:/|,|;|\||&|\bor\b|\band\b|\bto\b|\bo\b|\bou\b|\boder\b|→)\s*")
_FFN = re.compile(r"fiction\s+(?:k\+?|t|m|ma)(?=\s*(?:[-–—,|]|$))", re.IGNORECASE)
# No rating, with its reasons, runs longer; reading a longer one costs time in its length
# squared, by the brackets and separators in it.
_LONGEST = 200
_BRACKETS = re.compile(r"\s*[(\[{（【][^)\]}）】]*[)\]}）】]\s*")


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\s\-_.·]+", " ", text)
    return text.strip(" :;,*\"'“”‘’!")


def _place(piece: str) -> str | None:
    """The rating one piece names, or None."""
    key = _key(piece)
    if key in _NAMES:
        return _NAMES[key]
    spaced = key.replace(" ", "")
    if spaced in _NAMES:
        return _NAMES[spaced]
    age = _AGE.match(key) or _AGE.match(spaced)
    if age:
        years = int(age.group(1))
        if years >= 18:
            return EXPLICIT
        if years >= 15:
            return MATURE
        if years >= 12:
            return TEEN
        return GENERAL
    return None


def read_rating(text: str | None) -> RatingReading:
    """Place a rating string on AO3's scale.

    Empty text is Not Rated. Text that names several ratings counts as the highest of them
    (`Mature/Explicit` is Explicit, `Explicit (18+)` is Explicit). A string that names no
    rating the bot knows is treated as Explicit, with `known` False.
    """
    tidy = " ".join((text or "").split())
    if not tidy:
        return RatingReading(NOT_RATED, True, "")
    if len(tidy) > _LONGEST:
        return RatingReading(EXPLICIT, False, tidy[:_LONGEST] + "…")
    body = _LABEL.sub("", tidy, count=1)
    whole = _place(body)
    if whole is not None:
        return RatingReading(whole, True, tidy)
    fiction = _FFN.match(body)  # fanfiction.net: `Fiction M - English - Romance - …`
    if fiction:
        return RatingReading(_NAMES[_key(fiction.group(0))], True, tidy)
    # `Explicit (18+)`: the words outside brackets, then each bracket's contents; each is
    # one rating, or several joined by `/`, `or` and the like.
    candidates = [_BRACKETS.sub(" ", body)]
    candidates += re.findall(r"[(\[{（【]([^)\]}）】]*)[)\]}）】]", body)
    found: list[str | None] = []
    for candidate in candidates:
        if not candidate.strip():
            continue
        placed = _place(candidate)
        if placed is None:
            found += [_place(piece) for piece in _SPLIT.split(candidate) if piece.strip()]
        else:
            found.append(placed)
    if found and all(found):
        rated = [rating for rating in found if rating and rating != NOT_RATED]
        best = max(rated, key=LEVELS.__getitem__) if rated else NOT_RATED
        return RatingReading(best, True, tidy)
    return RatingReading(EXPLICIT, False, tidy)


def rating_field(text: str | None, warnings: list[str], *, where: str = "") -> str:
    """`read_rating(text).rating`, noting in `warnings` a string that could not be placed."""
    reading = read_rating(text)
    if not reading.known:
        prefix = f"{where}: " if where else ""
        warnings.append(
            f"{prefix}rating {reading.text!r} is not one the bot knows, so it is treated as "
            f"Explicit; give one of {', '.join(RATINGS[:4])} or Not Rated"
        )
    return reading.rating


def normalize_rating(value: str) -> str:
    """The AO3 rating a string means (`read_rating`), for callers that need no warning."""
    return read_rating(value).rating
