"""Chapter headings in plain text: where a book or a prose file starts its chapters.

Chapters start at a line that stands alone (a blank line
above it and below it, or below the title line it takes) and is short:

- `Chapter 3`, `CHAPTER III. THE STORM`, `Ch. 3 - The Storm`, `Chapter Twenty-One`,
  `Chapter the First`, and the same with Capítulo, Chapitre, Kapitel, Глава, Rozdział,
  Capitolo, Hoofdstuk, Kapitola, Luku, Fejezet, Bölüm, Bab and others, the number before
  or after the word (`3. fejezet`, `Erstes Kapitel`);
- `Part One`, `Book II`, `Volume 3`, Parte, Partie, Teil, Libro, Livre, Часть…;
- `第一章`, `第1章 出発`, `第十二話`, `第一回`, `제1장`, `제 1 장`, and 序章, 楔子, 終章, 프롤로그…;
- `Prologue`, `Epilogue`, `Interlude`, `Preface` and their translations;
- a Roman numeral or number alone (`IV`, `12.`, `- 3 -`) or before a title in capitals
  (`IV. THE STORM`), when such lines count up from one through the file.

A heading with no title of its own takes the line in capitals right below it as its title
(`I` over `UNDER THE PINES`); otherwise it keeps its own words ("Chapter 3", "第三章").
A table of contents is never chapters: lines ending in a page number, the lines under a
`Contents`/`Índice`/`Содержание`/`目次` heading, and any run of three or more heading-like
lines with next to no text between them stay text. The entries of such a contents list
mark the chapters further down when a line repeats one of them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from bot.parsers.common import is_break_line
from bot.text.cleaning import LINE_EDGE

_ROMAN_UPPER = r"(?=[IVXLCDM])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN = rf"(?-i:{_ROMAN_UPPER}|{_ROMAN_UPPER.lower()})"
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ORDINAL_UNITS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
_ORDINAL_TEENS = (
    "tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|"
    "eighteenth|nineteenth"
)
_ORDINAL_TENS = "twentieth|thirtieth|fortieth|fiftieth|sixtieth|seventieth|eightieth|ninetieth"
# Ordinals of other languages, for `Capítulo primero`, `Erstes Kapitel`, `Глава первая`.
_FOREIGN_ORDINALS = (
    "primero|primer|segundo|tercero|tercer|cuarto|quinto|sexto|séptimo|septimo|octavo|"
    "noveno|décimo|decimo|primera|segunda|tercera|cuarta|quinta|sexta|séptima|octava|novena|"
    "décima|primeiro|primeira|terceiro|terceira|premier|première|deuxième|troisième|quatrième|"
    "cinquième|sixième|septième|huitième|neuvième|dixième|primo|secondo|terzo|sesto|"
    "settimo|ottavo|nono|prima|seconda|terza|erstes|zweites|drittes|viertes|fünftes|sechstes|"
    "siebtes|achtes|neuntes|zehntes|erster|zweiter|dritter|erste|zweite|dritte|первая|вторая|"
    "третья|четвертая|четвёртая|пятая|шестая|седьмая|восьмая|девятая|десятая|первый|второй|"
    "третий|pierwszy|drugi|trzeci|"
    "czwarty|piąty|szósty|siódmy|ósmy|dziewiąty|dziesiąty|első|második|harmadik|birinci|"
    "ikinci|üçüncü|ensimmäinen|toinen|kolmas"
)
_FOREIGN_CARDINALS = (
    "uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|um|dois|três|quatro|sete|oito|"
    "nove|dez|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|due|tre|quattro|cinque|sei|"
    "sette|otto|dieci|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|satu|dua|tiga|"
    "empat|lima|enam|tujuh|delapan|sembilan|sepuluh"
)
_ORDINAL = (
    rf"(?:(?:{_TENS})[- ](?:{_ORDINAL_UNITS})|{_ORDINAL_TENS}|{_ORDINAL_TEENS}|"
    rf"{_ORDINAL_UNITS}|hundredth|{_FOREIGN_ORDINALS})"
)
_CARDINAL = (
    rf"(?:(?:{_TENS})(?:[- ](?:{_UNITS}))?|{_TEENS}|{_UNITS}|(?:one |a )?hundred|"
    rf"{_FOREIGN_CARDINALS})"
)
_DIGITS = r"[0-9０-９]{1,4}"
_NUMBER = rf"(?:{_DIGITS}|{_ROMAN}|(?:the\s+)?{_ORDINAL}|{_CARDINAL})"
_CHAPTER_WORDS = (
    r"chapter|chap\.|ch\.|capítulo|capitulo|cap\.|chapitre|kapitel|kapittel|kapitola|"
    r"kapitulli|glava|глава|розділ|rozdział|rozdzial|capitolo|hoofdstuk|luku|fejezet|bölüm|"
    r"bolum|bab|poglavlje|poglavje|κεφάλαιο|chương"
)
_PART_WORDS = (
    r"part|book|volume|vol\.|parte|partie|teil|buch|libro|livre|tome|tomo|часть|книга|том|"
    r"część|księga|deel|boek|del|osa|rész|kısım|bagian|jilid"
)
_TITLE_AFTER = r"(?:\s*[:.\-–—]\s*(?P<title>\S.*))?"
# `Chapter 3`, `CHAPTER III. THE STORM`, `Ch. 3 - The Storm`, `Chapter the First`.
_WORD_FIRST = re.compile(
    rf"(?P<word>{_CHAPTER_WORDS}|{_PART_WORDS})(?:\s+|(?<=\.))(?P<num>{_NUMBER})\.?"
    + _TITLE_AFTER,
    re.IGNORECASE,
)
# `3. fejezet`, `1. Bölüm`, `Erstes Kapitel`, `Первая глава`, `Part the Second` aside.
_NUMBER_FIRST = re.compile(
    rf"(?P<num>{_DIGITS}\.?|{_ROMAN}\.|{_ORDINAL})\s+(?P<word>{_CHAPTER_WORDS}|{_PART_WORDS})"
    + _TITLE_AFTER,
    re.IGNORECASE,
)
_SPECIAL_WORDS = (
    "prologue|prolog|prólogo|prologo|пролог|epilogue|epilog|épilogue|epílogo|epilogo|"
    "эпилог|interlude|interludio|intermède|intermezzo|zwischenspiel|интерлюдия|preface|"
    "préface|prefacio|prefazione|vorwort|предисловие|foreword|afterword|postface|nachwort|"
    "posfácio|introduction|introducción|einleitung"
)
_SPECIAL = re.compile(rf"(?P<word>{_SPECIAL_WORDS})" + _TITLE_AFTER, re.IGNORECASE)
_CJK_NUMBER = r"[〇零一二三四五六七八九十百千两兩壹贰貳叁參肆伍陆陸柒捌玖拾0-9０-９]{1,8}"
_CJK_CHAPTER = re.compile(
    rf"(?:第\s*{_CJK_NUMBER}\s*[章回話话節节卷部篇幕集]|제\s*[0-9０-９]{{1,4}}\s*[장화부편권]|"
    r"序章|序幕|楔子|引子|終章|终章|尾声|尾聲|後記|后记|番外篇?|外伝|外传|幕間|间章|間章|"
    r"あとがき|プロローグ|エピローグ|프롤로그|에필로그|서장|종장|외전|막간)"
    r"(?:[\s:：·・、.．\-—–]*(?P<title>\S.{0,40}))?"
)
# A number alone on its line, as Gutenberg books number their chapters: `IV`, `12.`, `- 3 -`.
_BARE_NUMBER = re.compile(
    rf"[\-–—~*#=(\[ ]*(?P<num>\d{{1,3}}|(?-i:{_ROMAN_UPPER}))\.?[\-–—~*#=)\] ]*"
    r"(?:\.\s+(?P<title>\S.*))?"
)
# A contents list's heading.
_CONTENTS = re.compile(
    r"(?:table\s+of\s+)?contents?|índice|indice|índice general|sumário|sumario|"
    r"table\s+des\s+matières|sommaire|inhalt|inhaltsverzeichnis|indice dei contenuti|sommario|"
    r"inhoud|inhoudsopgave|spis\s+treści|obsah|sisällys|sisällysluettelo|tartalom|"
    r"tartalomjegyzék|içindekiler|daftar\s+isi|содержание|оглавление|目次|目录|目錄|차례|목차",
    re.IGNORECASE,
)
# A line that ends in a page number: `I. The Storm ........ 12`, `Preface     vii`.
_PAGE_NUMBER = re.compile(
    r"\S.*?(?:\s{2,}|\t|\s*\.{2,}\s*|\s*…+\s*)(?:\d{1,4}|(?-i:[ivxlcdm]{1,8}))\s*"
)
_SENTENCE_END = re.compile(r"[。．！？!?.]$|。")
_LONGEST_HEADING = 120
_TITLE_WORDS = 16
_TOC_TEXT_WORDS = 8  # an entry in a contents list has fewer words than this below it


def next_text(lines: Sequence[str], i: int, most_blank: int) -> int | None:
    """The index of the first non-blank line from `i` on, past at most `most_blank` blanks."""
    for k in range(i, min(len(lines), i + most_blank + 1)):
        if lines[k].strip():
            return k
    return None


class _Heading(NamedTuple):
    kind: str  # "labelled" (a word and a number), "special", "number" (a numeral alone)
    title: str | None  # the title the line gives after its number, if any
    value: int | None  # a bare numeral's value, for checking that they count up


def _title_ok(title: str | None) -> bool:
    return title is None or (
        len(title.split()) <= _TITLE_WORDS and not _PAGE_NUMBER.fullmatch(title)
    )


def _words(*alternations: str) -> frozenset[str]:
    return frozenset(
        word.replace("\\.", "") for group in alternations for word in group.split("|")
    )


# The words a heading can begin with, to pass over most lines of prose at a glance.
_FIRST_WORDS = _words(
    _CHAPTER_WORDS, _PART_WORDS, _SPECIAL_WORDS, _ORDINAL_UNITS, _ORDINAL_TEENS,
    _ORDINAL_TENS, _FOREIGN_ORDINALS, _TENS, "hundredth",
)
_CJK_FIRST = tuple("第제序楔引終终尾後后番外幕间間あプエ프에서종외막")
_DECORATION = frozenset("-–—~*#=([")
_ROMAN_LETTERS = frozenset("IVXLCDM")


def _could_be_heading(line: str) -> bool:
    char = line[0]
    if char.isdigit() or char in _DECORATION:
        return True
    if char >= "\u2e80":
        return line.startswith(_CJK_FIRST)
    space = line.find(" ")
    first = line if space < 0 else line[:space]
    word = first.rstrip(".:").lower()
    if word in _FIRST_WORDS:
        return True
    if char in _ROMAN_LETTERS and not first.rstrip(".").strip("IVXLCDM"):
        return True
    return "-" in word and word.split("-", 1)[0] in _FIRST_WORDS


def _heading(line: str) -> _Heading | None:
    """What kind of chapter heading `line` (stripped, non-empty) could be, by its words."""
    if (
        len(line) > _LONGEST_HEADING
        or not line
        or not _could_be_heading(line)
        or is_break_line(line)
        or _PAGE_NUMBER.fullmatch(line)
    ):
        return None
    for pattern in (_WORD_FIRST, _NUMBER_FIRST):
        match = pattern.fullmatch(line)
        if match and _title_ok(match["title"]):
            return _Heading("labelled", _tidy_title(match["title"]), None)
    match = _SPECIAL.fullmatch(line)
    if match and _title_ok(match["title"]):
        return _Heading("special", _tidy_title(match["title"]), None)
    match = _CJK_CHAPTER.fullmatch(line)
    if match and not (match["title"] and _SENTENCE_END.search(match["title"])):
        return _Heading("labelled", _tidy_title(match["title"]), None)
    match = _BARE_NUMBER.fullmatch(line)
    if match and (match["title"] is None or _caps(match["title"])):
        return _Heading("number", _tidy_title(match["title"]), _number_value(match["num"]))
    return None


def _tidy_title(title: str | None) -> str | None:
    if title is None:
        return None
    return title.strip(LINE_EDGE) or None


def _number_value(text: str) -> int:
    if text.isdigit():
        return int(text)
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for index, char in enumerate(text):
        value = values[char]
        following = values[text[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    return total


def _caps(line: str) -> bool:
    """Whether a line is a title in capitals: `UNDER THE SOUTHERN PINES`."""
    if not 2 <= len(line) <= 80 or line.endswith((",", ";", ":")):
        return False
    upper = 0
    for char in line:
        if char.islower():
            return False
        upper += char.isupper()
    return upper >= 2


def chapter_headings(lines: Sequence[str]) -> dict[int, tuple[str, int]]:
    """The chapter headings among the stripped lines of a book or prose file.

    Maps the index of each heading line to `(title, end)`, where `lines[index:end]` are the
    heading and the title line below it that it took. See the module's docstring for what
    counts as a heading and what, like a table of contents, does not.
    """
    n = len(lines)
    blank = [not line or line.isspace() for line in lines]
    # Where blank lines separate paragraphs, a heading has one above and below; in a file
    # of one paragraph per line, every line stands alone.
    spaced = _has_paragraph_gaps(lines, blank)

    found: dict[int, _Heading] = {}
    ends: dict[int, int] = {}
    lists: list[int] = []  # contents headings
    for i, line in enumerate(lines):
        if blank[i] or len(line) > _LONGEST_HEADING:
            continue
        if not _could_be_heading(line):
            if len(line) <= 30 and _CONTENTS.fullmatch(line.rstrip(":：")):
                lists.append(i)
            continue
        if spaced and i > 0 and not blank[i - 1] and not is_break_line(lines[i - 1]):
            continue
        heading = _heading(line)
        if heading is None:
            continue
        end = i + 1
        if spaced and end < n and not blank[end]:
            # Only a title line in capitals may sit right below a heading.
            titled = end + 1 >= n or blank[end + 1]
            if heading.title is not None or not _caps(lines[end]) or not titled:
                continue
        found[i] = heading
        ends[i] = end

    contents, entries = _contents_lists(lines, blank, found, lists)
    for i in [i for i in found if i in contents]:
        del found[i]
    _drop_runs(found, ends, lines, blank)
    _check_numbers(found)
    after = max(contents, default=-1) + 1
    for i, title in _listed(lines, blank, entries, found, after, spaced=spaced).items():
        found[i] = _Heading("labelled", title, None)
        ends[i] = i + 1

    headings: dict[int, tuple[str, int]] = {}
    for i in sorted(found):
        heading = found[i]
        end = ends[i]
        title = heading.title
        if title is None and heading.kind != "special":
            below = next_text(lines, end, 2)
            if (
                below is not None
                and below not in found
                and _caps(lines[below])
                and _heading(lines[below]) is None
                and (not spaced or below + 1 >= n or blank[below + 1])
            ):
                # Old books end their headings with a full stop: `THE STORM.`
                title, end = re.sub(r"(?<![.])\.$", "", lines[below]), below + 1
        headings[i] = (title or lines[i], end)
    return headings


def _has_paragraph_gaps(lines: Sequence[str], blank: Sequence[bool]) -> bool:
    """Whether one or two blank lines separate text lines somewhere (see `_wrap_width`)."""
    run = 0
    after_text = False
    for line, empty in zip(lines, blank, strict=True):
        if empty:
            run += 1
        elif is_break_line(line):
            after_text, run = False, 0
        else:
            if after_text and 0 < run < 3:
                return True
            after_text, run = True, 0
    return False


def _contents_lists(
    lines: Sequence[str], blank: Sequence[bool], found: dict[int, _Heading], starts: list[int]
) -> tuple[set[int], list[str]]:
    """The line indices of the contents lists headed at `starts`, and their entries in order.

    A list runs from its heading (`Contents`, `Índice`, `目次`…) over its entries to three
    blank lines in a row, a line that repeats an entry (the first chapter's own heading),
    or a line of prose.
    """
    inside: set[int] = set()
    entries: list[str] = []
    n = len(lines)
    for start in starts:
        if start in inside:
            continue
        inside.add(start)
        seen: set[str] = set()
        gap = 0
        for k in range(start + 1, n):
            if blank[k]:
                gap += 1
                if gap >= 3 and seen:
                    break
                continue
            gap = 0
            entry = _entry(lines[k])
            if entry in seen or _is_prose(lines[k], found, k):
                break
            seen.add(entry)
            entries.append(entry)
            inside.add(k)
    return inside, entries


def _entry(line: str) -> str:
    """A contents entry without its page number and dot leaders."""
    if len(line) <= _LONGEST_HEADING and _PAGE_NUMBER.fullmatch(line):
        line = re.sub(r"(?:\s{2,}|\t|\s*\.{2,}\s*|\s*…+\s*)\S+\s*$", "", line)
    return " ".join(line.split())


def _is_prose(line: str, found: dict[int, _Heading], index: int) -> bool:
    if len(line) > 100:
        return True
    if index in found or _PAGE_NUMBER.fullmatch(line):
        return False
    return len(line.split()) >= 8 and line.rstrip()[-1:] in ".!?…\"”"


def _drop_runs(
    found: dict[int, _Heading], ends: dict[int, int], lines: Sequence[str], blank: Sequence[bool]
) -> None:
    """Remove runs of three or more headings with next to no text below each of them.

    Such a run is a contents list without a heading of its own: real chapters have text.
    """
    order = sorted(found)
    run: list[int] = []

    def close() -> None:
        if len(run) >= 3:
            for index in run:
                del found[index]
        run.clear()

    for position, index in enumerate(order):
        following = order[position + 1] if position + 1 < len(order) else len(lines)
        words = 0
        for k in range(ends[index], following):
            if not blank[k]:
                words += len(lines[k].split())
                if words >= _TOC_TEXT_WORDS:
                    break
        if words < _TOC_TEXT_WORDS:
            run.append(index)
        else:
            close()
    close()


def _check_numbers(found: dict[int, _Heading]) -> None:
    """Keep numerals alone on their line only where they count up: 1, 2, 3 (or restart at 1).

    One `I` on its own is a pronoun; `1` then `1984` is not a list of chapters.
    """
    numbers = [i for i in sorted(found) if found[i].kind == "number"]
    kept: list[int] = []
    previous = 0
    for i in numbers:
        value = found[i].value
        if value == 1 or value == previous + 1:
            kept.append(i)
            previous = value or 0
        else:
            del found[i]
    if len(kept) < 2:
        for i in kept:
            del found[i]


def _listed(
    lines: Sequence[str],
    blank: Sequence[bool],
    entries: list[str],
    found: dict[int, _Heading],
    start: int,
    *,
    spaced: bool,
) -> dict[int, str]:
    """Lines from `start` on that repeat a contents list's entries in order: its chapters.

    A repeated entry stands alone like any heading and is no longer than one.
    """
    if not entries:
        return {}
    wanted: dict[str, int] = {}
    for position, entry in enumerate(entries):
        wanted.setdefault(entry, position)
    listed: dict[int, str] = {}
    after = 0
    for i in range(start, len(lines)):
        line = lines[i]
        if blank[i] or i in found or len(line) > _LONGEST_HEADING:
            continue
        position = wanted.get(" ".join(line.split()))
        if position is None or position < after:
            continue
        if spaced and (
            (i > 0 and not blank[i - 1]) or (i + 1 < len(lines) and not blank[i + 1])
        ):
            continue
        listed[i] = line
        after = position + 1
    return listed

