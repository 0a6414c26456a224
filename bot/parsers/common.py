"""Pieces every story parser shares."""

from __future__ import annotations

import datetime
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath

from bot.markup import normalize
from bot.ratings import rating_field
from bot.story import (
    Block,
    BlockKind,
    Chapter,
    Metadata,
    Run,
    StoryError,
    Style,
)
from bot.textio import clean

# A line that is nothing but a scene-break ornament: `* * *`, `***`, `~~~`, `---`, `⁂`,
# `# # #`, `o0o`, `~*~`, `-x-`, `+++`, `___`, `===`, `•••`.
_BREAK_LINE = re.compile(
    r"^\s*(?:(?:[*~\-_=+#•·⁂※§◇◆✦✧❖]\s*){3,}|⁂|[*~]\s*[*~]|o0o|0o0|xXx|-x-|~\*~)\s*$",
    re.IGNORECASE,
)


def is_break_line(text: str) -> bool:
    """Whether a paragraph's whole text is a scene-break ornament rather than prose."""
    return bool(_BREAK_LINE.match(text)) if len(text) <= 40 else False


def title_from_filename(stem: str) -> str:
    """A readable title from a file name: `the_long-road home` -> `The Long Road Home`."""
    words = re.sub(r"[_\-.]+", " ", stem).split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or stem


def file_stem(name: str, suffixes: Iterable[str]) -> str:
    """The file name without its story extension; `name` may already be a bare stem.

    `PurePath.stem` would cut `the.long.road` to `the.long` when the library passes a stem.
    """
    base = PurePath(name).name
    for suffix in suffixes:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


# --------------------------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------------------------


# AO3's labels for work metadata, singular and plural as it writes them, to `Metadata`
# fields; the HTML download's `dt`s and the text export's header lines use the same words.
AO3_LABELS = {
    "rating": "rating",
    "ratings": "rating",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "category": "categories",
    "categories": "categories",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "relationship": "relationships",
    "relationships": "relationships",
    "character": "characters",
    "characters": "characters",
    "additional tag": "tags",
    "additional tags": "tags",
    "language": "language",
    "series": "series",
    "stats": "stats",
}


def tidy_breaks(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """Blocks without scene breaks at either end and without two breaks in a row."""
    out: list[Block] = []
    for block in blocks:
        if block.kind is BlockKind.BREAK and (not out or out[-1].kind is BlockKind.BREAK):
            continue
        out.append(block)
    while out and out[-1].kind is BlockKind.BREAK:
        out.pop()
    return tuple(out)


def finish_chapters(
    drafts: Iterable[tuple[str, Sequence[Block]]], warnings: list[str]
) -> tuple[Chapter, ...]:
    """Chapters from `(title, blocks)` drafts, tidied the same way for every format.

    Scene breaks never open or close a chapter and never follow one another. A chapter left
    with no blocks (a "Part One" heading straight before a chapter heading) is folded into the
    next chapter as a heading, so its words are not lost; an empty last chapter is dropped
    with a warning. Raises `StoryError` when no story text remains at all.
    """
    chapters: list[Chapter] = []
    carried: list[Block] = []
    for title, blocks in drafts:
        body = list(tidy_breaks(blocks))
        if not body:
            if title:
                carried.append(Block(BlockKind.HEADING, (Run(title),)))
            continue
        chapters.append(Chapter(title, (*carried, *body)))
        carried = []
    for heading in carried:
        warnings.append(f"chapter {heading.plain!r} has no text and was left out")
    has_text = any(
        block.kind in (BlockKind.PARAGRAPH, BlockKind.HEADING)
        for chapter in chapters
        for block in chapter.blocks
    )
    if not has_text:
        raise StoryError("the file has no story text")
    return tuple(chapters)


# --------------------------------------------------------------------------------------------
# Joining lines
# --------------------------------------------------------------------------------------------

# Scripts written without spaces between words, where a wrapped line joins with no space.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd]"
)


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced editor: CJK characters count twice."""
    return len(text) + len(_WIDE.findall(text))


def soft_join(left: str, right: str) -> str:
    """What stands between two wrapped lines: a space, or nothing between CJK characters."""
    if left and right and _WIDE.match(left[-1]) and _WIDE.match(right[0]):
        return ""
    return " "


# --------------------------------------------------------------------------------------------
# Inline Markdown
# --------------------------------------------------------------------------------------------

# One token of inline Markdown; everything between tokens is literal text. Lengths inside the
# link pattern are bounded so that a stray `](` cannot make the scan run to the end of a huge
# paragraph again and again.
_INLINE_TOKEN = re.compile(
    r"\\([!-/:-@\[-`{-~])"  # 1: backslash escape of ASCII punctuation
    r"|(`+)"  # 2: code span fence
    r"|(\*+|_+|~+)"  # 3: emphasis delimiter run
    r"|(!?\[)"  # 4: link or image text opens
    r"|(\]\((?:[^()\s\\]|\\.|\([^()\s]{0,500}\)){0,2000}"
    r"(?:\s+(?:\"[^\"]{0,500}\"|'[^']{0,500}'))?\s*\))"  # 5: `](url "title")` closes a link
    r"|(\])"  # 6: a bracket that closes no link
    r"|<((?:https?|mailto):[^\s<>]{1,2000})>"  # 7: autolink
    r"|(&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"  # 8: entity
)

_INLINE_SPECIAL = re.compile(r"[\\`*_~!\[\]<&]")


@functools.lru_cache(maxsize=32)
def _code_fence(length: int) -> re.Pattern[str]:
    return re.compile(f"(?<!`)`{{{length}}}(?!`)")


class _Delimiter:
    """A run of `*`, `_` or `~~` that may open or close emphasis."""

    __slots__ = ("can_close", "can_open", "char", "count", "length", "node")

    def __init__(self, char: str, length: int, node: int, can_open: bool, can_close: bool):
        self.char = char
        self.length = length  # the run's original length, for CommonMark's rule of three
        self.count = length  # characters not yet used as markers
        self.node = node
        self.can_open = can_open
        self.can_close = can_close


_STYLES = [Style(value) for value in range(16)]
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _is_punctuation(char: str) -> bool:
    if char < "\x80":
        return char in _ASCII_PUNCTUATION
    return unicodedata.category(char)[0] in "PS"


def _delimiter(run: str, before: str, after: str, node: int) -> _Delimiter | None:
    """The delimiter a run of markers makes, by CommonMark's flanking rules, or None."""
    left = not after.isspace() and (
        not _is_punctuation(after) or before.isspace() or _is_punctuation(before)
    )
    right = not before.isspace() and (
        not _is_punctuation(before) or after.isspace() or _is_punctuation(after)
    )
    if run[0] == "_":
        # `snake_case_name` stays literal: `_` inside a word neither opens nor closes.
        can_open = left and (not right or _is_punctuation(before))
        can_close = right and (not left or _is_punctuation(after))
    else:
        can_open, can_close = left, right
    if not (can_open or can_close):
        return None
    return _Delimiter(run[0], len(run), node, can_open, can_close)


def _match_emphasis(delims: list[_Delimiter]) -> list[tuple[int, int, Style]]:
    """Pair openers with closers (CommonMark's "process emphasis"), as `(open, close, style)`.

    The delimiter stack is a linked list over `delims` and the search for an opener never goes
    below the point where an earlier search for the same kind of closer failed, which keeps
    the whole pass linear.
    """
    n = len(delims)
    prev = list(range(-1, n - 1))
    nxt = list(range(1, n + 1))

    def unlink(k: int) -> None:
        if prev[k] >= 0:
            nxt[prev[k]] = nxt[k]
        if nxt[k] < n:
            prev[nxt[k]] = prev[k]

    spans: list[tuple[int, int, Style]] = []
    bottoms: dict[tuple[str, bool, int], int] = {}
    i = 0
    while i < n:
        closer = delims[i]
        if not closer.can_close:
            i = nxt[i]
            continue
        key = (closer.char, closer.can_open, closer.length % 3)
        bottom = bottoms.get(key, -1)
        j = prev[i]
        while j > bottom:
            opener = delims[j]
            if opener.char == closer.char and opener.can_open:
                # The rule of three: `*foo**bar*` must not pair the `*` with the `**`.
                odd = (
                    closer.char != "~"
                    and (opener.can_close or closer.can_open)
                    and (opener.length + closer.length) % 3 == 0
                    and not (opener.length % 3 == 0 and closer.length % 3 == 0)
                )
                if not odd:
                    break
            j = prev[j]
        if j <= bottom:
            bottoms[key] = prev[i]
            following = nxt[i]
            if not closer.can_open:
                unlink(i)
            i = following
            continue
        opener = delims[j]
        if closer.char == "~":
            used, style = 2, Style.STRIKE
        elif opener.count >= 2 and closer.count >= 2:
            used, style = 2, Style.BOLD
        else:
            used, style = 1, Style.ITALIC
        spans.append((opener.node, closer.node, style))
        k = nxt[j]
        while k != i:  # delimiters inside the span can no longer match anything outside it
            unlink(k)
            k = nxt[k]
        opener.count -= used
        closer.count -= used
        if opener.count == 0:
            unlink(j)
        if closer.count == 0:
            following = nxt[i]
            unlink(i)
            i = following
    return spans


def _code_text(text: str) -> str:
    # CommonMark strips one space on each side so that "`` `x` ``" can show backticks.
    if len(text) > 2 and text[0] == " " and text[-1] == " " and text.strip(" "):
        return text[1:-1]
    return text


def inline_markdown(text: str) -> tuple[Run, ...]:
    """Styled runs from one paragraph of inline Markdown.

    `*x*`/`_x_` italic, `**x**`/`__x__` bold, `***x***` both, `~~x~~` strike, `` `code` ``
    literal, `\\*` a literal asterisk, `[text](url)` and `![alt](url)` their text, `<url>` the
    URL, `&mdash;` and other HTML entities their character. Underscores inside words and
    markers that never close are literal text, following CommonMark's delimiter rules.
    Newlines in `text` are kept as line breaks.
    """
    nodes: list[str | _Delimiter] = []
    delims: list[_Delimiter] = []
    brackets: list[int] = []
    unclosed_code: set[int] = set()  # fence lengths with no closing fence further on
    pos = 0
    size = len(text)
    while pos < size:
        # Finding the next candidate character first lets long plain stretches go by at the
        # speed of a character-class scan.
        special = _INLINE_SPECIAL.search(text, pos)
        if special is None:
            nodes.append(text[pos:])
            break
        start = special.start()
        match = _INLINE_TOKEN.match(text, start)
        if match is None:  # a `!`, `<` or `&` that starts nothing
            nodes.append(text[pos : start + 1])
            pos = start + 1
            continue
        end = match.end()
        if start > pos:
            nodes.append(text[pos:start])
        kind = match.lastindex
        token = match.group(kind or 0)
        if kind == 3:
            before = text[start - 1] if start else " "
            after = text[end] if end < size else " "
            delim = None
            if token[0] != "~" or len(token) == 2:
                delim = _delimiter(token, before, after, len(nodes))
            if delim is None:
                nodes.append(token)
            else:
                nodes.append(delim)
                delims.append(delim)
        elif kind == 1:
            nodes.append(token)
        elif kind == 2:
            fence = None
            if len(token) not in unclosed_code:
                fence = _code_fence(len(token)).search(text, end)
                if fence is None:
                    unclosed_code.add(len(token))
            if fence is None:
                nodes.append(token)
            else:
                nodes.append(_code_text(text[end : fence.start()]))
                end = fence.end()
        elif kind == 4:
            brackets.append(len(nodes))
            nodes.append(token)
        elif kind == 5:
            if brackets:
                nodes[brackets.pop()] = ""
            else:
                nodes.append(token)
        elif kind == 6:
            if brackets:
                brackets.pop()
            nodes.append(token)
        elif kind == 8:
            nodes.append(html.unescape(token))
        else:
            nodes.append(token)
        pos = end

    # Each matched pair styles the nodes strictly between its two delimiters; between two
    # such boundaries every node shares one style, so each stretch becomes one run.
    changes: dict[int, list[tuple[int, int]]] = {}
    for opener, closer, style in _match_emphasis(delims):
        changes.setdefault(opener + 1, []).append((style.value, 1))
        changes.setdefault(closer, []).append((style.value, -1))
    pieces = [node if isinstance(node, str) else node.char * node.count for node in nodes]
    depth = [0] * 16  # open spans per style flag
    current = 0
    runs: list[Run] = []
    last = 0
    for index in sorted(changes):
        if index > last:
            runs.append(Run("".join(pieces[last:index]), _STYLES[current]))
            last = index
        for flag, step in changes[index]:
            depth[flag] += step
            current = current | flag if depth[flag] else current & ~flag
    runs.append(Run("".join(pieces[last:]), _STYLES[current]))
    return normalize(runs)


# A line that starts a list item keeps its own line inside a paragraph.
_LIST_ITEM = re.compile(r"[-+*][ \t]|\d{1,9}[.)][ \t]")


def markdown_runs(lines: Sequence[str]) -> tuple[Run, ...]:
    """Styled runs of one Markdown paragraph given as its source lines.

    Lines join with a space (nothing between CJK characters). A line ending in two spaces or
    a backslash, and a line that starts a list item, begin a new line (`"\\n"`) instead.
    """
    kept = [raw for raw in lines if raw.strip(" \t")]
    parts: list[str] = []
    for index, raw in enumerate(kept):
        line = raw.strip(" \t")
        if index + 1 == len(kept):
            # A break marker on the last line has nothing to break before: it is literal.
            parts.append(line)
            break
        following = kept[index + 1].strip(" \t")
        hard = raw.endswith("  ")
        if (len(line) - len(line.rstrip("\\"))) % 2:
            hard, line = True, line[:-1]
        separator = "\n" if hard or _LIST_ITEM.match(following) else soft_join(line, following)
        parts += (line, separator)
    return inline_markdown("".join(parts))


# --------------------------------------------------------------------------------------------
# Metadata from a mapping (Markdown front matter, TOML sidecars)
# --------------------------------------------------------------------------------------------

_TEXT_KEYS = ("title", "author", "rating", "language", "url", "published", "updated", "completed")
_LIST_KEYS = ("warnings", "categories", "fandoms", "relationships", "characters", "tags", "series")
_BLOCK_KEYS = ("summary", "notes", "end_notes")
_ALIASES = {
    "authors": "author",
    "warning": "warnings",
    "archive_warning": "warnings",
    "archive_warnings": "warnings",
    "category": "categories",
    "fandom": "fandoms",
    "relationship": "relationships",
    "character": "characters",
    "tag": "tags",
    "additional_tags": "tags",
    "end_note": "end_notes",
}
_DATE_KEYS = ("published", "updated", "completed")
_PARAGRAPH_GAP = re.compile(r"\n[ \t]*\n")


def _describe(value: object) -> str:
    if value is True or value is False:
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, Mapping):
        return "a table of keys"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date | datetime.time):
        return f"a date ({value.isoformat()})"
    return f"a {type(value).__name__}"


def _scalar_text(value: object) -> str | None:
    """Text from a scalar; numbers and dates count (`title: 1984`), true/false does not."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return None


def _list_items(value: object, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        # AO3 tags cannot contain commas, so a comma always separates two of them. A series
        # name can, and one string is one series.
        parts = [value] if key == "series" else value.split(",")
        return tuple(part.strip() for part in parts if part.strip())
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            text = _scalar_text(item)
            if text is None:
                raise StoryError(f"{where}: {key!r} should hold text items, not {_describe(item)}")
            if text:
                items.append(text)
        return tuple(items)
    raise StoryError(
        f"{where}: {key!r} should be a list or a comma-separated text, not {_describe(value)}"
    )


def _paragraphs(value: object, key: str, where: str) -> tuple[Block, ...]:
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, list | tuple):
        texts = []
        for item in value:
            if not isinstance(item, str):
                raise StoryError(
                    f"{where}: {key!r} paragraphs should be text, not {_describe(item)}"
                )
            texts.append(item)
    else:
        raise StoryError(
            f"{where}: {key!r} should be text or a list of paragraphs, not {_describe(value)}"
        )
    blocks = []
    for text in texts:
        for chunk in _PARAGRAPH_GAP.split(clean(text.replace("\r\n", "\n")).strip()):
            runs = markdown_runs(chunk.split("\n"))
            if runs:
                blocks.append(Block(BlockKind.PARAGRAPH, runs))
    return tuple(blocks)


def metadata_from_mapping(
    mapping: Mapping,
    *,
    fallback_title: str,
    where: str,
    warnings: list[str] | None = None,
) -> Metadata:
    """Story metadata from a mapping such as Markdown front matter or a TOML sidecar.

    Keys (case-insensitive, `-` or space may stand for `_`, singular forms accepted):
    `title`, `author` (text, or a list of co-authors), `rating` (any spelling
    `bot.ratings.read_rating` places; one it cannot is noted and read as Explicit),
    `warnings`, `categories`, `fandoms`, `relationships`,
    `characters`, `tags`, `series` (lists; one text is split on commas, except `series`,
    where one text is one series), `summary`, `notes`, `end_notes` (text with inline Markdown,
    paragraphs separated by blank lines, or a list of paragraphs), `language`, `url`
    (http or https), `published`, `updated`, `completed` (dates or text).

    A value of the wrong type raises `StoryError` naming `where`, the key and what was
    expected. Unknown keys are ignored; they, and a URL that is not a web address, are noted
    in `warnings` when a list is given.
    """
    notes = warnings if warnings is not None else []
    values: dict[str, object] = {}
    given: dict[str, str] = {}
    for raw_key, value in mapping.items():
        key = str(raw_key).strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key not in (*_TEXT_KEYS, *_LIST_KEYS, *_BLOCK_KEYS):
            notes.append(f"{where}: unknown key {raw_key!r} ignored")
            continue
        if key in given:
            raise StoryError(f"{where}: {given[key]!r} and {raw_key!r} both give {key!r}")
        given[key] = str(raw_key)
        if value is None:
            continue
        if key in _LIST_KEYS:
            values[key] = _list_items(value, key, where)
        elif key in _BLOCK_KEYS:
            values[key] = _paragraphs(value, key, where)
        elif key == "author" and isinstance(value, list | tuple):
            values[key] = ", ".join(_list_items(value, key, where))
        else:
            text = _scalar_text(value)
            if text is None:
                expected = "a date or text" if key in _DATE_KEYS else "text"
                raise StoryError(f"{where}: {key!r} should be {expected}, not {_describe(value)}")
            values[key] = text

    if "rating" in values:
        values["rating"] = rating_field(str(values["rating"]), notes, where=where)
    url = values.get("url")
    if url and not re.match(r"https?://\S+$", str(url)):
        notes.append(f"{where}: 'url' is not a web address and was ignored")
        del values["url"]
    values["title"] = values.get("title") or fallback_title
    return Metadata(**values)  # type: ignore[arg-type]
