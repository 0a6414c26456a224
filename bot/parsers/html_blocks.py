"""HTML and XHTML elements to story blocks, shared by the AO3 HTML and EPUB parsers.

The conversion follows what a browser shows: block elements (`<p>`, `<div>`, headings, list
items, table rows) become blocks, inline elements carry styles, whitespace collapses the way
HTML collapses it and `<br>` is a line break inside a paragraph. Two or more `<br>` in a row
end the paragraph, because that is how people who write without `<p>` mark paragraphs.

Speed matters: a 2 MB download has some 20,000 elements and 10,000 paragraphs. So the walk
does as little as it can per element: whitespace is collapsed while the text is collected,
a plain `<p>` takes a short path, and a paragraph with styles is collected as one string in
which control characters mark where the style changes. Story text never holds those
characters: parsers parse text that `bot.text.cleaning.clean` has cleaned, or bytes for which
`bot.text.cleaning.needs_cleaning` is false.

Every block made counts against the budget of the file being read (`bot.parsers.budget`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lxml import etree

from bot.parsers.budget import spend
from bot.parsers.common import is_break_line, tidy_breaks
from bot.text.cleaning import clean
from bot.text.markup import slice_runs
from bot.text.story import SCENE_BREAK_BLOCK, Block, BlockKind, Run, Style

_SPACE = " \t\n\r\f"  # HTML whitespace; the no-break space is text
_WS = re.compile(r"[ \t\n\r\f]+")
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")

_STYLE_MARK = [chr(0x10 + style) for style in range(16)]  # the text after has this style
_MARKS = re.compile("([\x10-\x1f])")
_STYLES = [Style(value) for value in range(16)]

# Whitespace with a newline at the edge of a text node only lays out the source. It reads as a
# space, except before closing and after opening punctuation: AO3 puts every `<span>` on a
# line of its own, which would otherwise give "the <em>Register</em> , I said".
_CLOSERS = frozenset(",.;:!?)]}’”»…")
_OPENERS = frozenset("([{“‘«")
_HARD, _SOFT = 1, 2
# Characters a scene-break line (`bot.parsers.common.is_break_line`) can start with; other
# paragraphs skip the regular expression.
_BREAK_START = frozenset("*~-_=+#•·⁂※§◇◆✦✧❖oO0xX")

_ITALIC, _BOLD, _UNDERLINE, _STRIKE = 1, 2, 4, 8
_INLINE_STYLES = {
    "i": _ITALIC,
    "em": _ITALIC,
    "cite": _ITALIC,
    "var": _ITALIC,
    "dfn": _ITALIC,
    "b": _BOLD,
    "strong": _BOLD,
    "u": _UNDERLINE,
    "ins": _UNDERLINE,
    "s": _STRIKE,
    "strike": _STRIKE,
    "del": _STRIKE,
}

# What each element does; anything not named is an inline element that changes nothing.
_P, _INLINE, _STYLED, _PARAGRAPH, _HEADING, _BLOCK, _LIST, _ROW, _CELL, _BR, _HR, _SKIP = range(12)
_ROLES = {name: _STYLED for name in _INLINE_STYLES}
_ROLES["p"] = _P
_ROLES.update(dict.fromkeys(("li", "dt", "dd", "pre", "caption", "address"), _PARAGRAPH))
_ROLES.update(dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), _HEADING))
_ROLES.update(
    dict.fromkeys(
        (
            "div", "blockquote", "dl", "table", "thead", "tbody", "tfoot", "section",
            "article", "header", "footer", "aside", "nav", "main", "figure", "figcaption",
            "center", "details", "summary", "fieldset", "legend", "form", "hgroup", "body",
            "html",
        ),
        _BLOCK,
    )
)  # fmt: skip
_ROLES.update({"ul": _LIST, "ol": _LIST, "tr": _ROW, "td": _CELL, "th": _CELL})
_ROLES.update({"br": _BR, "hr": _HR, "#": _SKIP})
# Elements whose content is not story text.
_ROLES.update(
    dict.fromkeys(
        (
            "head", "title", "script", "style", "template", "noscript", "rt", "rp", "svg",
            "math", "object", "iframe", "embed", "select", "button", "textarea", "audio",
            "video", "canvas", "map",
        ),
        _SKIP,
    )
)  # fmt: skip

# The inline elements that change nothing and come in bulk (word processors wrap every run of
# text in a `<span>`); `simplify` dissolves them to save work.
_TRANSPARENT = ("span", "a", "font")
_WITH_STYLE = etree.XPath("descendant-or-self::*[@style]")

_FONT_STYLE = re.compile(r"font-style\s*:\s*(italic|oblique|normal)", re.I)
_FONT_WEIGHT = re.compile(r"font-weight\s*:\s*(bold(?:er)?|[6-9]00|normal|lighter|[1-5]00)", re.I)
_DECORATION = re.compile(r"text-decoration(?:-line)?\s*:([^;]*)", re.I)

# Local names by tag, as lxml gives tags: `p`, `P`, `{http://www.w3.org/1999/xhtml}p`.
# Bounded, since a hostile file can use any number of made-up tags.
_NAMES: dict[object, str] = {}
_NAMES_MAX = 2000


def _local_name(tag: object) -> str:
    """`p` for `p`, `P` and `{http://www.w3.org/1999/xhtml}p`; "#" for comments and PIs."""
    name = _NAMES.get(tag)
    if name is None:
        if not isinstance(tag, str):
            name = "#"
        else:
            name = (tag.rpartition("}")[2] if tag[:1] == "{" else tag).lower()
        if len(_NAMES) < _NAMES_MAX:
            _NAMES[tag] = name
    return name


def _css_style(css: str, style: int) -> int:
    """Apply the inline `style="..."` declarations that change emphasis."""
    if match := _FONT_STYLE.search(css):
        if match.group(1).lower() == "normal":
            style &= ~_ITALIC
        else:
            style |= _ITALIC
    if match := _FONT_WEIGHT.search(css):
        value = match.group(1).lower()
        if value.startswith("bold") or value[0] in "6789":
            style |= _BOLD
        else:
            style &= ~_BOLD
    if match := _DECORATION.search(css):
        value = match.group(1).lower()
        if "none" in value:
            style &= ~(_UNDERLINE | _STRIKE)
        if "underline" in value:
            style |= _UNDERLINE
        if "line-through" in value:
            style |= _STRIKE
    return style


class BlockBuilder:
    """Collects blocks from one or more elements, in order.

    `kind` is the kind given to text blocks: `PARAGRAPH` for story text, `NOTE` for author's
    notes (where headings also become notes and scene breaks are left out).
    """

    def __init__(self, kind: BlockKind = BlockKind.PARAGRAPH) -> None:
        self._kind = kind
        self._blocks: list[Block] = []
        # The open block: its text and style markers, and its state.
        self._parts: list[str] = []
        self._visible = False  # whether it has text yet
        self._style = 0  # style of its last text
        self._styled = False  # whether it has a style marker
        self._last = ""  # its last character
        self._space = 0  # whitespace seen since its last text: 0, _HARD or _SOFT
        self._breaks = 0  # `<br>`s seen since its last text
        self._prefix = ""  # a list item's marker, written before the item's first text
        self._pre = 0  # depth of `<pre>` elements
        self._counters: list[int] = []  # next number of each open list; 0 for bullets
        self._cells: list[int] = []  # cells seen so far in each open table row

    def add(self, element: etree._Element, *, tail: bool = False) -> None:
        """Convert `element` and everything inside it; `tail` adds the text after it too."""
        self._walk(None, (element,), 0, self._kind, None, tails=tail)

    def add_all(self, elements: Sequence[etree._Element]) -> None:
        """Convert `elements` in order, with the text after each: a stretch of siblings."""
        self._walk(None, elements, 0, self._kind, None)

    def add_text(self, text: str) -> None:
        """Add text that sits between elements: a container's text or an element's tail."""
        if text:
            self._write(text, 0)

    def blocks(self, *, tidy: bool = True) -> tuple[Block, ...]:
        """The blocks collected so far, tidied (see `tidy_breaks`) unless they are a passage
        inside a larger text, where a scene break at either end still separates things."""
        self._end(self._kind)
        return tidy_breaks(self._blocks) if tidy else tuple(self._blocks)

    def _walk(
        self,
        text: str | None,
        children: Iterable[etree._Element],
        style: int,
        kind: BlockKind,
        para: int | None,
        *,
        tails: bool = True,
    ) -> None:
        """Write an element's text and children with its style, in a block of `kind`.

        `para` is the style at the start of the enclosing paragraph-like element, if any.
        """
        write = self._write
        if text:
            write(text, style)
        # Checked first, and inline: most elements in a story are `<p>` of plain text.
        simple = para is None and not style
        append_block = self._blocks.append
        for el in children:
            tag = el.tag
            if tag == "p" and simple and not len(el) and not self._prefix:
                if self._visible:
                    self._end(kind)
                text = el.text
                if text and not el.get("style"):
                    text = text.strip(_SPACE)
                    # Whitespace inside the text collapses; single characters are quick to find.
                    if "\n" in text or "\t" in text or "\r" in text or "\f" in text or "  " in text:
                        text = _WS.sub(" ", text)
                    if text and not text.isspace():
                        if len(text) > 40 or text[0] not in _BREAK_START:
                            append_block(Block(kind, (Run(text),)))
                            spend(1)
                        else:
                            self._add_runs(kind, text, (Run(text),))
                elif text:
                    self._paragraph(el, "p", _P, style, kind, para)
                tail = el.tail
                # Whitespace after a block, with no text open, would be dropped anyway.
                if tails and tail and not tail.isspace():
                    write(tail, style)
                continue
            name = _NAMES.get(tag) or _local_name(tag)
            role = _ROLES.get(name, _INLINE)
            if role == _P:
                self._paragraph(el, name, role, style, kind, para)
            elif role <= _STYLED:
                inner = style | _INLINE_STYLES[name] if role == _STYLED else style
                css = el.get("style")
                if css:
                    inner = _css_style(css, inner)
                if len(el):
                    self._walk(el.text, el, inner, kind, para)
                elif el.text:
                    write(el.text, inner)
            elif role <= _HEADING:
                self._paragraph(el, name, role, style, kind, para)
            elif role == _BLOCK:
                self._end(kind)
                css = el.get("style")
                inner = _css_style(css, style) if css else style
                if len(el):
                    self._walk(el.text, el, inner, kind, para)
                elif el.text:
                    write(el.text, inner)
                self._end(kind)
            elif role == _BR:
                if self._visible:
                    self._breaks += 1
            elif role == _HR:
                self._end(kind)
                if self._kind is not BlockKind.NOTE:
                    self._blocks.append(SCENE_BREAK_BLOCK)
                    spend(1)
            elif role == _LIST:
                self._end(kind)
                self._counters.append(_int(el.get("start"), 1) if name == "ol" else 0)
                self._walk(el.text, el, style, kind, para)
                self._counters.pop()
                self._end(kind)
            elif role == _ROW:
                self._end(kind)
                self._cells.append(0)
                self._walk(el.text, el, style, kind, para)
                self._cells.pop()
                self._end(kind)
            elif role == _CELL:
                if self._cells:
                    if self._cells[-1] and self._visible:
                        write(" | ", 0)
                    self._cells[-1] += 1
                if len(el):
                    self._walk(el.text, el, style, kind, para)
                elif el.text:
                    write(el.text, style)
            tail = el.tail
            if tails and tail and (self._visible or not tail.isspace()):
                write(tail, style)

    def _paragraph(
        self,
        el: etree._Element,
        name: str,
        role: int,
        style: int,
        kind: BlockKind,
        para: int | None,
    ) -> None:
        """A `<p>`, heading, list item or other block that holds text itself."""
        if self._visible:
            self._end(kind)
        if para is not None:
            # Nested in another paragraph, which only a repair of broken markup produces:
            # styles opened inside the outer paragraph were never meant to reach this one.
            style = para
        css = el.get("style")
        if css:
            style = _css_style(css, style)
        if role == _HEADING and self._kind is BlockKind.PARAGRAPH:
            kind = BlockKind.HEADING
        if name == "li":
            self._prefix = _list_marker(self._counters)
        elif name == "pre":
            self._pre += 1
        if len(el):
            self._walk(el.text, el, style, kind, style if para is None else para)
        elif el.text:
            self._write(el.text, style)
        self._end(kind)
        if name == "li":
            self._prefix = ""
        elif name == "pre":
            self._pre -= 1

    def _write(self, text: str, style: int) -> None:
        """Write text in `style`, collapsing whitespace with what was written before."""
        if self._pre and "\n" in text:
            self._pre -= 1  # write the lines as ordinary text, with breaks between them
            for i, line in enumerate(text.split("\n")):
                if i and self._visible:
                    self._breaks += 1
                if line:
                    self._write(line, style)
            self._pre += 1
            return
        if text[0] in _SPACE:
            body = text.lstrip(_SPACE)
            if self._visible and not self._breaks:
                if "\n" not in text[: len(text) - len(body)]:
                    self._space = _HARD
                elif not self._space:
                    self._space = _SOFT
            if not body:
                return
            text = body
        trail = 0
        if text[-1] in _SPACE:
            body = text.rstrip(_SPACE)
            trail = _SOFT if "\n" in text[len(body) :] else _HARD
            text = body
        if "\n" in text or "\t" in text or "\r" in text or "\f" in text or "  " in text:
            text = _WS.sub(" ", text)
        parts = self._parts
        space = ""
        if not self._visible:
            if self._prefix:
                parts.append(self._prefix)
                self._prefix = ""
            self._visible = True
        elif self._breaks:
            space = "\n" if self._breaks == 1 else "\n\n"
            self._breaks = 0
        elif self._space == _HARD or (
            self._space and text[0] not in _CLOSERS and self._last not in _OPENERS
        ):
            space = " "
        if style != self._style:
            # Whitespace between two styles takes the styles they share: "*word* next".
            shared = style & self._style
            if space and shared != self._style:
                parts.append(_STYLE_MARK[shared])
            parts.append(space)
            parts.append(_STYLE_MARK[style])
            self._style = style
            self._styled = True
        elif space:
            parts.append(space)
        parts.append(text)
        self._last = text[-1]
        self._space = trail

    def _end(self, kind: BlockKind) -> None:
        """End the open block, if it has any text; whitespace and breaks after it go."""
        if self._visible:
            text = "".join(self._parts)
            self._parts.clear()
            self._add(kind, text, self._styled)
            self._visible = self._styled = False
            self._style = self._space = self._breaks = 0

    def _add(self, kind: BlockKind, text: str, styled: bool) -> None:
        """Add the blocks for one block's collapsed text, which may hold style markers."""
        if not styled:
            for piece in _PARAGRAPH_BREAK.split(text) if "\n\n" in text else (text,):
                self._add_runs(kind, piece, (Run(piece),))
            return
        runs = _runs(text)
        plain = "".join(run.text for run in runs)
        if "\n\n" not in plain:
            self._add_runs(kind, plain, runs)
            return
        start = 0
        for match in _PARAGRAPH_BREAK.finditer(plain):
            end = match.start()
            self._add_runs(kind, plain[start:end], slice_runs(runs, start, end))
            start = match.end()
        self._add_runs(kind, plain[start:], slice_runs(runs, start, len(plain)))

    def _add_runs(self, kind: BlockKind, plain: str, runs: tuple[Run, ...]) -> None:
        if not plain or plain.isspace():  # only no-break and other unusual spaces
            return
        if len(plain) <= 40 and is_break_line(plain):
            if kind is not BlockKind.NOTE:
                self._blocks.append(SCENE_BREAK_BLOCK)
                spend(1)
            return
        self._blocks.append(Block(kind, runs))
        spend(1)


def _runs(text: str) -> tuple[Run, ...]:
    """Runs from block text with style markers."""
    runs: list[Run] = []
    style = 0
    for i, part in enumerate(_MARKS.split(text)):
        if i % 2:
            style = ord(part) - 0x10
        elif part:
            if runs and runs[-1].style == style:
                runs[-1] = Run(runs[-1].text + part, _STYLES[style])
            else:
                runs.append(Run(part, _STYLES[style]))
    return tuple(runs)


def _list_marker(counters: list[int]) -> str:
    if not counters or not counters[-1]:
        return "• "
    number = counters[-1]
    counters[-1] += 1
    return f"{number}. "


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def simplify(element: etree._Element) -> None:
    """Dissolve the `<span>`, `<a>` and `<font>` elements in `element`, in place.

    Conversion gives the same blocks with or without this; it only saves work on the long
    runs of `<span>` that word processors leave behind. Elements with a `style` attribute are
    kept, since it may set italics or bold.
    """
    for el in _WITH_STYLE(element):
        if _local_name(el.tag) in _TRANSPARENT:
            el.tag = "x-styled"
    etree.strip_tags(element, *_TRANSPARENT)


def to_blocks(
    elements: Iterable[etree._Element], kind: BlockKind = BlockKind.PARAGRAPH
) -> tuple[Block, ...]:
    """Blocks for the content of `elements`, in order, tidied as one sequence."""
    builder = BlockBuilder(kind)
    for element in elements:
        builder.add(element)
    return builder.blocks()


_STRING = etree.XPath("string()", smart_strings=False)


def element_text(element: etree._Element) -> str:
    """An element's text with all whitespace collapsed, for titles, tags and labels."""
    return " ".join(clean(_STRING(element)).split())
