"""Inline Markdown: emphasis, code, links, footnote references and raw HTML in a paragraph.

`inline_markdown` turns one paragraph's Markdown into styled runs following CommonMark's
delimiter rules, in time linear in its length whatever the input; `markdown_runs` does the
same for a paragraph given as source lines; `split_paragraphs` cuts runs where block-level
HTML put a paragraph break inside them.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import unicodedata
from collections.abc import Callable, Sequence

from bot.parsers.common import soft_join
from bot.text.markup import slice_runs
from bot.text.story import SCENE_BREAK, Run, Style

# Every HTML element name, current and obsolete. Markdown passes raw HTML through to the page,
# where a browser hides the tags. Only these names, and custom elements (whose names hold a
# hyphen), are read as tags: a `<Name>` that is no element, such as a chat log's `<Ann> hi`,
# was meant as text.
HTML_ELEMENTS = frozenset(
    (
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base",
        "basefont", "bdi", "bdo", "big", "blink", "blockquote", "body", "br", "button", "canvas",
        "caption", "center", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del",
        "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed", "fieldset",
        "figcaption", "figure", "font", "footer", "form", "frame", "frameset", "h1", "h2", "h3",
        "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i", "iframe", "img",
        "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark", "marquee",
        "math", "menu", "menuitem", "meta", "meter", "nav", "nobr", "noembed", "noframes",
        "noscript", "object", "ol", "optgroup", "option", "output", "p", "param", "picture",
        "plaintext", "pre", "progress", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp",
        "script", "search", "section", "select", "slot", "small", "source", "span", "strike",
        "strong", "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template",
        "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul",
        "var", "video", "wbr", "xmp",
    )
)  # fmt: skip

# A pandoc attribute block, `{#id .class key="value"}` (also `{-}` and a raw `{=html}`): it
# follows headings, links, images, spans and code, and is never shown.
ATTRIBUTES = (
    r"\{[ \t]*+(?:(?:[#.][\w:.\-]++|[A-Za-z_][\w:.\-]*+="
    r"(?:\"[^\"\n]{0,500}+\"|'[^'\n]{0,500}+'|[^\s\"'{}]{1,500}+)|=[A-Za-z][\w\-]*+|-)"
    r"[ \t]*+){1,30}+\}"
)
_ATTRIBUTES = re.compile(ATTRIBUTES)

# Where inline markup may start; a run of delimiters or backticks is found whole. Starting
# with a character class lets the search skip plain text quickly, as an alternation cannot.
_INLINE_SPECIAL = re.compile(r"([\\`*_~!\[\]<&])(?:(?<=[*_~`])\1*+)?")
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_BACKTICKS = re.compile(r"`+")
# `](url "title")` closes a link. Lengths are bounded and the quantifiers possessive, so a
# stray `](` never makes the scan run to the end of a huge paragraph again and again.
_LINK_END = re.compile(
    r"\]\((?:[^()\s\\]|\\.|\([^()\s]{0,500}+\)){0,2000}+"
    r"(?:\s++(?:\"[^\"]{0,500}+\"|'[^']{0,500}+'))?+\s*+\)"
)
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]{1,200}+)\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^\s<>]{1,2000}+)>")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# CommonMark's open and closing tags. Bounded and possessive, like the link pattern, so that
# a `<` that opens no tag costs a short scan however much text follows it.
HTML_TAG = re.compile(
    r"<(?:([A-Za-z][A-Za-z0-9\-]{0,40}+)"  # 1: an open tag's name
    r"(?:[ \t\n]++[A-Za-z_:][A-Za-z0-9_.:\-]{0,100}+(?:[ \t\n]*+=[ \t\n]*+"
    r"(?:[^\s\"'=<>`]{1,2000}+|'[^']{0,2000}+'|\"[^\"]{0,2000}+\"))?+){0,100}+"
    r"[ \t\n]*+(/?)>"  # 2: a self-closing slash
    r"|/([A-Za-z][A-Za-z0-9\-]{0,40}+)[ \t\n]*+>)"  # 3: a closing tag's name
)
# The other raw HTML CommonMark passes through, none of it shown: what opens each and what
# closes it.
_HIDDEN_HTML = (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>"), ("<!", ">"))

_ITALIC_BIT, _BOLD_BIT = int(Style.ITALIC), int(Style.BOLD)
_UNDERLINE_BIT, _STRIKE_BIT = int(Style.UNDERLINE), int(Style.STRIKE)
_TAG_STYLES = {
    "i": _ITALIC_BIT,
    "em": _ITALIC_BIT,
    "cite": _ITALIC_BIT,
    "var": _ITALIC_BIT,
    "dfn": _ITALIC_BIT,
    "b": _BOLD_BIT,
    "strong": _BOLD_BIT,
    "u": _UNDERLINE_BIT,
    "ins": _UNDERLINE_BIT,
    "s": _STRIKE_BIT,
    "strike": _STRIKE_BIT,
    "del": _STRIKE_BIT,
}
# Elements a browser lays out as blocks: inside a paragraph they start a new one.
_BLOCK_ELEMENTS = frozenset(
    (
        "address", "article", "aside", "blockquote", "caption", "center", "dd", "details",
        "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "legend", "li", "main", "menu",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    )
)  # fmt: skip
# What a line break, a rule and block elements put in a paragraph.
_BREAKS = {
    "br": ("\n",),
    "hr": ("\n\n", SCENE_BREAK, "\n\n"),
    **{name: ("\n\n",) for name in _BLOCK_ELEMENTS},
}
# Elements whose content a reader never sees as text.
_HIDDEN_ELEMENTS = frozenset(
    ("script", "style", "template", "noscript", "title", "textarea", "rt", "rp", "svg", "math")
)

_STYLES = [Style(value) for value in range(16)]

# CommonMark's flanking rules look at the characters on either side of a delimiter run, as
# one of three classes: whitespace, punctuation, anything else.
_SPACE_CLASS, _PUNCT_CLASS, _OTHER_CLASS = 0, 1, 2
_ASCII_CLASSES = [
    _SPACE_CLASS
    if chr(code) in " \t\n\r\f\v"
    else _PUNCT_CLASS
    if chr(code) in _ESCAPABLE
    else _OTHER_CLASS
    for code in range(128)
]
_OPENS, _CLOSES = 1, 2


@functools.lru_cache(maxsize=4096)
def _wide_class(char: str) -> int:
    if char.isspace():
        return _SPACE_CLASS
    return _PUNCT_CLASS if unicodedata.category(char)[0] in "PS" else _OTHER_CLASS


def _flanking(before: int, after: int, underscore: bool) -> int:
    """Whether a run between characters of these classes can open and close emphasis."""
    left = after != _SPACE_CLASS and (after != _PUNCT_CLASS or before != _OTHER_CLASS)
    right = before != _SPACE_CLASS and (before != _PUNCT_CLASS or after != _OTHER_CLASS)
    if underscore:
        # `snake_case_name` stays literal: `_` inside a word neither opens nor closes.
        can_open = left and (not right or before == _PUNCT_CLASS)
        can_close = right and (not left or after == _PUNCT_CLASS)
    else:
        can_open, can_close = left, right
    return (_OPENS if can_open else 0) | (_CLOSES if can_close else 0)


# Indexed by `before * 3 + after`.
_FLANK = [_flanking(b, a, False) for b in range(3) for a in range(3)]
_FLANK_UNDERSCORE = [_flanking(b, a, True) for b in range(3) for a in range(3)]


def _match_emphasis(
    chars: list[str], lengths: list[int], flags: list[int]
) -> tuple[list[tuple[int, int, int]], list[int]]:
    """Pair openers with closers (CommonMark's "process emphasis").

    Returns the pairs as `(opener, closer, style)` indexes into the delimiter lists, and how
    many characters of each delimiter run are left over as literal text. The delimiter stack
    is a linked list and the search for an opener never goes below the point where an
    earlier search for the same kind of closer failed, which keeps the whole pass linear.
    """
    n = len(chars)
    counts = list(lengths)
    prev = list(range(-1, n - 1))
    nxt = list(range(1, n + 1))

    def unlink(k: int) -> None:
        if prev[k] >= 0:
            nxt[prev[k]] = nxt[k]
        if nxt[k] < n:
            prev[nxt[k]] = prev[k]

    spans: list[tuple[int, int, int]] = []
    bottoms: dict[tuple[str, int, int], int] = {}
    i = 0
    while i < n:
        closer_flags = flags[i]
        if not closer_flags & _CLOSES:
            i = nxt[i]
            continue
        char, length = chars[i], lengths[i]
        key = (char, closer_flags & _OPENS, length % 3)
        bottom = bottoms.get(key, -1)
        j = prev[i]
        while j > bottom:
            if chars[j] == char and flags[j] & _OPENS:
                # The rule of three: `*foo**bar*` must not pair the `*` with the `**`.
                odd = (
                    char != "~"
                    and (flags[j] & _CLOSES or closer_flags & _OPENS)
                    and (lengths[j] + length) % 3 == 0
                    and not (lengths[j] % 3 == 0 and length % 3 == 0)
                )
                if not odd:
                    break
            j = prev[j]
        if j <= bottom:
            bottoms[key] = prev[i]
            following = nxt[i]
            if not closer_flags & _OPENS:
                unlink(i)
            i = following
            continue
        if char == "~":
            used, style = 2, _STRIKE_BIT
        elif counts[j] >= 2 and counts[i] >= 2:
            used, style = 2, _BOLD_BIT
        else:
            used, style = 1, _ITALIC_BIT
        spans.append((j, i, style))
        k = nxt[j]
        while k != i:  # delimiters inside the span can no longer match anything outside it
            unlink(k)
            k = nxt[k]
        counts[j] -= used
        counts[i] -= used
        if counts[j] == 0:
            unlink(j)
        if counts[i] == 0:
            following = nxt[i]
            unlink(i)
            i = following
    return spans, counts


def _code_text(text: str) -> str:
    # CommonMark strips one space on each side so that "`` `x` ``" can show backticks.
    if len(text) > 2 and text[0] == " " and text[-1] == " " and text.strip(" "):
        return text[1:-1]
    return text


def _tidy_lines(pieces: list[str]) -> None:
    """Lay out the line and paragraph breaks that tags gave, in place.

    Spaces beside a break go, as in a browser; two breaks in a row make a paragraph break;
    breaks before the first text and after the last go.
    """
    newlines = 0
    blanks: list[int] = []  # whitespace pieces since the last visible one
    last = -1  # the last visible piece
    for index, piece in enumerate(pieces):
        if not piece:
            continue
        if not piece.strip(" \t\n"):
            newlines += piece.count("\n")
            blanks.append(index)
            continue
        if newlines:
            for blank in blanks:
                pieces[blank] = ""
            piece = piece.lstrip(" \t")
            if last >= 0:
                pieces[last] = pieces[last].rstrip(" \t")
                piece = ("\n\n" if newlines > 1 else "\n") + piece
            pieces[index] = piece
            newlines = 0
        blanks.clear()
        last = index
    if newlines:
        for blank in blanks:
            pieces[blank] = ""
        if last >= 0:
            pieces[last] = pieces[last].rstrip(" \t")


def inline_markdown(
    text: str, footnote: Callable[[str], str | None] | None = None
) -> tuple[Run, ...]:
    """Styled runs from one paragraph of inline Markdown.

    `*x*`/`_x_` italic, `**x**`/`__x__` bold, `***x***` both, `~~x~~` strike, `` `code` ``
    literal, `\\*` a literal asterisk, `[text](url)`, `![alt](url)` and pandoc's bracketed
    spans `[text]{.class}` their text, `<url>` the URL, `&mdash;` and other HTML entities
    their character. Underscores inside words and markers that never close are literal text,
    following CommonMark's delimiter rules. Pandoc attribute blocks `{#id .class}` after a
    link, span or code span are not shown.

    Raw HTML reads as a browser shows it: `<em>`/`<i>` italic, `<strong>`/`<b>` bold,
    `<u>`, `<s>`/`<del>` their styles, `<br>` a line break, block elements (`<p>`, `<div>`,
    `<li>`…) a paragraph break (`"\\n\\n"`), `<hr>` a scene-break mark between paragraph
    breaks; other tags, comments and the content of `<script>`/`<style>` are not shown. A
    `<` that starts no tag (`a < b`, `<3`) is text.

    `footnote`, when given, turns the label of a reference `[^label]` into the marker shown
    in its place, or None when there is no such note, which leaves the reference as written.
    Newlines in `text` are kept as line breaks.
    """
    search = _INLINE_SPECIAL.search
    if search(text) is None:  # most paragraphs of most stories
        return (Run(text),) if text else ()
    nodes: list[str] = []
    append = nodes.append
    # Delimiter runs that may open or close emphasis: (node, character, length, flags).
    delimiters: list[tuple[int, str, int, int]] = []
    brackets: list[int] = []  # nodes of `[` and `![` not yet closed
    tags: dict[str, list[int]] = {}  # nodes of styled HTML tags not yet closed, by name
    html_spans: list[tuple[int, int, int]] = []  # (open node, close node, style)
    breaks = False  # whether a tag gave a line or paragraph break
    code_runs: dict[int, list[int]] | None = None  # backtick runs by length, when needed
    unclosed: set[str] = set()  # openers of hidden HTML with no end further on
    gap_start = gap_end = 0  # where the latest stretch of constructs that show nothing lies
    pos = 0
    size = len(text)
    while pos < size:
        # Finding the next candidate character first lets long plain stretches go by at the
        # speed of a character-class scan.
        special = search(text, pos)
        if special is None:
            append(text[pos:])
            break
        start = special.start()
        if start > pos:
            append(text[pos:start])
        char = text[start]
        end = special.end()
        if char == "*" or char == "_" or char == "~":
            if char != "~" or end - start == 2:
                before = text[start - 1] if start else " "
                after = text[end] if end < size else " "
                cb = _ASCII_CLASSES[ord(before)] if before < "\x80" else _wide_class(before)
                ca = _ASCII_CLASSES[ord(after)] if after < "\x80" else _wide_class(after)
                flags = (_FLANK_UNDERSCORE if char == "_" else _FLANK)[cb * 3 + ca]
                if flags:
                    delimiters.append((len(nodes), char, end - start, flags))
            append(special.group())
        elif char == "\\":
            escaped = text[end : end + 1]
            if escaped and escaped in _ESCAPABLE:
                append(escaped)
                end += 1
            else:
                append("\\")
        elif char == "`":
            length = end - start
            if code_runs is None:
                code_runs = {}
                for run in _BACKTICKS.finditer(text):
                    code_runs.setdefault(run.end() - run.start(), []).append(run.start())
            closers = code_runs.get(length, ())
            k = bisect.bisect_left(closers, end)
            if k < len(closers):
                append(_code_text(text[end : closers[k]]))
                end = closers[k] + length
                if attributes := _ATTRIBUTES.match(text, end):
                    end = attributes.end()
            else:
                append(text[start:end])
        elif char == "[":
            reference = _FOOTNOTE_REF.match(text, start) if footnote else None
            marker = footnote(reference[1]) if reference and footnote else None
            if marker is not None:
                append(marker)
                end = reference.end()  # type: ignore[union-attr]
            else:
                brackets.append(len(nodes))
                append("[")
        elif char == "!":
            if text.startswith("[", end):
                brackets.append(len(nodes))
                append("![")
                end += 1
            else:
                append("!")
        elif char == "]":
            if link := _LINK_END.match(text, start):
                end = link.end()
                if brackets:
                    nodes[brackets.pop()] = ""
                    if attributes := _ATTRIBUTES.match(text, end):
                        end = attributes.end()
                else:
                    append(link.group())
            elif brackets and (attributes := _ATTRIBUTES.match(text, end)):
                nodes[brackets.pop()] = ""  # a bracketed span: its text alone shows
                end = attributes.end()
            else:
                if brackets:
                    brackets.pop()
                append("]")
        elif char == "<":
            silent = True  # whether the construct leaves nothing in the text
            if autolink := _AUTOLINK.match(text, start):
                append(autolink[1])
                end = autolink.end()
                silent = False
            elif (tag := HTML_TAG.match(text, start)) and (
                (name := (tag[1] or tag[3]).lower()) in HTML_ELEMENTS or "-" in name
            ):
                end = tag.end()
                style = _TAG_STYLES.get(name)
                if style:
                    if tag[3] is None:
                        tags.setdefault(name, []).append(len(nodes))
                    elif tags.get(name):
                        html_spans.append((tags[name].pop(), len(nodes), style))
                    append("")
                elif name in _BREAKS:
                    nodes += _BREAKS[name]
                    breaks = True
                    silent = False
                else:
                    if name in _HIDDEN_ELEMENTS and tag[1] and not tag[2]:
                        end = _element_end(text, end, name, unclosed)
                    append("")
            elif hidden := _hidden_html_end(text, start, unclosed):
                append("")
                end = hidden
            else:
                append("<")
                silent = False
            if silent:
                # "a <!-- note --> b" shows one space, as the browser collapses the two.
                if gap_end != start:
                    gap_start = start
                if gap_start and text[gap_start - 1] == " ":
                    while end < size and text[end] == " ":
                        end += 1
                gap_end = end
        else:  # "&"
            if entity := _ENTITY.match(text, start):
                append(html.unescape(entity.group()))
                end = entity.end()
            else:
                append("&")
        pos = end

    # Each matched pair styles the nodes strictly between its two delimiters; between two
    # such boundaries every node shares one style, so each stretch becomes one run.
    changes: dict[int, list[tuple[int, int]]] = {}
    if delimiters:
        d_nodes, d_chars, d_lengths, d_flags = map(list, zip(*delimiters, strict=True))
        pairs, counts = _match_emphasis(d_chars, d_lengths, d_flags)
        for opener, closer, style in pairs:
            changes.setdefault(d_nodes[opener] + 1, []).append((style, 1))
            changes.setdefault(d_nodes[closer], []).append((style, -1))
        for k, count in enumerate(counts):
            if count != d_lengths[k]:
                nodes[d_nodes[k]] = d_chars[k] * count
    for opener, closer, style in html_spans:
        changes.setdefault(opener + 1, []).append((style, 1))
        changes.setdefault(closer, []).append((style, -1))
    for name, opened in tags.items():
        # A tag left open styles the rest of the paragraph, as in a browser.
        for opener in opened:
            style = _TAG_STYLES[name]
            changes.setdefault(opener + 1, []).append((style, 1))
    if breaks:
        _tidy_lines(nodes)
    # Stretches of one style are gathered before a run is made of them: merging runs one by
    # one would copy the text again at every change that leaves the style as it was.
    depth = [0] * 16  # open spans per style flag
    current = 0
    runs: list[Run] = []
    texts: list[str] = []
    style = 0  # the style of `texts`
    last = 0
    for index in (*sorted(changes), len(nodes)):
        if index > last:
            chunk = "".join(nodes[last:index])
            if chunk:
                if current != style and texts:
                    runs.append(Run("".join(texts), _STYLES[style]))
                    texts = []
                style = current
                texts.append(chunk)
            last = index
        for flag, step in changes.get(index, ()):
            depth[flag] += step
            current = current | flag if depth[flag] else current & ~flag
    if texts:
        runs.append(Run("".join(texts), _STYLES[style]))
    return tuple(runs)


@functools.lru_cache(maxsize=32)
def _closing_tag(name: str) -> re.Pattern[str]:
    return re.compile(f"</{name}[ \t\n]*>", re.IGNORECASE)


def _element_end(text: str, start: int, name: str, unclosed: set[str]) -> int:
    """Where an element whose content is hidden ends: after its closing tag, if it has one.

    `unclosed` remembers the names found with no closing tag, so that a flood of them is
    searched for once, not once each.
    """
    if name in unclosed:
        return start
    close = _closing_tag(name).search(text, start)
    if close is None:
        unclosed.add(name)
        return start
    return close.end()


def _hidden_html_end(text: str, start: int, unclosed: set[str]) -> int:
    """Where the comment, processing instruction, declaration or CDATA section at `start`
    ends; 0 if none starts there, or it never ends."""
    if text.startswith("<!--", start):
        if text.startswith(">", start + 4):
            return start + 5
        if text.startswith("->", start + 4):
            return start + 6
    opener, closer = next(
        ((o, c) for o, c in _HIDDEN_HTML if text.startswith(o, start)), ("", "")
    )
    if not opener:
        return 0
    if opener == "<!":
        letter = text[start + 2 : start + 3]
        if not (letter.isascii() and letter.isalpha()):
            return 0
    if opener in unclosed:
        return 0
    found = text.find(closer, start + len(opener))
    if found < 0:
        unclosed.add(opener)
        return 0
    return found + len(closer)


# A line that starts a list item keeps its own line inside a paragraph.
_LIST_ITEM = re.compile(r"[-+*][ \t]|\d{1,9}[.)][ \t]")
_TAGS_AT_END = re.compile(r"(?:<[^<>]{1,200}+>)++$")
_TAGS_AT_START = re.compile(r"^(?:<[^<>]{1,200}+>)++")


def markdown_runs(
    lines: Sequence[str], footnote: Callable[[str], str | None] | None = None
) -> tuple[Run, ...]:
    """Styled runs of one Markdown paragraph given as its source lines.

    Lines join with a space (nothing between CJK characters). A line ending in two spaces or
    a backslash, and a line that starts a list item, begin a new line (`"\\n"`) instead.
    Inline markup, and `footnote`, are `inline_markdown`'s.
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
        if hard or _LIST_ITEM.match(following):
            separator = "\n"
        else:
            # Tags at the join show nothing, so the text on either side of them decides.
            left = _TAGS_AT_END.sub("", line) if line.endswith(">") else line
            right = _TAGS_AT_START.sub("", following) if following[0] == "<" else following
            separator = soft_join(left, right)
        parts += (line, separator)
    return inline_markdown("".join(parts), footnote)


def split_paragraphs(runs: tuple[Run, ...]) -> list[tuple[tuple[Run, ...], str]]:
    """Runs, and their text, split at the paragraph breaks (`"\\n\\n"`) that block-level
    HTML tags put in them."""
    plain = runs[0].text if len(runs) == 1 else "".join(run.text for run in runs)
    if "\n\n" not in plain:
        return [(runs, plain)] if plain else []
    pieces = []
    start = 0
    for end in (*(m.start() for m in re.finditer("\n\n", plain)), len(plain)):
        if end > start:
            pieces.append((slice_runs(runs, start, end), plain[start:end]))
        start = end + 2
    return pieces
