"""Inline Markdown: emphasis, code, links, footnote references and raw HTML in a paragraph.

`inline_markdown` turns one paragraph's Markdown into styled runs following CommonMark's
delimiter rules (`bot.parsers.markdown_emphasis`), with raw HTML read as a browser shows it
(`bot.parsers.markdown_html`), in time linear in its length whatever the input;
`markdown_runs` does the same for a paragraph given as source lines; `split_paragraphs` cuts
runs where block-level HTML put a paragraph break inside them.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Sequence

from bot.parsers.common import soft_join
from bot.parsers.markdown_emphasis import (
    ASCII_CLASSES,
    ESCAPABLE,
    FLANK,
    FLANK_UNDERSCORE,
    match_emphasis,
    wide_class,
)
from bot.parsers.markdown_html import (
    BREAKS,
    HIDDEN_ELEMENTS,
    HTML_ELEMENTS,
    HTML_TAG,
    TAG_STYLES,
    element_end,
    hidden_html_end,
)
from bot.text.markup import slice_runs
from bot.text.story import Run, Style

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

_STYLES = [Style(value) for value in range(16)]


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
                cb = ASCII_CLASSES[ord(before)] if before < "\x80" else wide_class(before)
                ca = ASCII_CLASSES[ord(after)] if after < "\x80" else wide_class(after)
                flags = (FLANK_UNDERSCORE if char == "_" else FLANK)[cb * 3 + ca]
                if flags:
                    delimiters.append((len(nodes), char, end - start, flags))
            append(special.group())
        elif char == "\\":
            escaped = text[end : end + 1]
            if escaped and escaped in ESCAPABLE:
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
                style = TAG_STYLES.get(name)
                if style:
                    if tag[3] is None:
                        tags.setdefault(name, []).append(len(nodes))
                    elif tags.get(name):
                        html_spans.append((tags[name].pop(), len(nodes), style))
                    append("")
                elif name in BREAKS:
                    nodes += BREAKS[name]
                    breaks = True
                    silent = False
                else:
                    if name in HIDDEN_ELEMENTS and tag[1] and not tag[2]:
                        end = element_end(text, end, name, unclosed)
                    append("")
            elif hidden := hidden_html_end(text, start, unclosed):
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
        pairs, counts = match_emphasis(d_chars, d_lengths, d_flags)
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
            style = TAG_STYLES[name]
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
