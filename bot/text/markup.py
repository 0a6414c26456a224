"""Story runs to Discord markdown.

Discord reads `* _ ~ ` | \\ >` and a few line openings as markdown. Story text is literal, so
every such character that came from the text is escaped, and formatting that came from the
source (HTML `<em>`, Markdown `*x*`) becomes markers that always close within the rendered
string. Rendering a slice of a paragraph therefore never leaves a span open: the caller slices
runs, this module renders whatever it is given as a balanced whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.text.story import SCENE_BREAK, Block, BlockKind, Run, Style

# Characters Discord treats as inline markdown anywhere in a line; the backslash goes first
# so the escapes added for the others are not escaped again.
_INLINE = "\\*_~`|<"
# Line openings Discord turns into quotes, headings, subtext or list items.
_LINE_START = re.compile(r"(?m)^([ \t]*)(>|#{1,3}(?=[ \t])|[-+](?=[ \t#])|\d+(?=\.[ \t]))")
# `@everyone` and `@here` show as mention badges even when they ping nobody; `\@` is
# Discord's own way of writing them as plain words.
_EVERYONE = re.compile(r"@(?=everyone|here)")

_LINE_OPENERS = frozenset(" \t>#-+0123456789")

_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")

# Outer to inner: Discord documents `__***text***__` as underline, bold and italics together.
_ORDER = (Style.UNDERLINE, Style.STRIKE, Style.BOLD, Style.ITALIC)


def escape(text: str, *, line_start: bool = True) -> str:
    """Escape characters Discord would read as markdown.

    Neutralised: emphasis, code, spoilers and strike (`* _ ~ ` |`), the backslash itself,
    everything Discord writes in angle brackets (user, role and channel mentions,
    timestamps, custom emoji, `<url>`), masked links `[text](url)`, `@everyone` and
    `@here`, and, where `line_start` says `text` begins a line, quotes, headings, subtext
    and list items. A bare `https://` link stays a link: it shows where it goes.
    """
    for char in _INLINE:
        if char in text:
            text = text.replace(char, "\\" + char)
    # Masked links `[text](url)`: breaking the `](` pair is enough.
    if "](" in text:
        text = text.replace("](", "]\\(")
    if "@" in text:
        text = _EVERYONE.sub(r"\\@", text)
    if "\n" not in text and not line_start:
        return text

    def protect(match: re.Match[str]) -> str:
        if match.start() == 0 and not line_start:
            return match.group(0)
        lead, mark = match.group(1), match.group(2)
        if mark[0].isdigit():
            return f"{lead}{mark}\\"  # `1\.` is a literal "1."
        return f"{lead}\\{mark}"

    text = _LINE_START.sub(protect, text)
    return text


def rendered_length(block: Block) -> int:
    """`len(render_block(block))`, without building the string for plain paragraphs."""
    text = block.unstyled
    if block.kind is not BlockKind.PARAGRAPH or text is None:
        return len(render_block(block))
    extra = sum(text.count(char) for char in _INLINE) + text.count("](")
    if "@" in text:
        extra += text.count("@everyone") + text.count("@here")
    if "\n" in text or text[:1] in _LINE_OPENERS:
        extra += sum(1 for _ in _LINE_START.finditer(text))
    return len(text) + extra


def normalize(runs: Iterable[Run]) -> tuple[Run, ...]:
    """Merge neighbouring runs of one style and drop empty runs."""
    # Pieces are joined once per merged run: adding strings one by one would be quadratic
    # in a paragraph of many small runs of one style.
    out: list[Run] = []
    pieces: list[str] = []
    style = None
    for run in runs:
        if not run.text:
            continue
        if run.style != style and pieces:
            out.append(Run("".join(pieces), style))
            pieces = []
        style = run.style
        pieces.append(run.text)
    if pieces:
        out.append(Run("".join(pieces), style))
    return tuple(out)


def slice_runs(runs: Sequence[Run], start: int, end: int) -> tuple[Run, ...]:
    """The runs covering plain-text offsets [start, end) of `runs`."""
    out: list[Run] = []
    pos = 0
    for run in runs:
        run_end = pos + len(run.text)
        if run_end > start and pos < end:
            out.append(Run(run.text[max(start - pos, 0) : end - pos], run.style))
        if run_end >= end:
            break
        pos = run_end
    return tuple(out)


_ITALIC, _BOLD = int(Style.ITALIC), int(Style.BOLD)
_UNDERLINE, _STRIKE = int(Style.UNDERLINE), int(Style.STRIKE)
_ORDER_INT = (_UNDERLINE, _STRIKE, _BOLD, _ITALIC)
_MARKERS_INT = {_UNDERLINE: "__", _STRIKE: "~~", _BOLD: "**"}

# Runs inside the renderer are (text, style) pairs with int styles: enum arithmetic costs
# more than the rest of rendering put together.
_Span = tuple[str, int]


def _detach_spaces(runs: list[_Span]) -> list[_Span]:
    """Move whitespace at the edges of styled runs outside the markers.

    `*word *` is not italics in Discord; `*word* ` is. The moved whitespace takes only the
    styles it shares with its neighbour, so it never opens a span of its own.
    """
    out: list[_Span] = []
    last = len(runs) - 1

    def add(text: str, style: int) -> None:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))

    for i, (text, style) in enumerate(runs):
        if not style or (not text[0].isspace() and not text[-1].isspace()):
            add(text, style)
            continue
        prev_style = runs[i - 1][1] if i else 0
        next_style = runs[i + 1][1] if i < last else 0
        core = text.strip()
        if not core:
            # Styled whitespace keeps a style only where the text on both sides has it.
            add(text, style & prev_style & next_style)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        if lead:
            add(lead, style & prev_style)
        add(core, style)
        if trail:
            add(trail, style & next_style)
    return out


def _reach(spans: list[_Span]) -> list[list[int]]:
    """For each style and run, the index of the last run its span reaches."""
    reach = [[0] * len(spans) for _ in _ORDER_INT]
    for k, style in enumerate(_ORDER_INT):
        row = reach[k]
        for i in range(len(spans) - 1, -1, -1):
            if spans[i][1] & style:
                row[i] = row[i + 1] if i + 1 < len(spans) and spans[i + 1][1] & style else i
    return reach


def render_runs(runs: Sequence[Run], *, extra: Style = Style.NONE) -> str:
    """Render runs as Discord markdown with every span closed at the end."""
    extra_bits = int(extra)
    if not extra_bits and all(not run.style for run in runs):
        return escape("".join(run.text for run in runs))
    spans = _detach_spaces([(run.text, int(run.style) | extra_bits) for run in runs if run.text])
    # The longer-lasting style is opened outside the shorter one, so ending the short one
    # does not close and reopen the other.
    reach = _reach(spans)
    parts: list[str] = []
    italics: list[int] = []  # indexes in `parts` of italic markers, open and close in turn
    stack: list[int] = []
    open_now = 0
    line_start = True
    for index, (text, wanted) in enumerate(spans):
        if open_now & ~wanted:
            # Close from the top of the stack down to the deepest style that must end.
            depth = next(d for d, style in enumerate(stack) if not wanted & style)
            while len(stack) > depth:
                style = stack.pop()
                open_now &= ~style
                _emit_marker(parts, italics, style)
        if wanted & ~open_now:
            opening = sorted(
                (-reach[k][index], k, style)
                for k, style in enumerate(_ORDER_INT)
                if wanted & style and not open_now & style
            )
            for _, _, style in opening:
                stack.append(style)
                open_now |= style
                _emit_marker(parts, italics, style)
        parts.append(escape(text, line_start=line_start))
        line_start = text.endswith("\n")
    while stack:
        _emit_marker(parts, italics, stack.pop())
    _choose_italic_markers(parts, italics)
    return "".join(parts)


def _emit_marker(parts: list[str], italics: list[int], style: int) -> None:
    if style == _ITALIC:
        italics.append(len(parts))
        parts.append("")  # chosen once the neighbours are known
    else:
        parts.append(_MARKERS_INT[style])


def _choose_italic_markers(parts: list[str], italics: list[int]) -> None:
    """Write `_` or `*` for each italic span.

    `_` keeps italics clear of bold's `**`, but Discord honours it only at a word boundary,
    so inside a word (`un*believ*able`) and beside underline's `__` it must be `*`.
    """
    for opening, closing in zip(italics[::2], italics[1::2], strict=True):
        # Indexes, not slices: a slice copies the parts, once per span, in a paragraph of
        # thousands of spans.
        before = next((parts[k][-1] for k in range(opening - 1, -1, -1) if parts[k]), "")
        after = next((parts[k][0] for k in range(closing + 1, len(parts)) if parts[k]), "")
        after = after or ("*" if closing + 1 < len(parts) else "")
        usable = not _ASCII_WORD.match(before) and not _ASCII_WORD.match(after)
        marker = "_" if usable else "*"
        parts[opening] = parts[closing] = marker


def render_block(block: Block, runs: Sequence[Run] | None = None) -> str:
    """Render a block, or a slice of its runs, as it appears on a page."""
    if block.kind is BlockKind.BREAK:
        return SCENE_BREAK
    runs = block.runs if runs is None else runs
    if block.kind is BlockKind.HEADING:
        return render_runs(runs, extra=Style.BOLD)
    if block.kind is BlockKind.NOTE:
        return "\n".join(f"> {line}" if line else ">" for line in render_runs(runs).split("\n"))
    return render_runs(runs)


_MARKER_RUN = re.compile(r"\\(.)|(\*+|_+|~~)|^> ?", re.S | re.M)


def to_plain(markdown: str) -> str:
    """Invert `render_runs`: drop markers and escapes, giving the literal text back."""

    def undo(match: re.Match[str]) -> str:
        return match.group(1) or ""

    return _MARKER_RUN.sub(undo, markdown)
