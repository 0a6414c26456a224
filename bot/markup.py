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

from bot.story import SCENE_BREAK, Block, BlockKind, Run, Style

# Characters Discord treats as inline markdown anywhere in a line.
_INLINE = re.compile(r"([\\*_~`|<])")
# Masked links `[text](url)`: breaking the `](` pair is enough.
_MASKED_LINK = re.compile(r"\]\(")
# Line openings Discord turns into quotes, headings, subtext or list items.
_LINE_START = re.compile(r"(?m)^([ \t]*)(>|#{1,3}(?=[ \t])|[-+](?=[ \t#])|\d+(?=\.[ \t]))")

_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")

# Outer to inner: Discord documents `__***text***__` as underline, bold and italics together.
_ORDER = (Style.UNDERLINE, Style.STRIKE, Style.BOLD, Style.ITALIC)
_MARKERS = {Style.UNDERLINE: "__", Style.STRIKE: "~~", Style.BOLD: "**"}


def escape(text: str, *, line_start: bool = True) -> str:
    """Escape characters Discord would read as markdown.

    `line_start` says whether `text` begins a line, where `>`, `#`, `-` and `1.` are markdown.
    """
    text = _MASKED_LINK.sub(r"]\\(", _INLINE.sub(r"\\\1", text))
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


def normalize(runs: Iterable[Run]) -> tuple[Run, ...]:
    """Merge neighbouring runs of one style and drop empty runs."""
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if out and out[-1].style == run.style:
            out[-1] = Run(out[-1].text + run.text, run.style)
        else:
            out.append(run)
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


def _detach_spaces(runs: Sequence[Run]) -> list[Run]:
    """Move whitespace at the edges of styled runs outside the markers.

    `*word *` is not italics in Discord; `*word* ` is. The moved whitespace takes only the
    styles it shares with its neighbour, so it never opens a span of its own.
    """
    out: list[Run] = []
    for i, run in enumerate(runs):
        if not run.style:
            out.append(run)
            continue
        text = run.text
        core = text.strip()
        if not core:
            prev_style = runs[i - 1].style if i else Style.NONE
            out.append(Run(text, run.style & prev_style))
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        if lead:
            prev_style = runs[i - 1].style if i else Style.NONE
            out.append(Run(lead, run.style & prev_style))
        out.append(Run(core, run.style))
        if trail:
            next_style = runs[i + 1].style if i + 1 < len(runs) else Style.NONE
            out.append(Run(trail, run.style & next_style))
    return list(normalize(out))


def _neighbour_char(neighbour: Run, run: Run, index: int) -> str:
    """The character Discord sees beside an italic span: a bold or strike marker, or text."""
    toggled = neighbour.style ^ run.style
    if toggled & (Style.BOLD | Style.STRIKE) and not toggled & Style.UNDERLINE:
        return "*"
    return neighbour.text[index]


def _italic_markers(runs: Sequence[Run]) -> list[str]:
    """Choose `_` or `*` for each run's italics.

    `_` keeps italics clear of bold's `**`, but Discord only honours it at a word boundary;
    inside a word (`un*believ*able`) only `*` works.
    """
    markers = ["*"] * len(runs)
    i = 0
    while i < len(runs):
        if not runs[i].style & Style.ITALIC:
            i += 1
            continue
        j = i
        while j < len(runs) and runs[j].style & Style.ITALIC:
            j += 1
        before = _neighbour_char(runs[i - 1], runs[i], -1) if i else ""
        after = _neighbour_char(runs[j], runs[j - 1], 0) if j < len(runs) else ""
        inner = "".join(run.text for run in runs[i:j])
        if not _ASCII_WORD.match(before) and not _ASCII_WORD.match(after) and "_" not in inner:
            markers[i:j] = ["_"] * (j - i)
        i = j
    return markers


def render_runs(runs: Sequence[Run], *, extra: Style = Style.NONE) -> str:
    """Render runs as Discord markdown with every span closed at the end."""
    runs = _detach_spaces([Run(run.text, run.style | extra) for run in runs if run.text])
    italic = _italic_markers(runs)
    parts: list[str] = []
    stack: list[tuple[Style, str]] = []
    line_start = True
    for run, italic_marker in zip(runs, italic, strict=True):
        wanted = run.style
        # Close from the top of the stack down to the deepest style that must end.
        keep = len(stack)
        for depth, (style, _) in enumerate(stack):
            if not wanted & style:
                keep = depth
                break
        while len(stack) > keep:
            parts.append(stack.pop()[1])
        open_now = Style.NONE
        for style, _ in stack:
            open_now |= style
        for style in _ORDER:
            if wanted & style and not open_now & style:
                marker = italic_marker if style is Style.ITALIC else _MARKERS[style]
                stack.append((style, marker))
                parts.append(marker)
        parts.append(escape(run.text, line_start=line_start))
        line_start = run.text.endswith("\n")
    while stack:
        parts.append(stack.pop()[1])
    return "".join(parts)


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
